"""The compiled result: the Excel workbook (``minutes export --format xlsx``) and
the Word report (``minutes report``), opened with openpyxl and python-docx and
checked against the database; the report converted to PDF by LibreOffice
(slow). Three invented documents, one of them reviewed with edits and
additions, one partly reviewed, one with a script and no meeting."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from pipeline.cli import main
from pipeline.model import FIELDS
from pipeline.review.forms import FIELD_LABELS
from pipeline.store import open_store
from pipeline.store import review as rv
from pipeline.store.models import Document
from pipeline.xlsx_export import DOCUMENTS_SHEET, SHEET_NAMES, SUMMARY_HEADER_ROW, SUMMARY_SHEET
from test_review_support import DOC_TEXT, SCRIPT_TEXT, ingest, make_user, write_doc

REVIEW_URL = "http://duyet.example/minutes/"
# the same report, issued a year earlier (other bytes: another document, the same suggestions)
DOC_2023 = DOC_TEXT.replace("ĐẢNG BỘ XÃ AN PHÚ", "ĐẢNG BỘ XÃ BÌNH MINH (BẢN NĂM 2023)")
FORMULA_MODEL = "=HYPERLINK(\"http://x.example\";\"Dân vận khéo\")"


def _view(s, doc, field, phrase):
    for v in rv.item_views(s, doc):
        if v.field == field and phrase in json.dumps(v.value, ensure_ascii=False):
            return v
    raise AssertionError(f"no {field} item {phrase}")


def build_archive(url: str, tmp_path: Path) -> dict[str, int]:
    """an_phu (2024, in review: one pledge accepted, one reference rejected), script (no meeting: year
    unknown), binh_minh (2023 after an edit, reviewed by lan, with an added theme and a formula-like model
    whose unit holds a control character, which neither Excel nor Word may hold)."""
    docs = tmp_path / "docs"
    ids = {"an_phu": ingest(write_doc(docs, "bao_cao_an_phu.txt"), url).document_id,
           "script": ingest(write_doc(docs, "thu_script.txt", SCRIPT_TEXT), url).document_id,
           "binh_minh": ingest(write_doc(docs, "bao_cao_binh_minh.txt", DOC_2023), url).document_id}
    with open_store(url)() as s:
        a = s.get(Document, ids["an_phu"])
        rv.decide(s, a, "pledges", _view(s, a, "pledges", "215").key, "accept", "lan", 0)
        rv.decide(s, a, "references", _view(s, a, "references", "12-BC/ĐU").key, "reject", "minh", 0)
        b = s.get(Document, ids["binh_minh"])
        m = _view(s, b, "meeting", "Hội nghị")
        rv.decide(s, b, "meeting", m.key, "edit", "lan", 0,
                  value={**m.value, "date": "2023-05-20", "organizer": "Đảng ủy xã Bình Minh"})
        p = _view(s, b, "pledges", "18")
        rv.decide(s, b, "pledges", p.key, "edit", "lan", 0, value={**p.value, "value": 20})
        rv.decide(s, b, "themes", "năm dân vận khéo", "add", "lan", 0,
                  value={"text": "Năm dân vận khéo", "year": 2023}, start=0, end=10)
        rv.decide(s, b, "models", "formula", "add", "lan", 0,
                  value={"name": FORMULA_MODEL, "organization": "Chi bộ\x0b thôn Nam"}, start=0, end=10)
        rv.mark_reviewed(s, b, "lan")
        s.commit()
    return ids


@pytest.fixture
def archive(db_url, tmp_path):
    return {"url": db_url, "tmp": tmp_path, **build_archive(db_url, tmp_path)}


def run(*args: str) -> None:
    r = CliRunner().invoke(main, list(args))
    assert r.exit_code == 0, r.output


def export(archive, name: str, *args: str):
    out = archive["tmp"] / name
    run("export", "--format", "xlsx", "--out", str(out), "--db", archive["url"], *args)
    return load_workbook(out)


def rows_of(ws, first: int = 1, last: int | None = None) -> list[dict]:
    head = [c.value for c in ws[first]]
    out = []
    for row in ws.iter_rows(min_row=first + 1, max_row=last):
        if all(c.value is None for c in row):
            break
        out.append({h: c for h, c in zip(head, row)})
    return out


def summary_rows(wb, figure: str) -> list[dict]:
    """The Summary sheet's rows of one figure ("Đăng ký, cam kết", "Mô hình" …), as values."""
    ws = wb[SUMMARY_SHEET]
    assert ws.freeze_panes == f"A{SUMMARY_HEADER_ROW + 1}" and ws.auto_filter.ref.startswith(f"A{SUMMARY_HEADER_ROW}:H")
    return [{k: c.value for k, c in r.items()} for r in rows_of(ws, SUMMARY_HEADER_ROW) if r["Số liệu"].value == figure]


