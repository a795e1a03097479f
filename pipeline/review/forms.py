"""What each field's value holds (SCHEMA.md), its Vietnamese labels, and the
parsing of the page's edit and add forms into such values."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

FIELD_LABELS = {
    "meeting": "Hội nghị",
    "themes": "Chủ đề",
    "pledges": "Đăng ký, cam kết",
    "models": "Mô hình",
    "references": "Văn bản dẫn chiếu",
    "people": "Nhân vật",
}

STATE_LABELS = {
    "suggested": "Gợi ý",
    "new_since_review": "Mới sau duyệt",
    "accepted": "Đã chấp nhận",
    "edited": "Đã sửa",
    "rejected": "Đã bác bỏ",
    "added": "Đã thêm",
}

DOC_STATE_LABELS = {"new": "Mới", "in_review": "Đang duyệt", "reviewed": "Đã duyệt"}

ACTION_LABELS = {"accept": "Chấp nhận", "edit": "Sửa", "reject": "Bác bỏ", "add": "Thêm"}


@dataclass(frozen=True)
class Attr:
    name: str
    label: str
    kind: str = "text"  # text | number | int | date | kind | lines
    primary: bool = False


ATTRS: dict[str, list[Attr]] = {
    "meeting": [Attr("title", "Tên hội nghị", primary=True), Attr("date", "Ngày", "date"),
                Attr("organizer", "Đơn vị tổ chức"), Attr("location", "Địa điểm")],
    "themes": [Attr("text", "Nội dung", primary=True), Attr("year", "Năm", "int")],
    "pledges": [Attr("value", "Số", "number", primary=True), Attr("kind", "Loại", "kind"),
                Attr("unit", "Đơn vị tính"), Attr("subject", "Chủ thể"), Attr("total", "Trên tổng số", "number")],
    "models": [Attr("name", "Tên mô hình", primary=True), Attr("organization", "Đơn vị xây dựng")],
    "references": [Attr("number", "Số, ký hiệu", primary=True), Attr("type", "Loại văn bản"),
                   Attr("date", "Ngày ban hành", "date")],
    "people": [Attr("name", "Họ và tên", primary=True), Attr("roles", "Chức vụ (mỗi dòng một chức vụ)", "lines")],
}

KIND_LABELS = {"count": "số lượng", "percent": "tỷ lệ %"}


def primary(field: str) -> str:
    return next(a.name for a in ATTRS[field] if a.primary)


def show(attr: Attr, value: Any) -> str:
    """An attribute as the page shows it (empty string for none)."""
    if value in (None, "", []):
        return ""
    if attr.kind == "lines":
        return "; ".join(str(v) for v in value) if isinstance(value, list) else str(value)
    if attr.kind == "kind":
        return KIND_LABELS.get(str(value), str(value))
    if attr.kind == "date":
        m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", str(value))
        return f"{m[3]}/{m[2]}/{m[1]}" if m else str(value)
    if attr.kind == "number" and isinstance(value, float) and value.is_integer():
        value = int(value)
    if attr.kind == "number" and isinstance(value, int | float):
        return f"{value:,}".replace(",", "\u202f") if isinstance(value, int) else str(value).replace(".", ",")
    return str(value)


def input_value(attr: Attr, value: Any) -> str:
    """An attribute as an edit form pre-fills it."""
    if value in (None, "", []):
        return ""
    if attr.kind == "lines":
        return "\n".join(str(v) for v in value) if isinstance(value, list) else str(value)
    if attr.kind == "number" and isinstance(value, float):
        return str(value).replace(".", ",")
    return str(value)


class FormError(ValueError):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def parse_number(s: str) -> int | float:
    """Vietnamese number writing: "1.600" is 1600, "0,4" is 0.4, "12,5%" is 12.5."""
    t = s.strip().replace("\u202f", "").replace(" ", "").rstrip("%")
    if re.fullmatch(r"\d{1,3}(\.\d{3})+", t):
        return int(t.replace(".", ""))
    if re.fullmatch(r"\d{1,3}(,\d{3})+", t) and not re.fullmatch(r"\d,\d{3}", t):
        return int(t.replace(",", ""))
    t = t.replace(",", ".")
    try:
        v = float(t)
    except ValueError:
        raise FormError(f"“{s}” không phải là một số.") from None
    return int(v) if v.is_integer() and "." not in t else v


def parse_date(s: str) -> str:
    t = s.strip()
    m = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", t) or None
    if m:
        y, mo, d = int(m[1]), int(m[2]), int(m[3])
    else:
        m = re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})", t)
        if not m:
            raise FormError(f"“{s}” không phải là ngày (dd/mm/yyyy).")
        d, mo, y = int(m[1]), int(m[2]), int(m[3])
    try:
        return date(y, mo, d).isoformat()
    except ValueError:
        raise FormError(f"“{s}” không phải là ngày hợp lệ.") from None


def parse_value(field: str, form: dict[str, str], prefix: str = "v_") -> dict[str, Any]:
    """The value of ``field`` from form inputs named ``v_<attr>``; raises FormError."""
    if field not in ATTRS:
        raise FormError("Trường không hợp lệ.")
    out: dict[str, Any] = {}
    for a in ATTRS[field]:
        raw = (form.get(prefix + a.name) or "").strip()
        if not raw:
            if a.kind == "kind":
                out.setdefault(a.name, "count")
            else:
                out[a.name] = [] if a.kind == "lines" else None
            continue
        if a.kind == "number":
            out[a.name] = parse_number(raw)
            if a.name == "value" and raw.endswith("%"):
                out["kind"] = "percent"
        elif a.kind == "int":
            if not re.fullmatch(r"\d{4}", raw):
                raise FormError(f"“{raw}” không phải là một năm.")
            out[a.name] = int(raw)
        elif a.kind == "date":
            out[a.name] = parse_date(raw)
        elif a.kind == "kind":
            if raw not in KIND_LABELS:
                raise FormError("Loại phải là số lượng hoặc tỷ lệ.")
            out[a.name] = "percent" if out.get(a.name) == "percent" else raw
        elif a.kind == "lines":
            out[a.name] = [x.strip() for x in re.split(r"[\n;]", raw) if x.strip()]
        else:
            out[a.name] = " ".join(raw.split())
    if field == "pledges" and out.get("total") is None:
        out.pop("total", None)
    if field != "meeting" and out.get(primary(field)) in (None, ""):
        raise FormError(f"Thiếu “{next(a.label for a in ATTRS[field] if a.primary)}”.")
    if field == "meeting" and not any(out.get(k) for k in ("title", "date", "organizer", "location")):
        raise FormError("Hãy điền ít nhất một thông tin về hội nghị.")
    return out


def merge_extra(old: dict[str, Any] | None, new: dict[str, Any]) -> dict[str, Any]:
    """Keep keys of the old value that the form does not show (e.g. a pledge's extra keys)."""
    if not old:
        return new
    shown = {a.name for f in ATTRS.values() for a in f}
    return {**{k: v for k, v in old.items() if k not in shown}, **new}
