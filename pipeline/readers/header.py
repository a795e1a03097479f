"""The administrative header of a Vietnamese state or party document.

A pure function over the first blocks of a document::

    ĐẢNG BỘ TỈNH ĐỒNG THÁP          ĐẢNG CỘNG SẢN VIỆT NAM
    ĐẢNG ỦY SỞ ...
    Số: 58/KH-ĐU                    Đồng Tháp, ngày 15 tháng 4 năm 2026
                       KẾ HOẠCH

gives ``{"issuer": "ĐẢNG BỘ TỈNH ĐỒNG THÁP ĐẢNG ỦY SỞ ...", "number":
"58/KH-ĐU", "place": "Đồng Tháp", "date": "2026-04-15", "doc_type":
"KẾ HOẠCH"}``. Keys it cannot find are left out. Drafts with blanks
("Số:    /KH-SGDĐT", "ngày   tháng 4 năm 2026") keep the number as written
without the blanks and no ``date`` (``date_text`` holds what is written).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from pipeline.model import Block

_UP = "A-ZĐ\u00c0-\u00dd\u0102\u0110\u0128\u0168\u01a0\u01af\u1ea0-\u1ef8"
_CODE = rf"[{_UP}][{_UP}0-9&.]*"
_NUMBER_RE = re.compile(
    rf"(?m)^[ \t|]*S[ốồổôóòõọộ]\s*[:.]?[ \t]*\n?[ \t]*"  # OCR may misread the tone of "Số"
    rf"(?P<num>(?:\d[\d.]*)?[ \t]*(?:/[ \t]*\d{{4}}[ \t]*)?(?:[-/–][ \t]*)?{_CODE}(?:[ \t]*[-/–][ \t]*{_CODE})+)"
)
_DATE_RE = re.compile(
    r"(?m)^[ \t|]*(?P<place>[^\n,;:()]{2,40}?)\s*,\s*ngày\s*(?P<d>\d{1,2})?[\s.…_]*tháng\s*(?P<m>\d{1,2})?"
    r"[\s.…_]*năm\s*(?P<y>\d{4})"
)
_MOTTO = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM", "CỘNG HÒA XÃ HỘI",
          "CỘNG HOÀ XÃ HỘI", "CHỦ NGHĨA VIỆT NAM", "ĐỘC LẬP - TỰ DO - HẠNH PHÚC", "ĐỘC LẬP – TỰ DO – HẠNH PHÚC",
          "ĐẢNG CỘNG SẢN VIỆT NAM")
DOC_TYPES = ("KẾ HOẠCH", "BÁO CÁO", "QUYẾT ĐỊNH", "NGHỊ QUYẾT", "CÔNG VĂN", "THÔNG BÁO", "HƯỚNG DẪN",
             "QUY ĐỊNH", "CHỈ THỊ", "TỜ TRÌNH", "BIÊN BẢN", "KẾT LUẬN", "CHƯƠNG TRÌNH", "QUY CHẾ", "ĐIỀU LỆ",
             "THÔNG TRI", "DIỄN VĂN", "BÀI PHÁT BIỂU", "GIẤY MỜI", "ĐỀ ÁN", "PHƯƠNG ÁN", "CÔNG ĐIỆN",
             "NGHỊ ĐỊNH", "THÔNG TƯ", "LUẬT", "HỢP ĐỒNG", "ĐƠN", "BẢN CAM KẾT", "TỜ KHAI", "DANH SÁCH")
_SEPARATOR_RE = re.compile(r"^[\s\-–—_*=.|~•]*$")


def _nfc(s: str) -> str:
    return unicodedata.normalize("NFC", s)


def _lines(blocks: list[Block], limit: int) -> list[str]:
    out: list[str] = []
    for b in blocks:
        if b.is_furniture:
            continue
        for line in _nfc(b.text).splitlines():
            line = re.sub(r"[\t\u00a0 ]+", " ", line).strip()
            if line:
                out.append(line)
        if len(out) >= limit:
            break
    return out[:limit]


def _is_upper_line(line: str) -> bool:
    letters = [c for c in line if c.isalpha()]
    return len(letters) >= 2 and sum(c.isupper() for c in letters) / len(letters) >= 0.9


def _motto_key(line: str) -> str:
    return re.sub(r"\s+", " ", line.upper().replace("—", "-").replace("–", "-")).strip(" -")


def _is_motto(line: str) -> bool:
    k = _motto_key(line)
    return any(k == _motto_key(m) or (len(k) > 8 and _motto_key(m).startswith(k)) for m in _MOTTO) or \
        k.startswith("ĐỘC LẬP - TỰ DO")


def parse_header(blocks: list[Block], limit: int = 40) -> dict[str, str]:
    lines = _lines(blocks, limit)
    if not lines:
        return {}
    text = "\n".join(lines)
    meta: dict[str, str] = {}

    m = _NUMBER_RE.search("\n".join(lines[:20]))
    if m and re.match(r"[ \t]*,?[ \t]*(ngày|của)\b", text[m.end():]):
        m = None  # "Số 2992/QĐ-BTL ngày ..." is a reference, not this document's number
    if m:
        num = re.sub(r"[ \t]+", "", m.group("num")).replace("–", "-")
        meta["number"] = num
    m = _DATE_RE.search(text)
    if m:
        place = m.group("place").strip(" |-–")
        # a place line may follow the issuer on the same line in flattened headers
        if len(place) <= 40 and not place.lower().startswith(("căn cứ", "hôm nay")):
            meta["place"] = place
        d, mo, y = m.group("d"), m.group("m"), m.group("y")
        meta["date_text"] = re.sub(r"\s+", " ", m.group(0).split(",", 1)[1]).strip()
        if d and mo:
            try:
                meta["date"] = dt.date(int(y), int(mo), int(d)).isoformat()
            except ValueError:
                pass

    issuer: list[str] = []
    motto_first = False
    for line in lines:
        if _is_motto(line) and not issuer:
            motto_first = True
        if _is_motto(line) or _SEPARATOR_RE.match(line):
            if issuer and not _is_motto(line):
                break  # the rule under the issuer's name ends it
            continue
        if re.match(r"S[ốồổôóòõọộ]\b", line) or _DATE_RE.match(line) or _doc_type(line) or re.match(r"^[IVX\d]+\s*[.\-)]", line):
            break
        if not _is_upper_line(line) or "://" in line or "WWW." in line.upper():
            if issuer:
                break
            continue
        issuer.append(line.strip(" |"))
        if len(issuer) >= 4:
            break
    # after the motto an upper-case line is as likely a title: trust it only
    # when the document also carries a number ("Số: ...")
    if issuer and (not motto_first or "number" in meta):
        meta["issuer"] = " ".join(issuer)

    for line in lines:
        t = _doc_type(line)
        if t and " ".join(issuer).find(line) < 0:
            meta["doc_type"] = t
            break
    return meta


def _doc_type(line: str) -> str | None:
    s = line.strip(" |*").upper()
    if not _is_upper_line(line) or len(s) > 160:
        return None
    for t in DOC_TYPES:
        if t == "ĐƠN" and not re.match(r"ĐƠN( |$)(ĐỀ NGHỊ|XIN|YÊU CẦU|KHỞI KIỆN|TRÌNH BÀY|$)", s):
            continue
        if s == t or s.startswith(t + " ") or s.startswith(t + ":"):
            if t == "QUY ĐỊNH" and s.startswith("QUY ĐỊNH CHẾ"):
                return t
            return t
    return None