def expected_items(url: str, doc_ids: list[int], reviewed_only: bool = False) -> dict[str, list[tuple[int, dict]]]:
    """(document id, value) of each field as the exports show them, straight from the store (as the JSON export)."""
    out: dict[str, list[tuple[int, dict]]] = {f: [] for f in FIELDS}
    with open_store(url)() as s:
        for i in doc_ids:
            for it in rv.effective_items(s, s.get(Document, i), reviewed_only=reviewed_only):
                out[it["field"]].append((i, it))
    return out


def test_workbook_sheets_rows_and_types_match_the_database(archive):
    wb = export(archive, "minutes.xlsx", "--review-url", REVIEW_URL)
    assert wb.sheetnames == [SUMMARY_SHEET, DOCUMENTS_SHEET, "Đăng ký, cam kết (pledges)", "Mô hình (models)",
                             "Chủ đề (themes)", "Văn bản dẫn chiếu (references)", "Nhân vật (people)",
                             "Hội nghị (meeting)"]
    assert all(len(n) <= 31 and not re.search(r"[:\\/?*\[\]]", n) for n in wb.sheetnames)
    ids = [archive["an_phu"], archive["script"], archive["binh_minh"]]
    want = expected_items(archive["url"], ids)
    for field in FIELDS:
        ws = wb[SHEET_NAMES[field]]
        rows = rows_of(ws)
        assert len(rows) == len(want[field]), field
        assert ws.freeze_panes == "A2" and ws.auto_filter.ref == f"A1:{ws.cell(1, ws.max_column).column_letter}{len(rows) + 1}"
        assert all(ws.column_dimensions[c.column_letter].width for c in ws[1])
        for r in rows:
            assert r["Trạng thái"].value in ("đã duyệt", "gợi ý")
            assert isinstance(r["Mã tài liệu"].value, int)
            assert r["Mở trong trang duyệt"].hyperlink.target.startswith(
                f"http://duyet.example/minutes/documents/{r['Mã tài liệu'].value}?focus=")

    pledges = rows_of(wb[SHEET_NAMES["pledges"]])
    by_doc = {(r["Tài liệu"].value, r["Số"].value): r for r in pledges}
    p215 = by_doc[("bao_cao_an_phu.txt", 215)]
    assert isinstance(p215["Số"].value, int) and p215["Số"].number_format == "#,##0"
    assert p215["Đơn vị tính"].value == "đảng viên"
    assert p215["Chủ thể"].value == "Toàn Đảng bộ" and p215["Loại"].value == "số lượng"
    assert (p215["Trạng thái"].value, p215["Chi tiết trạng thái"].value) == ("đã duyệt", "Đã chấp nhận")
    assert p215["Độ tin cậy"].value == pytest.approx(0.9) and p215["Độ tin cậy"].number_format == "0%"
    assert "Toàn Đảng bộ có 215 đảng viên đăng ký nêu gương" in p215["Câu nguồn"].value
    assert by_doc[("bao_cao_an_phu.txt", 18)]["Trạng thái"].value == "gợi ý"
    assert by_doc[("bao_cao_binh_minh.txt", 20)]["Chi tiết trạng thái"].value == "Đã sửa"
    assert ("bao_cao_binh_minh.txt", 18) not in by_doc

    # the link opens the document at that value in the review page
    link = p215["Mở trong trang duyệt"].hyperlink.target
    uid = link.split("#item-")[1]
    assert link == f"{REVIEW_URL}documents/{archive['an_phu']}?focus={uid}#item-{uid}"
    make_user(archive["url"], "lan", "mat-khau-thu-nghiem")
    from fastapi.testclient import TestClient

    from pipeline.review.app import create_app

    c = TestClient(create_app(archive["url"], secret="s" * 40), follow_redirects=False)
    token = re.search(r'name="csrf-token" content="([^"]+)"', c.get("/login").text)[1]
    c.post("/login", data={"username": "lan", "password": "mat-khau-thu-nghiem", "csrf_token": token})
    page = c.get(link.removeprefix(REVIEW_URL.rstrip("/")).split("#")[0])
    assert page.status_code == 200 and f'id="item-{uid}"' in page.text and f'data-focus="{uid}"' in page.text
    assert "215" in page.text.split(f'id="item-{uid}"')[1][:2000]

    models = {r["Tên mô hình"].value: r for r in rows_of(wb[SHEET_NAMES["models"]])}
    assert models[FORMULA_MODEL]["Tên mô hình"].data_type == "s"  # text, never a formula
    assert models[FORMULA_MODEL]["Chi tiết trạng thái"].value == "Đã thêm"
    assert models[FORMULA_MODEL]["Đơn vị xây dựng"].value == "Chi bộ thôn Nam"
    assert models[FORMULA_MODEL]["Độ tin cậy"].value is None  # added by a reviewer: no machine confidence
    assert models["<img src=x onerror=alert(2)>"]["Tài liệu"].value == "thu_script.txt"

    refs = rows_of(wb[SHEET_NAMES["references"]])
    assert not any(r["Tài liệu"].value == "bao_cao_an_phu.txt" and r["Số, ký hiệu"].value == "12-BC/ĐU" for r in refs)
    issued = {(r["Tài liệu"].value, r["Số, ký hiệu"].value): r["Ngày ban hành"].value for r in refs}
    assert issued[("bao_cao_an_phu.txt", "45-KH/ĐU")] == datetime(2023, 1, 10)
    meetings = {r["Tài liệu"].value: r for r in rows_of(wb[SHEET_NAMES["meeting"]])}
    assert meetings["bao_cao_binh_minh.txt"]["Ngày"].value == datetime(2023, 5, 20)
    assert meetings["bao_cao_binh_minh.txt"]["Ngày"].number_format == "DD/MM/YYYY"
    assert meetings["bao_cao_an_phu.txt"]["Đơn vị tổ chức"].value == "Ban Thường vụ Đảng ủy xã An Phú"
    people = [r["Chức vụ"].value for r in rows_of(wb[SHEET_NAMES["people"]])]
    assert "Phó Bí thư Đảng ủy" in people

    docs = {r["Tệp"].value: r for r in rows_of(wb[DOCUMENTS_SHEET])}
    assert set(docs) == {"bao_cao_an_phu.txt", "thu_script.txt", "bao_cao_binh_minh.txt"}
    bm = docs["bao_cao_binh_minh.txt"]
    assert bm["Đã duyệt"].value == "có" and bm["Trạng thái duyệt"].value == "Đã duyệt"
    assert bm["Người duyệt"].value == "lan" and isinstance(bm["Thời điểm duyệt (UTC)"].value, datetime)
    assert bm["Ngày hội nghị"].value == datetime(2023, 5, 20) and bm["Năm"].value == 2023
    assert bm["Đường dẫn"].value.endswith("bao_cao_binh_minh.txt")
    assert docs["thu_script.txt"]["Ngày hội nghị"].value is None and docs["thu_script.txt"]["Năm"].value is None
    assert docs["bao_cao_an_phu.txt"]["Đã duyệt"].value == "không"
    by_id = {r["Mã tài liệu"].value: r for r in docs.values()}
    for field in FIELDS:
        for i in ids:
            assert by_id[i][f"Số mục: {FIELD_LABELS[field]}"].value == sum(1 for d, _ in want[field] if d == i)

    ws = wb[SUMMARY_SHEET]
    assert ws["A4"].value == "Số tài liệu: 3, trong đó đã duyệt: 1."
    pl = {(r["Nội dung"], r["Năm"]): r for r in summary_rows(wb, "Đăng ký, cam kết")}
    assert {k: r["Tổng số"] for k, r in pl.items()} == {
        ("chi bộ", 2023): 20, ("chi bộ", 2024): 18, ("đảng viên", 2023): 215, ("đảng viên", 2024): 215,
        ("đảng viên", "không rõ"): 12}
    assert pl[("đảng viên", "không rõ")]["Tài liệu"] == "thu_script.txt"
    # the same figures as the review page's summary
    with open_store(archive["url"])() as s:
        page = rv.summary(s, limit=None)
    assert {(f.label, f.year or "không rõ"): (f.value, len(f.docs)) for f in page["pledges"]} == {
        k: (r["Tổng số"], r["Số tài liệu"]) for k, r in pl.items()}
    refs = summary_rows(wb, "Văn bản dẫn chiếu")
    assert refs[0]["Nội dung"] == "Kế hoạch 45-KH/ĐU" and refs[0]["Số tài liệu"] == 2
    models = {r["Nội dung"]: r for r in summary_rows(wb, "Mô hình")}
    assert models["Chi bộ 4 tốt"]["Số tài liệu"] == 2 and models["Chi bộ 4 tốt"]["Đơn vị xây dựng"] == "Chi bộ thôn Tây"
    assert {r["Nội dung"] for r in summary_rows(wb, "Chủ đề")} == {"Năm dân vận khéo"}
    orgs = {r["Nội dung"]: r["Số tài liệu"] for r in summary_rows(wb, "Đơn vị tổ chức")}
    assert orgs == {"Ban Thường vụ Đảng ủy xã An Phú": 1, "Đảng ủy xã Bình Minh": 1}


