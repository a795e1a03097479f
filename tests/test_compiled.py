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
from pipeline.xlsx_export import DOCUMENTS_SHEET, SHEET_NAMES, SUMMARY_SHEET
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
    unknown), binh_minh (2023 after an edit, reviewed by lan, with an added theme and a formula-like model)."""
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
                  value={"name": FORMULA_MODEL, "organization": "Chi bộ thôn Nam"}, start=0, end=10)
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


def table_rows(ws, name: str) -> list[dict]:
    ref = ws.tables[name].ref
    first, last = (int(x) for x in re.findall(r"\d+", ref))
    return [{k: c.value for k, c in r.items()} for r in rows_of(ws, first, last)]


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
    assert isinstance(p215["Số"].value, int) and p215["Đơn vị tính"].value == "đảng viên"
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
    assert ws["A3"].value == "Số tài liệu: 3, trong đó đã duyệt: 1."
    pl = {(r["Đơn vị tính"], r["Năm"]): r for r in table_rows(ws, "DangKyTheoNam")}
    assert {k: r["Tổng số"] for k, r in pl.items()} == {
        ("chi bộ", 2023): 20, ("chi bộ", 2024): 18, ("đảng viên", 2023): 215, ("đảng viên", 2024): 215,
        ("đảng viên", "không rõ"): 12}
    assert pl[("đảng viên", "không rõ")]["Tài liệu"] == "thu_script.txt"
    # the same figures as the review page's summary
    with open_store(archive["url"])() as s:
        page = rv.summary(s, limit=None)
    assert {(f.label, f.year or "không rõ"): (f.value, len(f.docs)) for f in page["pledges"]} == {
        k: (r["Tổng số"], r["Số tài liệu"]) for k, r in pl.items()}
    refs = table_rows(ws, "VanBanDanChieu")
    assert refs[0]["Văn bản"] == "Kế hoạch 45-KH/ĐU" and refs[0]["Số tài liệu"] == 2
    models = {r["Mô hình"]: r for r in table_rows(ws, "MoHinh")}
    assert models["Chi bộ 4 tốt"]["Số tài liệu"] == 2 and models["Chi bộ 4 tốt"]["Đơn vị xây dựng"] == "Chi bộ thôn Tây"
    assert {r["Chủ đề"] for r in table_rows(ws, "ChuDe")} == {"Năm dân vận khéo"}
    orgs = {r["Đơn vị tổ chức"]: r["Số tài liệu"] for r in table_rows(ws, "DonViToChuc")}
    assert orgs == {"Ban Thường vụ Đảng ủy xã An Phú": 1, "Đảng ủy xã Bình Minh": 1}
