"""The Excel workbook: ``minutes export --format xlsx``.

Sheets, in order:

- "Tổng hợp (summary)": the figures of the review page's summary for the
  selected documents (``store.review.aggregate``), one table, a row per figure;
- "Tài liệu (documents)": a row per document (file, paths, meeting, counts
  per field, review state, who and when);
- a sheet per field, named by its Vietnamese label and the SCHEMA.md field
  name: a row per value with its document, state, confidence, page, source
  sentence and, given ``review_url``, a link that opens the document at
  that value in the review page.

Excel allows 31 characters in a sheet name and none of ``: \\ / ? * [ ]``;
``SHEET_NAMES`` is checked against both when this module is imported.
Numbers are written as numbers, dates as dates; text that starts with "="
stays text (never a formula).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy.orm import Session

from pipeline.compiled import Compiled, DocRow, clean_text, compile_archive, scope_text
from pipeline.export import CSV_COLUMNS
from pipeline.model import sentence_bounds
from pipeline.review.forms import ATTRS, DOC_STATE_LABELS, FIELD_LABELS, KIND_LABELS, STATE_LABELS
from pipeline.store import review as rv

#: the field sheets, headline fields first
SHEET_FIELDS = ("pledges", "models", "themes", "references", "people", "meeting")
SUMMARY_SHEET = "Tổng hợp (summary)"
DOCUMENTS_SHEET = "Tài liệu (documents)"
SHEET_NAMES = {f: f"{FIELD_LABELS[f]} ({f})" for f in SHEET_FIELDS}
_FORBIDDEN = re.compile(r"[:\\/?*\[\]]")
for _name in (SUMMARY_SHEET, DOCUMENTS_SHEET, *SHEET_NAMES.values()):
    assert len(_name) <= 31 and not _FORBIDDEN.search(_name), _name

MAX_CELL = 32_000  # Excel holds 32,767 characters in a cell
DATE_FORMAT = "DD/MM/YYYY"
DATETIME_FORMAT = "DD/MM/YYYY HH:MM"
HEAD_FONT = Font(bold=True)
HEAD_FILL = PatternFill("solid", start_color="DDE4EE", end_color="DDE4EE")
RIGHT = Alignment(horizontal="right", indent=1)
NUMBER = "number"  # a whole number with thousands separators, else up to two decimals
LINK_TEXT = "Mở"


@dataclass
class Column:
    title: str
    number_format: str | None = None
    max_width: int = 60


@dataclass
class WorkbookStats:
    documents: int
    rows: dict[str, int]  # sheet field -> value rows


def _text(s: Any) -> str:
    s = clean_text(s)
    return s if len(s) <= MAX_CELL else s[:MAX_CELL - 1] + "…"


def _put(cell: Cell, value: Any, number_format: str | None = None) -> None:
    if isinstance(value, str):
        cell.value = _text(value)
        cell.data_type = "s"  # "=…" stays text
    else:
        cell.value = value
    if number_format == NUMBER and isinstance(value, int | float):
        cell.number_format = "#,##0" if isinstance(value, int) or value.is_integer() else "#,##0.0#"
    elif number_format and number_format != NUMBER and value is not None:
        cell.number_format = number_format


def _write_table(ws: Worksheet, top: int, columns: list[Column], rows: list[list[Any]],
                 links: list[str | None] | None = None, link_col: int | None = None) -> None:
    """Header at row ``top``, then the rows; ``links[i]`` becomes the hyperlink of row i's ``link_col``."""
    for j, col in enumerate(columns, 1):
        c = ws.cell(row=top, column=j, value=col.title)
        c.font, c.fill = HEAD_FONT, HEAD_FILL
        if col.number_format not in (None, DATE_FORMAT, DATETIME_FORMAT):
            c.alignment = RIGHT  # over its numbers
    for i, row in enumerate(rows, top + 1):
        for j, (col, value) in enumerate(zip(columns, row), 1):
            c = ws.cell(row=i, column=j)
            _put(c, value, col.number_format)
            if isinstance(value, int | float):
                c.alignment = RIGHT  # a little apart from the text on its right
        if links and link_col is not None and links[i - top - 1]:
            c = ws.cell(row=i, column=link_col, value=LINK_TEXT)
            c.hyperlink = links[i - top - 1]
            c.style = "Hyperlink"