def test_workbook_filters_by_review_date_and_organizer(archive):
    def files(wb) -> set[str]:
        return {r["Tệp"].value for r in rows_of(wb[DOCUMENTS_SHEET])}

    wb = export(archive, "reviewed.xlsx", "--reviewed-only")
    assert files(wb) == {"bao_cao_binh_minh.txt"}
    want = expected_items(archive["url"], [archive["binh_minh"]], reviewed_only=True)
    for field in FIELDS:
        rows = rows_of(wb[SHEET_NAMES[field]])
        assert len(rows) == len(want[field]) and {r["Trạng thái"].value for r in rows} <= {"đã duyệt"}
        assert "Mở trong trang duyệt" not in {c.value for c in wb[SHEET_NAMES[field]][1]}  # no --review-url
    assert wb[SUMMARY_SHEET]["A4"].value == "Số tài liệu: 1, trong đó đã duyệt: 1."
    assert "chỉ các tài liệu đã duyệt" in wb[SUMMARY_SHEET]["A2"].value

    # a meeting date range leaves out the document with no meeting date
    assert files(export(archive, "2024.xlsx", "--from", "2024-01-01", "--to", "31/12/2024")) == {"bao_cao_an_phu.txt"}
    assert files(export(archive, "upto.xlsx", "--to", "2023-12-31")) == {"bao_cao_binh_minh.txt"}
    wb = export(archive, "org.xlsx", "--organizer", "đảng ủy  XÃ bình minh")
    assert files(wb) == {"bao_cao_binh_minh.txt"}
    pl = {(r["Nội dung"], r["Năm"]): r["Tổng số"] for r in summary_rows(wb, "Đăng ký, cam kết")}
    assert pl == {("chi bộ", 2023): 20, ("đảng viên", 2023): 215}

    # nothing selected: an empty but valid workbook
    wb = export(archive, "none.xlsx", "--organizer", "không có đơn vị này")
    assert files(wb) == set() and rows_of(wb[SHEET_NAMES["pledges"]]) == []
    assert rows_of(wb[SUMMARY_SHEET], SUMMARY_HEADER_ROW) == []


