"""The Word summary report: ``minutes report``.

In Vietnamese: a title, the period, how many documents and how many of them
reviewed, then tables (registrations by unit and year with a total per unit,
models with the units that built them, themes by year, the documents cited
most, documents per organizer), each row naming its documents by their number
in the appendix, which lists every document counted. The figures are those
of the review page's summary (``store.review.aggregate``), for the selected
documents.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import groupby
from pathlib import Path

from docx import Document as new_docx
from docx.document import Document as Docx
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from docx.table import Table
from sqlalchemy.orm import Session

from pipeline.compiled import Compiled, clean_text, compile_archive, scope_text, vn_date
from pipeline.review.forms import DOC_STATE_LABELS
from pipeline.store import review as rv

FONT = "Times New Roman"
TABLE_PT = 11  # the size of the tables' text (the body's is 13)
TOP = 30  # rows of the most-frequent tables (models, references, organizers); the workbook has them all


@dataclass
class ReportStats:
    documents: int
    reviewed: int
    tables: dict[str, int]  # table -> rows written (subtotal rows included)


def vn_number(x: float) -> str:
    """1600 -> "1.600", 0.4 -> "0,4" (the Vietnamese way)."""
    if isinstance(x, float) and x.is_integer():
        x = int(x)
    if isinstance(x, int):
        return f"{x:,}".replace(",", ".")
    whole, _, frac = f"{x:.2f}".rstrip("0").rstrip(".").partition(".")
    return f"{int(whole):,}".replace(",", ".") + (f",{frac}" if frac else "")


def cite(numbers: list[int]) -> str:
    """Appendix numbers as short ranges: [1, 2, 3, 7] -> "1–3, 7"."""
    out = []
    nums = sorted(set(numbers))
    for _k, run in groupby(enumerate(nums), key=lambda p: p[1] - p[0]):
        r = [n for _i, n in run]
        out.append(str(r[0]) if len(r) == 1 else f"{r[0]}, {r[1]}" if len(r) == 2 else f"{r[0]}–{r[-1]}")
    return ", ".join(out)


def _styles(doc: Docx) -> None:
    for name, size, bold in (("Normal", 13, False), ("Title", 16, True), ("Heading 1", 14, True),
                             ("Heading 2", 13, True)):
        st = doc.styles[name]
        st.font.name, st.font.size, st.font.bold = FONT, Pt(size), bold
        if name != "Normal":
            st.font.color.rgb = RGBColor(0, 0, 0)
        rpr = st.element.get_or_add_rPr()
        fonts = rpr.find(qn("w:rFonts"))
        if fonts is None:
            fonts = OxmlElement("w:rFonts")
            rpr.insert(0, fonts)
        for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
            fonts.set(qn(attr), FONT)
        for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:cstheme", "w:eastAsiaTheme"):
            fonts.attrib.pop(qn(attr), None)
        lang = rpr.find(qn("w:lang"))
        if lang is None:
            lang = OxmlElement("w:lang")
            rpr.append(lang)
        lang.set(qn("w:val"), "vi-VN")
    title = doc.styles["Title"]
    title.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    pbdr = title.element.get_or_add_pPr().find(qn("w:pBdr"))  # the template's blue rule under the title
    if pbdr is not None:
        pbdr.getparent().remove(pbdr)
    doc.styles["Normal"].paragraph_format.space_after = Pt(4)


def _page(doc: Docx) -> None:
    sec = doc.sections[0]
    sec.page_width, sec.page_height = Cm(21), Cm(29.7)
    sec.top_margin = sec.bottom_margin = Cm(2)
    sec.left_margin, sec.right_margin = Cm(3), Cm(2)
    p = sec.footer.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    p._p.append(field)


def _table(doc: Docx, header: list[str], rows: list[list[str]], numeric: set[int],
           widths: list[float], bold_rows: set[int] = frozenset()) -> Table:
    """A ruled table whose header repeats on every page; ``numeric`` columns align right."""
    t = doc.add_table(rows=1, cols=len(header))
    t.style = doc.styles["Table Grid"]
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    head = t.rows[0]
    trpr = head._tr.get_or_add_trPr()
    rep = OxmlElement("w:tblHeader")
    rep.set(qn("w:val"), "true")
    trpr.append(rep)
    for j, h in enumerate(header):
        cell = head.cells[j]
        cell.text = ""
        run = cell.paragraphs[0].add_run(h)
        run.bold, run.font.size = True, Pt(TABLE_PT)
        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    for i, row in enumerate(rows):
        cells = t.add_row().cells
        for j, value in enumerate(row):
            para = cells[j].paragraphs[0]
            run = para.add_run(clean_text(value))
            run.bold, run.font.size = i in bold_rows, Pt(TABLE_PT)
            if j in numeric:
                para.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    t.autofit = False
    for j, w in enumerate(widths):  # the grid (LibreOffice reads it) and each cell (Word reads those)
        t.columns[j].width = Cm(w)
        for cell in t.columns[j].cells:
            cell.width = Cm(w)
    return t


def _para(doc: Docx, text: str, italic: bool = False, center: bool = False, size: int | None = None) -> None:
    p = doc.add_paragraph()
    run = p.add_run(clean_text(text))
    run.italic = italic
    if size:
        run.font.size = Pt(size)
    if center:
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER


def period_text(data: Compiled) -> str:
    if data.scope.year is not None:
        return f"Năm {data.scope.year}"
    first, last = data.period()
    if first is None:
        return "Toàn bộ kho tài liệu (không tài liệu nào ghi ngày hội nghị)"
    undated = sum(1 for d in data.docs if d.meeting_date is None)
    return (f"Các hội nghị từ ngày {vn_date(first)} đến ngày {vn_date(last)}"
            + (f" (và {undated} tài liệu không rõ ngày)" if undated else ""))


def build_report(data: Compiled) -> tuple[Docx, dict[str, int]]:
    """The report as a python-docx document, and the rows of each table."""
    doc = new_docx()
    _styles(doc)
    _page(doc)
    doc.core_properties.title = "Báo cáo tổng hợp số liệu hội nghị"
    doc.core_properties.author = "minutes"
    doc.core_properties.language = "vi-VN"
    number = data.number

    def docs_of(f: rv.Figure) -> str:
        return cite([number[i] for i in f.docs])

    figs = data.figures
    written: dict[str, int] = {}
    doc.add_paragraph("BÁO CÁO TỔNG HỢP SỐ LIỆU CÁC HỘI NGHỊ", style="Title")
    _para(doc, period_text(data), italic=True, center=True)
    _para(doc, f"Lập ngày {datetime.now(UTC):%d/%m/%Y} bằng minutes.", italic=True, center=True, size=11)

    doc.add_heading("1. Tài liệu được tổng hợp", level=1)
    n, reviewed = len(data.docs), data.reviewed
    _para(doc, f"Báo cáo tổng hợp {n} tài liệu (báo cáo, biên bản hội nghị), trong đó {reviewed} tài liệu đã được "
               f"duyệt và {n - reviewed} tài liệu chưa duyệt xong.")
    _para(doc, scope_text(data.scope) + " Số trong cột “Tài liệu” của các bảng là số thứ tự của tài liệu trong "
               "Phụ lục.", italic=True, size=11)

    doc.add_heading("2. Đăng ký, cam kết theo đơn vị tính và năm", level=1)
    _para(doc, "Cộng các số lượng (không cộng tỷ lệ %); năm là năm của hội nghị, nếu không có thì năm của chủ đề; "
               "dòng “Cộng” là tổng của một đơn vị tính qua các năm.", italic=True, size=11)
    rows, bold = [], set()
    for unit, group in groupby(figs["pledges"], key=lambda f: f.label):
        fs = list(group)
        for f in fs:
            rows.append([unit, str(f.year) if f.year is not None else "không rõ", vn_number(f.value), str(f.items),
                         docs_of(f)])
        if len(fs) > 1:
            bold.add(len(rows))
            rows.append([unit, "Cộng", vn_number(sum(f.value for f in fs)), str(sum(f.items for f in fs)),
                         cite([number[i] for f in fs for i in f.docs])])
    _table_or_none(doc, ["Đơn vị tính", "Năm", "Tổng số", "Số mục", "Tài liệu"], rows, {2, 3},
                   [4.5, 2.2, 2.6, 1.8, 4.9], bold)
    written["pledges"] = len(rows)

    doc.add_heading("3. Mô hình và đơn vị xây dựng", level=1)
    rows = [[f.label, "; ".join(sorted(f.parts)) or "—", str(len(f.docs)), docs_of(f)] for f in figs["models"][:TOP]]
    _cut_note(doc, len(figs["models"]), "mô hình")
    _table_or_none(doc, ["Mô hình", "Đơn vị xây dựng", "Số tài liệu", "Tài liệu"], rows, {2}, [5, 5.5, 2, 3.5])
    written["models"] = len(rows)

    doc.add_heading("4. Chủ đề theo năm", level=1)
    rows = [[str(f.year) if f.year is not None else "không rõ", f.label, str(len(f.docs)), docs_of(f)]
            for f in figs["theme_years"]]
    _table_or_none(doc, ["Năm", "Chủ đề", "Số tài liệu", "Tài liệu"], rows, {2}, [2, 9, 2, 3])
    written["theme_years"] = len(rows)

    doc.add_heading("5. Văn bản được dẫn chiếu nhiều nhất", level=1)
    rows = [[f.label, str(len(f.docs)), docs_of(f)] for f in figs["references"][:TOP]]
    _cut_note(doc, len(figs["references"]), "văn bản")
    _table_or_none(doc, ["Văn bản", "Số tài liệu dẫn chiếu", "Tài liệu"], rows, {1}, [7.5, 3.5, 5])
    written["references"] = len(rows)

    doc.add_heading("6. Số tài liệu theo đơn vị tổ chức", level=1)
    rows = [[f.label, str(len(f.docs)), docs_of(f)] for f in figs["organizers"][:TOP]]
    _cut_note(doc, len(figs["organizers"]), "đơn vị")
    _table_or_none(doc, ["Đơn vị tổ chức", "Số tài liệu", "Tài liệu"], rows, {1}, [9, 2.5, 4.5])
    written["organizers"] = len(rows)

    doc.add_heading("Phụ lục. Danh sách tài liệu", level=1)
    rows = [[str(number[d.id]), d.filename, vn_date(d.meeting_date) or "không rõ",
             " — ".join(x for x in (d.title, d.organizer) if x) or "—",
             DOC_STATE_LABELS.get(d.review_state, d.review_state)] for d in data.docs]
    _table_or_none(doc, ["Số", "Tệp", "Ngày hội nghị", "Hội nghị, đơn vị tổ chức", "Trạng thái duyệt"], rows, {0},
                   [1.0, 4.6, 2.4, 5.6, 2.4])
    written["appendix"] = len(rows)
    return doc, written


def _cut_note(doc: Docx, total: int, what: str) -> None:
    if total > TOP:
        _para(doc, f"{TOP} {what} được nhắc đến nhiều nhất trong {total} (đủ cả trong tệp Excel: "
                   f"minutes export --format xlsx).", italic=True, size=11)


def _table_or_none(doc: Docx, header: list[str], rows: list[list[str]], numeric: set[int], widths: list[float],
                   bold_rows: set[int] = frozenset()) -> None:
    if rows:
        _table(doc, header, rows, numeric, widths, bold_rows)
    else:
        _para(doc, "Chưa có số liệu.", italic=True)


def write_report(session: Session, out: Path, scope: rv.Scope | None = None) -> ReportStats:
    """Write the report of the documents the scope selects to ``out`` (.docx)."""
    data = compile_archive(session, scope)
    doc, written = build_report(data)
    out.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(out))
    return ReportStats(len(data.docs), data.reviewed, written)