def _fit_widths(ws: Worksheet, columns: list[Column], first_row: int = 1) -> None:
    for j, col in enumerate(columns, 1):
        width = len(col.title) + 4  # room for the filter button
        for (cell,) in ws.iter_rows(min_row=first_row, min_col=j, max_col=j):
            v = cell.value
            if isinstance(v, datetime):
                n = 16
            elif isinstance(v, date):
                n = 10
            elif isinstance(v, float):
                n = 8
            else:
                n = max((len(line) for line in str(v).splitlines()), default=0) if v is not None else 0
            width = max(width, n + 2)
        ws.column_dimensions[get_column_letter(j)].width = min(width, col.max_width)


def _print_setup(ws: Worksheet, title_rows: str | None = None) -> None:
    """Printed (or converted to PDF): A4 landscape, as wide as the page, the header on every page."""
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    if title_rows:
        ws.print_title_rows = title_rows


def _data_sheet(wb: Workbook, title: str, columns: list[Column], rows: list[list[Any]],
                links: list[str | None] | None = None) -> Worksheet:
    ws = wb.create_sheet(title)
    _write_table(ws, 1, columns, rows, links, len(columns) if links is not None else None)
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{len(rows) + 1}"
    _fit_widths(ws, columns)
    _print_setup(ws, "1:1")
    return ws


def doc_link(review_url: str | None, doc_id: int, uid: str | None = None) -> str | None:
    """The review page's address of a document, at one value when ``uid`` is given."""
    if not review_url:
        return None
    base = f"{review_url.rstrip('/')}/documents/{doc_id}"
    return f"{base}?focus={quote(uid)}#item-{quote(uid)}" if uid else base


# ---------------------------------------------------------------- value sheets


def _attr_cell(kind: str, value: Any) -> Any:
    if value in (None, "", []):
        return None
    if kind == "lines":
        return "; ".join(str(x) for x in value) if isinstance(value, list) else str(value)
    if kind == "kind":
        return KIND_LABELS.get(str(value), str(value))
    if kind == "date":
        return rv.iso_date(value) or str(value)
    if kind in ("number", "int") and isinstance(value, int | float):
        return int(value) if isinstance(value, float) and value.is_integer() else value
    return value if isinstance(value, int | float) else str(value)


def _value_columns(field: str) -> list[tuple[str, str, Column]]:
    """(attribute, kind, column) of a field, in the CSV export's order."""
    attrs = {a.name: a for a in ATTRS[field]}
    out = []
    for name in CSV_COLUMNS[field]:
        a = attrs[name]
        fmt = DATE_FORMAT if a.kind == "date" else NUMBER if a.kind == "number" else "0" if a.kind == "int" else None
        out.append((name, a.kind, Column(a.label.split(" (")[0], fmt)))
    return out


def _source_sentence(text: str | None, v: rv.ItemView) -> str | None:
    if v.evidence:
        return v.evidence
    if text and v.start is not None and v.end is not None and 0 <= v.start <= v.end <= len(text):
        s, e = sentence_bounds(text, v.start, v.end)
        return text[s:e]
    return None


def _value_sheet(wb: Workbook, data: Compiled, field: str, review_url: str | None) -> int:
    vcols = _value_columns(field)
    columns = ([Column("Tài liệu"), Column("Mã tài liệu", "0")] + [c for _n, _k, c in vcols]
               + [Column("Trạng thái"), Column("Chi tiết trạng thái"), Column("Độ tin cậy", "0%"),
                  Column("Trang", "0"), Column("Câu nguồn", max_width=90)])
    if review_url:
        columns.append(Column("Mở trong trang duyệt"))
    rows, links = [], []
    for d in data.docs:
        doc, vs = data.views[d.id]
        for v in vs:
            if v.field != field:
                continue
            val = v.value or {}
            rows.append([d.filename, d.id, *[_attr_cell(k, val.get(n)) for n, k, _c in vcols],
                         "đã duyệt" if v.state in rv.REVIEWED_STATES else "gợi ý", STATE_LABELS.get(v.state, v.state),
                         v.confidence, v.page, _source_sentence(doc.text, v)])
            links.append(doc_link(review_url, d.id, v.uid))
    _data_sheet(wb, SHEET_NAMES[field], columns, rows, links if review_url else None)
    return len(rows)


# ---------------------------------------------------------------- documents