def test_export_options_are_checked(sqlite_url, tmp_path):
    r = CliRunner().invoke(main, ["export", "--format", "json", "--organizer", "x", "--out", str(tmp_path / "j"),
                                  "--db", sqlite_url])
    assert r.exit_code == 2 and "--format xlsx" in r.output
    r = CliRunner().invoke(main, ["export", "--format", "xlsx", "--out", str(tmp_path), "--db", sqlite_url])
    assert r.exit_code == 2 and ".xlsx" in r.output
    r = CliRunner().invoke(main, ["report", "--out", str(tmp_path / "r.pdf"), "--db", sqlite_url])
    assert r.exit_code == 2 and ".docx" in r.output
    r = CliRunner().invoke(main, ["--help"])
    assert "report" in r.output


# ---------------------------------------------------------------- the report


def report(archive, name: str, *args: str):
    from docx import Document as open_docx

    out = archive["tmp"] / name
    run("report", "--out", str(out), "--db", archive["url"], *args)
    return out, open_docx(str(out))


def cells(table) -> list[list[str]]:
    return [[c.text for c in row.cells] for row in table.rows]


def appendix(doc) -> dict[str, str]:
    """Appendix number -> file name."""
    rows = cells(doc.tables[-1])
    assert rows[0] == ["Số", "Tệp", "Ngày hội nghị", "Hội nghị, đơn vị tổ chức", "Trạng thái duyệt"]
    return {r[0]: r[1] for r in rows[1:]}


