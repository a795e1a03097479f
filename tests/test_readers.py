"""Readers on real files: docx/pdf/txt built here or kept in tests/fixtures/readers
(made by tests/fixtures/readers/make_fixtures.py from text written for the tests),
and bad files built in the test."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from pipeline.model import Block, ReadError
from pipeline.normalize import normalize
from pipeline.readers import read_bytes, read_file, sniff
from pipeline.readers.header import parse_header
from pipeline.readers.pdf_reader import text_problem

FIX = Path(__file__).resolve().parent / "fixtures" / "readers"


def docx_bytes(build) -> bytes:
    import docx

    d = docx.Document()
    build(d)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


# ---------------------------------------------------------------- txt

def test_txt_utf8_bom_and_utf16():
    text = "Chi bộ thôn Đông\nKẾ HOẠCH\n\nnăm 2026"
    for data in (text.encode(), b"\xef\xbb\xbf" + text.encode(), text.encode("utf-16")):
        src = read_bytes(data, "a.txt")
        assert [b.text for b in src.blocks] == ["Chi bộ thôn Đông", "KẾ HOẠCH", "năm 2026"]


# ---------------------------------------------------------------- docx

def test_docx_body_order_tables_headings_header_footer():
    def build(d):
        d.sections[0].header.paragraphs[0].text = "Đầu trang: Chi bộ thôn Đông"
        d.sections[0].footer.paragraphs[0].text = "Chân trang: Lưu hành nội bộ"
        d.add_heading("I. MỤC ĐÍCH", level=1)
        d.add_paragraph("Đoạn trước bảng.")
        t = d.add_table(rows=3, cols=3)
        t.cell(0, 0).merge(t.cell(0, 1)).text = "Ô gộp ngang"
        t.cell(0, 2).text = "Cột ba"
        t.cell(1, 0).merge(t.cell(2, 0)).text = "Ô gộp dọc"
        t.cell(1, 1).text = "Giữa"
        t.cell(1, 2).text = "Phải"
        t.cell(2, 1).text = "Dưới giữa"
        d.add_paragraph("Đoạn sau bảng.")

    src = read_bytes(docx_bytes(build), "a.docx")
    kinds = [(b.kind, b.text) for b in src.blocks]
    assert kinds[0] == ("header", "Đầu trang: Chi bộ thôn Đông")
    assert kinds[-1] == ("footer", "Chân trang: Lưu hành nội bộ")
    body = [(b.kind, b.text, b.table, b.row, b.col) for b in src.blocks if not b.is_furniture]
    assert body == [
        ("heading", "I. MỤC ĐÍCH", None, None, None),
        ("paragraph", "Đoạn trước bảng.", None, None, None),
        ("table_cell", "Ô gộp ngang", 0, 0, 0),
        ("table_cell", "Cột ba", 0, 0, 2),
        ("table_cell", "Ô gộp dọc", 0, 1, 0),
        ("table_cell", "Giữa", 0, 1, 1),
        ("table_cell", "Phải", 0, 1, 2),
        ("table_cell", "Dưới giữa", 0, 2, 1),
        ("paragraph", "Đoạn sau bảng.", None, None, None),
    ]
    assert [b.index for b in src.blocks] == list(range(len(src.blocks)))
    text = normalize(src.blocks).text
    assert "Đầu trang" not in text and "Chân trang" not in text and "Ô gộp dọc" in text


def test_docx_text_boxes_once():
    from docx.oxml import parse_xml

    ns = ('xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
          'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
          'xmlns:v="urn:schemas-microsoft-com:vml" '
          'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape"')
    box = '<w:txbxContent><w:p><w:r><w:t>Chữ trong hộp</w:t></w:r></w:p></w:txbxContent>'
    run = (f'<w:r {ns}><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><wps:txbx>{box}</wps:txbx>'
           f'</w:drawing></mc:Choice><mc:Fallback><w:pict><v:shape><v:textbox>{box}</v:textbox></v:shape>'
           f'</w:pict></mc:Fallback></mc:AlternateContent></w:r>')

    def build(d):
        p = d.add_paragraph("Neo của hộp chữ")
        p._p.append(parse_xml(run))
        d.add_paragraph("Đoạn cuối")

    src = read_bytes(docx_bytes(build), "box.docx")
    assert [b.text for b in src.blocks] == ["Neo của hộp chữ", "Chữ trong hộp", "Đoạn cuối"]


def test_docx_fixture_header_metadata():
    src = read_file(FIX / "ke_hoach.docx")
    assert src.format == "docx"
    assert src.metadata["number"] == "12-KH/CB"
    assert src.metadata["date"] == "2026-04-15"
    assert src.metadata["place"] == "Hoà Bình"
    assert src.metadata["issuer"] == "ĐẢNG BỘ XÃ HOÀ BÌNH CHI BỘ THÔN ĐÔNG"
    assert src.metadata["doc_type"] == "KẾ HOẠCH"
    cells = [b for b in src.blocks if b.kind == "table_cell" and b.table == 1]
    assert [c.text for c in cells[:3]] == ["TT", "Nội dung", "Người thực hiện"]


def test_docx_damaged():
    good = docx_bytes(lambda d: d.add_paragraph("Nội dung"))
    with pytest.raises(ReadError) as e:
        read_bytes(good[: len(good) // 2], "cut.docx")
    assert e.value.kind == "corrupt" and "damaged" in e.value.reason
    # a docx whose main part is missing
    with zipfile.ZipFile(io.BytesIO(good)) as zin:
        parts = {n: zin.read(n) for n in zin.namelist()}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zout:
        for n, data in parts.items():
            if n != "word/document.xml":
                zout.writestr(n, data)
    with pytest.raises(ReadError) as e:
        read_bytes(out.getvalue(), "nodoc.docx")
    assert e.value.kind == "corrupt" and "word/document.xml" in e.value.reason
    # malformed XML in the main part
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zout:
        for n, data in parts.items():
            zout.writestr(n, data[: len(data) // 2] if n == "word/document.xml" else data)
    with pytest.raises(ReadError) as e:
        read_bytes(out.getvalue(), "badxml.docx")
    assert e.value.kind == "corrupt"


def test_docx_empty_document():
    with pytest.raises(ReadError) as e:
        read_bytes(docx_bytes(lambda d: None), "empty.docx")
    assert e.value.kind == "empty"


def test_zip_that_is_not_a_word_document():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
    with pytest.raises(ReadError) as e:
        read_bytes(out.getvalue(), "a.docx")
    assert e.value.kind == "unsupported" and "Excel" in e.value.reason
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("anh.jpg", b"\xff\xd8\xff")
    with pytest.raises(ReadError) as e:
        read_bytes(out.getvalue(), "a.docx")
    assert e.value.kind == "unsupported"


def test_encrypted_office_document():
    # an OLE container with an EncryptedPackage stream is a password-protected .docx
    data = bytearray(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 4088)
    name = "EncryptedPackage".encode("utf-16-le")
    data[1024:1024 + len(name)] = name
    with pytest.raises(ReadError) as e:
        read_bytes(bytes(data), "secret.docx")
    assert e.value.kind == "encrypted" and "password" in e.value.reason


# ---------------------------------------------------------------- pdf

def test_pdf_pages_header_columns_tables_furniture():
    seen = []
    src = read_bytes((FIX / "ke_hoach.pdf").read_bytes(), "ke_hoach.pdf", progress=lambda d, t: seen.append((d, t)))
    assert src.format == "pdf" and src.pages == 2
    assert seen[-1] == (2, 2)
    b = src.blocks
    # the two header columns, each kept together: left then right
    assert b[0].text.split("\n") == ["ĐẢNG BỘ XÃ HOÀ BÌNH", "CHI BỘ THÔN ĐÔNG", "*", "Số: 12-KH/CB"]
    assert b[1].text.startswith("ĐẢNG CỘNG SẢN VIỆT NAM\nHoà Bình, ngày 15 tháng 4 năm")
    assert src.metadata["number"] == "12-KH/CB" and src.metadata["date"] == "2026-04-15"
    assert src.metadata["doc_type"] == "KẾ HOẠCH"
    assert {x.page for x in b} == {1, 2}
    # running header and footer on both pages are furniture
    furniture = [x.text for x in b if x.kind == "furniture"]
    assert furniture.count("Chi bộ thôn Đông - Tài liệu sinh hoạt") == 2
    assert furniture.count("Lưu hành nội bộ") == 2
    # a wrapped paragraph is one block
    para = next(x for x in b if x.text.startswith("1. Nâng cao"))
    assert para.text.endswith("trong năm 2026.")
    cells = [x for x in b if x.kind == "table_cell"]
    assert [(c.row, c.col, c.text) for c in cells[:4]] == [(0, 0, "TT"), (0, 1, "Nội dung"),
                                                          (0, 2, "Người thực hiện"), (1, 0, "1")]
    assert cells[4].text == "Chuẩn bị tài liệu chuyên đề"
    text = normalize(b).text
    assert "Tài liệu sinh hoạt" not in text
    assert "Trang hai của kế hoạch" in text


def test_pdf_owner_password_is_read_user_password_is_refused():
    src = read_file(FIX / "ke_hoach_owner_pw.pdf")
    assert any("Đồng chí Bí thư chi bộ" in b.text for b in src.blocks)
    with pytest.raises(ReadError) as e:
        read_file(FIX / "ke_hoach_user_pw.pdf")
    assert e.value.kind == "encrypted" and "password" in e.value.reason


def test_pdf_corrupt_truncated_zero_pages():
    with pytest.raises(ReadError) as e:
        read_bytes(b"%PDF-1.4\n" + bytes(range(256)) * 20, "junk.pdf")
    assert e.value.kind == "corrupt"
    zero = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
            b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF")
    with pytest.raises(ReadError) as e:
        read_bytes(zero, "zero.pdf")
    assert e.value.kind in ("empty", "corrupt")
    data = (FIX / "ke_hoach.pdf").read_bytes()
    for cut in (0.1, 0.5, 0.9):
        try:
            src = read_bytes(data[: int(len(data) * cut)], "cut.pdf")
        except ReadError as err:
            assert err.reason.endswith(".")
        else:
            assert src.blocks


def test_scanned_pdf_without_tesseract(monkeypatch):
    monkeypatch.setenv("MINUTES_TESSERACT", "/nonexistent/tesseract")
    with pytest.raises(ReadError) as e:
        read_file(FIX / "ke_hoach_scan.pdf")
    assert "Tesseract OCR is needed" in e.value.reason


@pytest.mark.slow
def test_scanned_pdf_is_ocred():
    progress = []
    src = read_bytes((FIX / "ke_hoach_scan.pdf").read_bytes(), "scan.pdf", progress=lambda d, t: progress.append(d))
    assert sorted(progress) == [1, 2]
    assert all(b.ocr for b in src.blocks)
    assert all(b.ocr_confidence and b.ocr_confidence > 60 for b in src.blocks)
    assert src.metadata["ocr_pages"] == [1, 2]
    text = normalize(src.blocks).text
    assert "Phấn đấu 100% đảng viên tham dự sinh hoạt" in text
    assert src.metadata.get("number") == "12-KH/CB"


def test_signature_stamp_is_furniture():
    from pipeline.readers.pdf_reader import Line, PageResult, _layout

    texts = ["Đề nghị các chi bộ thực hiện nghiêm túc kế hoạch này và báo cáo kết quả về Đảng ủy xã.",
             "Ký bởi: Đảng ủy xã Hoà Bình",
             "Cơ quan: Đảng ủy xã Hoà Bình, tỉnh Quảng Trị",
             "Email: dangUyhoabinh@quangtri.gov.vn",
             "Thời gian ký: 15.04.2026 09:12:33 +07:00",
             "Email: liên hệ văn phòng để nhận tài liệu."]
    lines = [Line(t, 300, 560, 400 + 40 * k, 412 + 40 * k) for k, t in enumerate(texts)]
    lines[-1] = Line(texts[-1], 72, 560, 100, 112)  # at the top of the page, far from the stamp
    page = PageResult(number=2, lines=lines, width=612, height=792)
    _layout(page, set())
    kinds = {b.text: b.kind for b in page.blocks}
    assert kinds[texts[0]] == "paragraph"
    assert all(kinds[t] == "furniture" for t in texts[1:5])
    assert kinds[texts[5]] == "paragraph"  # an e-mail line far from any stamp is text


def test_text_plausibility():
    good = ("Chi bộ tập trung thảo luận chuyên đề về giữ gìn vệ sinh môi trường, xây dựng nếp sống văn minh "
            "ở khu dân cư; biểu dương mười hai hộ gia đình tiêu biểu và năm đảng viên có nhiều đóng góp.")
    assert text_problem(good) is None
    assert text_problem("Đ Ả N G  C Ộ N G  S Ả N  V I Ệ T  N A M " * 3) == "spaced letters"
    assert text_problem("Chi bo tap trung thao luan chuyen de ve giu gin ve sinh moi truong, xay dung nep song "
                        "van minh o khu dan cu; bieu duong muoi hai ho gia dinh tieu bieu va nam dang vien.") \
        == "no diacritics"
    assert text_problem("1849") == "too little text"


# ---------------------------------------------------------------- doc (LibreOffice)

def test_doc_without_libreoffice(monkeypatch):
    monkeypatch.setenv("MINUTES_SOFFICE", "/nonexistent/soffice")
    with pytest.raises(ReadError) as e:
        read_file(FIX / "ke_hoach.doc")
    assert e.value.reason.startswith("LibreOffice is needed to read old .doc files")


def test_doc_conversion_timeout(monkeypatch):
    monkeypatch.setenv("MINUTES_SOFFICE_TIMEOUT", "0.05")
    with pytest.raises(ReadError) as e:
        read_file(FIX / "ke_hoach.doc")
    assert e.value.kind == "timeout"


@pytest.mark.slow
def test_doc_is_converted_and_read():
    src = read_file(FIX / "ke_hoach.doc")
    assert src.format == "doc"
    assert src.metadata["number"] == "12-KH/CB"
    docx = read_file(FIX / "ke_hoach.docx")
    assert normalize(src.blocks).text == normalize(docx.blocks).text


@pytest.mark.slow
def test_doc_saved_as_docx(tmp_path):
    p = tmp_path / "cu.docx"
    p.write_bytes((FIX / "ke_hoach.doc").read_bytes())
    src = read_file(p)
    assert src.format == "doc" and any("saved with a .docx name" in w for w in src.warnings)


@pytest.mark.slow
def test_rtf_is_converted(tmp_path):
    body = "Chi bộ thôn Đông họp ngày 5 tháng 5 năm 2026."
    esc = "".join(c if ord(c) < 128 else f"\\u{ord(c)}?" for c in body)
    rtf = "{\\rtf1\\ansi\\deff0 {\\fonttbl {\\f0 Times New Roman;}}\\f0 " + esc + "\\par}"
    src = read_bytes(rtf.encode("ascii"), "bien_ban.rtf")
    assert src.format == "rtf"
    assert normalize(src.blocks).text == body


# ---------------------------------------------------------------- bad files

@pytest.mark.parametrize("data,kind", [
    (b"", "empty"),
    (b"  \n\t\n", "empty"),
    (b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00\xff" * 200, "unsupported"),
    (b"\x89PNG\r\n\x1a\n" + b"\x00\x01" * 100, "unsupported"),
])
def test_bad_files(tmp_path, data, kind):
    p = tmp_path / "bao_cao.pdf"
    p.write_bytes(data)
    with pytest.raises(ReadError) as e:
        read_file(p)
    assert e.value.kind == kind
    assert e.value.reason[0].isupper() and e.value.reason.endswith(".")


def test_exe_renamed_pdf_says_what_it_is(tmp_path):
    p = tmp_path / "ke_hoach.pdf"
    p.write_bytes(b"MZ\x90\x00" + b"\x00\x01\xfe" * 100)
    with pytest.raises(ReadError) as e:
        read_file(p)
    assert "Windows program" in e.value.reason


def test_size_limit(tmp_path):
    p = tmp_path / "big.txt"
    p.write_bytes("Nội dung ".encode() * 2000)
    with pytest.raises(ReadError) as e:
        read_file(p, max_bytes=1000)
    assert e.value.kind == "too_large"


def test_not_a_regular_file(tmp_path):
    import os

    fifo = tmp_path / "pipe.pdf"
    os.mkfifo(fifo)
    with pytest.raises(ReadError) as e:
        read_file(fifo)
    assert e.value.kind == "unsupported"
    with pytest.raises(ReadError):
        read_file(tmp_path)


def test_sniff_ignores_extension():
    assert sniff((FIX / "ke_hoach.pdf").read_bytes(), "x.docx") == "pdf"
    assert sniff((FIX / "ke_hoach.docx").read_bytes(), "x.pdf") == "docx"
    assert sniff((FIX / "ke_hoach.doc").read_bytes(), "x.docx") == "doc"


# ---------------------------------------------------------------- administrative header

def _blocks(*texts: str) -> list[Block]:
    return [Block(t, index=i) for i, t in enumerate(texts)]


def test_header_draft_blanks_and_party_numbers():
    meta = parse_header(_blocks("BCH ĐOÀN XÃ PHÚC AN\n***\nSố:        - KH/ĐTN",
                                "ĐOÀN TNCS HỒ CHÍ MINH\nPhúc An, ngày   tháng 1 năm 2026", "KẾ HOẠCH"))
    assert meta["number"] == "-KH/ĐTN" and "date" not in meta and meta["place"] == "Phúc An"
    assert meta["issuer"] == "BCH ĐOÀN XÃ PHÚC AN" and meta["doc_type"] == "KẾ HOẠCH"
    meta = parse_header(_blocks("BAN CHẤP HÀNH TRUNG ƯƠNG", "*", "Số 301-QĐ/TW", "Hà Nội, ngày 2 tháng 6 năm 2025",
                                "QUY ĐỊNH", "về công tác kiểm tra"))
    assert meta["number"] == "301-QĐ/TW" and meta["date"] == "2025-06-02" and meta["doc_type"] == "QUY ĐỊNH"
    meta = parse_header(_blocks("Số:", "07/2024/QĐ-UBND", "Kon Rẫy, ngày 25", "tháng 01 năm 2024"))
    assert meta["number"] == "07/2024/QĐ-UBND" and meta["date"] == "2024-01-25"


def test_header_reference_is_not_the_number():
    meta = parse_header(_blocks("I- TIỂU ĐOÀN", "Số 2992/QĐ-BTL ngày 20 tháng 12 năm 2011 của Bộ Tư lệnh"))
    assert "number" not in meta