def _documents_sheet(wb: Workbook, data: Compiled, review_url: str | None) -> None:
    columns = [Column("Mã tài liệu", "0"), Column("Tệp"), Column("Đường dẫn", max_width=80), Column("Định dạng"),
               Column("Số trang", "0"), Column("Ngày hội nghị", DATE_FORMAT), Column("Tên hội nghị"),
               Column("Đơn vị tổ chức"), Column("Năm", "0"),
               *[Column(f"Số mục: {FIELD_LABELS[f]}", "0") for f in SHEET_FIELDS],
               Column("Trạng thái duyệt"), Column("Đã duyệt"), Column("Người duyệt"),
               Column("Thời điểm duyệt (UTC)", DATETIME_FORMAT)]
    if review_url:
        columns.append(Column("Mở trong trang duyệt"))
    rows = [_document_row(d) for d in data.docs]
    _data_sheet(wb, DOCUMENTS_SHEET, columns, rows,
                [doc_link(review_url, d.id) for d in data.docs] if review_url else None)


def _document_row(d: DocRow) -> list[Any]:
    return [d.id, d.filename, "\n".join(d.paths), d.format, d.pages, d.meeting_date, d.title, d.organizer, d.year,
            *[d.counts[f] for f in SHEET_FIELDS], DOC_STATE_LABELS.get(d.review_state, d.review_state),
            "có" if d.review_state == "reviewed" else "không", d.reviewed_by, d.reviewed_at]


# ---------------------------------------------------------------- summary


#: the summary's figures as the "Số liệu" column names them, in the review page's order
FIGURE_LABELS = {"pledges": "Đăng ký, cam kết", "models": "Mô hình", "themes": "Chủ đề",
                 "organizers": "Đơn vị tổ chức", "references": "Văn bản dẫn chiếu"}
SUMMARY_COLUMNS = [Column("Số liệu"), Column("Nội dung", max_width=70), Column("Năm", "0"),
                   Column("Tổng số", NUMBER), Column("Số mục", "0"), Column("Số tài liệu", "0"),
                   Column("Đơn vị xây dựng", max_width=50), Column("Tài liệu", max_width=80)]
SUMMARY_HEADER_ROW = 7  # below the title and four lines of notes


def summary_rows(data: Compiled) -> list[list[Any]]:
    """The summary as one table, a row per figure: pledges by unit and year (the total of their counts),
    then the most frequent models, themes, organizers and cited documents (by documents naming them)."""
    rows = []
    for kind, label in FIGURE_LABELS.items():
        for f in data.figures[kind]:
            year = (f.year if f.year is not None else "không rõ") if kind == "pledges" else None
            rows.append([label, f.label, year, f.value if kind == "pledges" else None, f.items, len(f.docs),
                         "; ".join(sorted(f.parts)) or None, "; ".join(data.filenames(f.docs))])
    return rows


def _summary_sheet(wb: Workbook, data: Compiled) -> None:
    ws = wb.active
    ws.title = SUMMARY_SHEET
    ws["A1"] = "Tổng hợp số liệu từ các báo cáo, biên bản hội nghị"
    ws["A1"].font = Font(bold=True, size=14)
    notes = [scope_text(data.scope),
             "Đăng ký, cam kết: cộng các số lượng (không cộng tỷ lệ %) theo đơn vị tính và năm (năm của hội nghị, "
             "nếu không có thì năm của chủ đề); các số liệu khác: đếm số tài liệu nhắc đến.",
             f"Số tài liệu: {len(data.docs)}, trong đó đã duyệt: {data.reviewed}.",
             f"Lập lúc {datetime.now(UTC):%d/%m/%Y %H:%M} UTC bằng minutes."]
    for i, note in enumerate(notes, 2):
        _put(ws.cell(row=i, column=1), note)
    rows = summary_rows(data)
    top = SUMMARY_HEADER_ROW
    _write_table(ws, top, SUMMARY_COLUMNS, rows)
    ws.freeze_panes = f"A{top + 1}"
    ws.auto_filter.ref = f"A{top}:{get_column_letter(len(SUMMARY_COLUMNS))}{top + len(rows)}"
    _fit_widths(ws, SUMMARY_COLUMNS, first_row=top)
    _print_setup(ws, f"{top}:{top}")


# ---------------------------------------------------------------- the workbook


def export_xlsx(session: Session, out: Path, scope: rv.Scope | None = None,
                review_url: str | None = None) -> WorkbookStats:
    """Write the workbook of the documents the scope selects to ``out``."""
    data = compile_archive(session, scope)
    wb = Workbook()
    _summary_sheet(wb, data)
    _documents_sheet(wb, data, review_url)
    rows = {f: _value_sheet(wb, data, f, review_url) for f in SHEET_FIELDS}
    wb.properties.title = "Tổng hợp số liệu hội nghị"
    wb.properties.creator = "minutes"
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    return WorkbookStats(len(data.docs), rows)