def cited(ref: str, numbers: dict[str, str]) -> set[str]:
    out = set()
    for part in ref.split(", "):
        lo, _, hi = part.partition("–")
        out |= {numbers[str(n)] for n in range(int(lo), int(hi or lo) + 1)}
    return out


def test_report_figures_trace_to_their_documents(archive):
    _out, doc = report(archive, "bao_cao.docx")
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "BÁO CÁO TỔNG HỢP SỐ LIỆU CÁC HỘI NGHỊ" in text
    assert "Các hội nghị từ ngày 20/05/2023 đến ngày 14/03/2024 (và 1 tài liệu không rõ ngày)" in text
    assert "Báo cáo tổng hợp 3 tài liệu (báo cáo, biên bản hội nghị), trong đó 1 tài liệu đã được duyệt" in text
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert headings == ["1. Tài liệu được tổng hợp", "2. Đăng ký, cam kết theo đơn vị tính và năm",
                        "3. Mô hình và đơn vị xây dựng", "4. Chủ đề theo năm", "5. Văn bản được dẫn chiếu nhiều nhất",
                        "6. Số tài liệu theo đơn vị tổ chức", "Phụ lục. Danh sách tài liệu"]
    numbers = appendix(doc)
    assert sorted(numbers.values()) == ["bao_cao_an_phu.txt", "bao_cao_binh_minh.txt", "thu_script.txt"]
    assert numbers["1"] == "bao_cao_binh_minh.txt"  # by meeting date, undated last
    with open_store(archive["url"])() as s:
        figs = rv.summary(s, limit=None)
        names = {d.id: d.filename for d in s.query(Document)}

    pledges = cells(doc.tables[0])
    assert pledges[0] == ["Đơn vị tính", "Năm", "Tổng số", "Số mục", "Tài liệu"]
    body = {(r[0], r[1]): r for r in pledges[1:]}
    for f in figs["pledges"]:
        row = body[(f.label, str(f.year) if f.year else "không rõ")]
        assert row[2] == str(int(f.value)) and row[3] == str(f.items)
        assert cited(row[4], numbers) == {names[i] for i in f.docs}
    assert body[("đảng viên", "Cộng")][2:4] == ["442", "3"]  # 215 + 215 + 12
    assert body[("chi bộ", "Cộng")][2] == "38" and cited(body[("chi bộ", "Cộng")][4], numbers) == {
        "bao_cao_an_phu.txt", "bao_cao_binh_minh.txt"}
    assert doc.tables[0].rows[0]._tr.xpath("./w:trPr/w:tblHeader")  # the header repeats on each page

    models = {r[0]: r for r in cells(doc.tables[1])[1:]}
    assert models["Chi bộ 4 tốt"][1:] == ["Chi bộ thôn Tây", "2", "1, 2"]
    assert models[FORMULA_MODEL][1] == "Chi bộ thôn Nam"
    themes = cells(doc.tables[2])
    assert themes[1] == ["2023", "Năm dân vận khéo", "1", "1"]
    refs = cells(doc.tables[3])
    assert refs[1] == ["Kế hoạch 45-KH/ĐU", "2", "1, 2"]
    assert {r[0]: r[1] for r in cells(doc.tables[4])[1:]} == {"Ban Thường vụ Đảng ủy xã An Phú": "1",
                                                            "Đảng ủy xã Bình Minh": "1"}
    assert doc.styles["Normal"].font.name == "Times New Roman"
    assert abs(doc.sections[0].page_width.cm - 21) < 0.01


def test_report_of_one_year_and_reviewed_only(archive):
    _out, doc = report(archive, "2024.docx", "--year", "2024")
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "Năm 2024" in text and "tổng hợp 1 tài liệu" in text
    assert list(appendix(doc).values()) == ["bao_cao_an_phu.txt"]
    assert [r[:3] for r in cells(doc.tables[0])[1:]] == [["chi bộ", "2024", "18"], ["đảng viên", "2024", "215"]]

    _out, doc = report(archive, "reviewed.docx", "--reviewed-only")
    assert list(appendix(doc).values()) == ["bao_cao_binh_minh.txt"]
    assert "chỉ các tài liệu đã duyệt" in "\n".join(p.text for p in doc.paragraphs)

    _out, doc = report(archive, "empty.docx", "--year", "1999")
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "tổng hợp 0 tài liệu" in text and "Chưa có số liệu." in text and len(doc.tables) == 0


@pytest.mark.slow
def test_report_and_workbook_open_in_libreoffice(sqlite_url, tmp_path):
    from pipeline.readers.doc_reader import soffice_path

    soffice = soffice_path()
    if not soffice or not shutil.which("pdftotext"):
        pytest.skip("LibreOffice (soffice) or pdftotext is not installed")
    archive = {"url": sqlite_url, "tmp": tmp_path, **build_archive(sqlite_url, tmp_path)}
    docx, _doc = report(archive, "bao_cao.docx")
    xlsx = tmp_path / "minutes.xlsx"
    run("export", "--format", "xlsx", "--out", str(xlsx), "--db", sqlite_url, "--review-url", REVIEW_URL)
    # the workbook too where LibreOffice Calc is installed (./run.sh installs Writer only)
    calc = (Path(soffice).resolve().parent / "libsclo.so").exists()
    text = {}
    for src in (docx, xlsx) if calc else (docx,):
        subprocess.run([soffice, f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless",
                        "--norestore", "--convert-to", "pdf", "--outdir", str(tmp_path / "pdf"), str(src)],
                       check=True, capture_output=True, timeout=180, env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"})
        pdf = tmp_path / "pdf" / f"{src.stem}.pdf"
        assert pdf.stat().st_size > 0, src
        text[src.suffix] = " ".join(subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True,
                                                   text=True).stdout.split())
    for phrase in ("BÁO CÁO TỔNG HỢP SỐ LIỆU CÁC HỘI NGHỊ", "Đăng ký, cam kết theo đơn vị tính và năm",
                   "Phụ lục. Danh sách tài liệu", "Ban Thường vụ Đảng ủy xã An Phú"):
        assert phrase in text[".docx"], phrase
    assert "bao_cao_binh_minh.txt" in text[".docx"].replace(" ", "")  # a narrow column may break a file name
    if calc:
        assert "Tổng hợp số liệu từ các báo cáo, biên bản hội nghị" in text[".xlsx"]
        assert "Đảng ủy xã Bình Minh" in text[".xlsx"]
