"""The readers on the real files of ../shared/corpus and ../shared/eval/dev/formats, read in place.

Skipped with a reason when ../shared is absent (set MINUTES_SHARED). Files
that need LibreOffice or OCR are marked slow (``pytest -m slow``).
"""

from __future__ import annotations

import re
import time
from collections import Counter
from pathlib import Path

import pytest

from pipeline.model import ReadError
from pipeline.normalize import normalize
from pipeline.readers import read_file, sniff


def _corpus() -> Path:
    from pipeline.evaluate import shared_dir

    return shared_dir() / "corpus"


def _dev() -> Path:
    from pipeline.evaluate import shared_dir

    return shared_dir() / "eval" / "dev"


@pytest.fixture(scope="module")
def corpus() -> Path:
    d = _corpus()
    if not (d / "SOURCES.tsv").exists():
        pytest.skip(f"the shared corpus is not at {d} (set MINUTES_SHARED to run tests on real documents)")
    return d


@pytest.fixture(scope="module")
def dev() -> Path:
    d = _dev()
    if not (d / "formats").is_dir():
        pytest.skip(f"the dev formats are not at {d} (set MINUTES_SHARED to run tests on real documents)")
    return d


def _corpus_files() -> list[str]:
    d = _corpus()
    return sorted(p.name for p in d.iterdir() if p.is_file() and p.name != "SOURCES.tsv") if d.is_dir() else []


def _needs_slow(name: str) -> bool:
    data = (_corpus() / name).read_bytes()[:8]
    return data.startswith(b"\xd0\xcf\x11\xe0") or name.startswith("other_011")


def _params():
    out = []
    for name in _corpus_files():
        marks = [pytest.mark.slow] if _needs_slow(name) else []
        out.append(pytest.param(name, marks=marks, id=name))
    return out or [pytest.param("", marks=pytest.mark.skip(reason="../shared/corpus is absent"))]


def _nfc(s: str) -> str:
    import unicodedata

    return unicodedata.normalize("NFC", s)


def _text(src) -> str:
    return normalize(src.blocks).text


@pytest.mark.parametrize("name", _params())
def test_every_corpus_file_is_read_or_refused_with_a_reason(corpus, name):
    try:
        src = read_file(corpus / name)
    except ReadError as err:
        assert err.reason and err.reason[0].isupper() and err.reason.rstrip().endswith("."), err.reason
        return
    assert src.blocks
    assert len(_text(src)) > 200
    assert [b.index for b in src.blocks] == list(range(len(src.blocks)))
    if src.format == "pdf":
        assert all(b.page and 1 <= b.page <= src.pages for b in src.blocks)


# ------------------------------------------------------------ administrative headers

def test_docx_header_plan_006(corpus):
    src = read_file(corpus / "plan_006_dongthap_thptcl2_kh58_lichsu_2026.docx")
    m = src.metadata
    assert m["number"] == "58/KH-THPTCL2" and m["date"] == "2026-04-15" and m["place"] == "Đồng Tháp"
    assert m["doc_type"] == "KẾ HOẠCH" and "TRƯỜNG THPT CAO LÃNH 2" in m["issuer"]
    cells = [b for b in src.blocks if b.kind == "table_cell"]
    assert cells[0].text.startswith("SỞ GDĐT TỈNH ĐỒNG THÁP")


def test_signed_pdf_header_columns_plan_007(corpus):
    """The two-column header comes out as the left column's lines, then the right column's."""
    src = read_file(corpus / "plan_007_dongthap_thptcl2_kh58_lichsu_2026_signed.pdf")
    assert _nfc(src.blocks[0].text).split("\n") == ["SỞ GDĐT TỈNH ĐỒNG THÁP", "TRƯỜNG THPT CAO LÃNH 2", "Số: 58/KH-THPTCL2"]
    assert _nfc(src.blocks[1].text).split("\n") == ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
                                             "Đồng Tháp, ngày 15 tháng 4 năm 2026"]
    docx = read_file(corpus / "plan_006_dongthap_thptcl2_kh58_lichsu_2026.docx")
    for key in ("number", "date", "place", "doc_type", "issuer"):
        assert src.metadata[key] == docx.metadata[key], key


def test_signed_pdf_stamped_number_and_date(corpus):
    """Numbers and dates filled in at signing live in form fields: they are read into the header."""
    src = read_file(corpus / "plan_009_dongthap_sgddt_kh362_tiepdoan_stem_signed.pdf")
    assert src.metadata["number"] == "362/KH-SGDĐT" and src.metadata["date"] == "2026-04-14"
    src = read_file(corpus / "report_006_dongthap_hdxth_bc355_signed.pdf")
    assert src.metadata["number"] == "355/BC-HĐXTH" and src.metadata["date"] == "2026-04-13"
    assert src.metadata["doc_type"] == "BÁO CÁO"


def test_party_headers_and_drafts(corpus):
    m = read_file(corpus / "legal_007_quydinh294.pdf").metadata
    assert (m["number"], m["date"], m["place"], m["doc_type"]) == ("294-QĐ/TW", "2025-05-26", "Hà Nội", "QUY ĐỊNH")
    m = read_file(corpus / "legal_009_huongdan21.pdf").metadata
    assert m["number"] == "-HD/BTCTU" and "date" not in m and m["issuer"] == "THÀNH UỶ HÀ NỘI BAN TỔ CHỨC"
    m = read_file(corpus / "plan_002_doan_kh_thidua_tet_binhngo_2026.docx").metadata
    assert m["number"] == "-KH/ĐTN" and m["doc_type"] == "KẾ HOẠCH"


def test_pdf_running_footer_and_page_numbers_are_furniture(corpus):
    src = read_file(corpus / "legal_006_huongdan38.pdf")
    furniture = Counter(b.text for b in src.blocks if b.kind == "furniture")
    notice = [t for t in furniture if t.startswith("Tài liệu này thuộc sở hữu")]
    assert notice and furniture[notice[0]] >= src.pages - 1
    assert "Tài liệu này thuộc sở hữu" not in _text(src)
    assert sum(1 for t in furniture if t.isdigit()) >= src.pages // 2


def test_pdf_tables(corpus):
    src = read_file(corpus / "plan_009_dongthap_sgddt_kh362_tiepdoan_stem_signed.pdf")
    cells = [b for b in src.blocks if b.kind == "table_cell"]
    assert [_nfc(c.text) for c in cells[:3]] == ["TT", "Tên đơn vị", "Cấp học"]
    assert {c.page for c in cells} <= set(range(1, src.pages + 1))


@pytest.mark.slow
def test_pdf_speed_text_layer(corpus):
    """Text-layer PDFs are read with pypdfium2: well above pdfplumber's ~5 pages/s."""
    files = ["legal_006_huongdan38.pdf", "legal_007_quydinh294.pdf", "legal_008_huongdan06.pdf"]
    read_file(corpus / files[0])  # warm up imports
    pages = 0
    t = time.process_time()
    for f in files:
        pages += read_file(corpus / f).pages
    rate = pages / (time.process_time() - t)
    assert rate >= 25, f"{rate:.1f} pages/s"  # ~70 pages/s of CPU on the build machine


# ------------------------------------------------------------ format quirks

def test_doc_saved_with_docx_extension_is_sniffed_as_doc(corpus):
    assert sniff((corpus / "other_003_qldv_bieumau2.docx").read_bytes(), "other_003_qldv_bieumau2.docx") == "doc"


@pytest.mark.slow
def test_doc_saved_with_docx_extension_is_read(corpus):
    src = read_file(corpus / "other_003_qldv_bieumau2.docx")
    assert src.format == "doc" and any(".docx name" in w for w in src.warnings)
    assert "Yii" in _text(src)


@pytest.mark.slow
def test_tcvn3_runs_of_report_005_read_as_vietnamese(corpus):
    src = read_file(corpus / "report_005_d93_theodoi_khenthuong_tapthe_tcvn3mixed.doc")
    text = _text(src)
    assert "Số 367/QĐ-UBTKCN ngày 14 tháng 12 năm 2011" in text
    assert "ngµy" not in text and "th¸ng" not in text
    assert any(b.font and b.font.startswith(".Vn") for b in src.blocks)


@pytest.mark.slow
def test_doc_and_docx_parity_plan_002_003(corpus):
    doc = read_file(corpus / "plan_003_doan_kh_thidua_tet_binhngo_2026.doc")
    docx = read_file(corpus / "plan_002_doan_kh_thidua_tet_binhngo_2026.docx")
    a, b = set(_text(doc).split()), set(_text(docx).split())
    assert len(a & b) / len(b) > 0.9
    assert doc.metadata.get("number") == "-KH/ĐTN"


@pytest.mark.slow
def test_scanned_signed_pdf_is_ocred(corpus):
    src = read_file(corpus / "other_011_bgddt_cv1849_scanned_signed.pdf")
    assert src.metadata.get("ocr_pages")
    assert all(b.ocr for b in src.blocks if b.page in src.metadata["ocr_pages"])
    text = _text(src)
    assert "Kế hoạch số 199/KH-BGDĐT" in text
    assert "Sở Giáo dục và Đào tạo" in text
    assert src.metadata.get("ocr_confidence", 0) > 70


# ------------------------------------------------------------ dev formats vs text versions

def _recall(ref: str, got: str) -> float:
    a = Counter(re.findall(r"\w+", ref.casefold()))
    b = Counter(re.findall(r"\w+", got.casefold()))
    return sum((a & b).values()) / max(1, sum(a.values()))


def _dev_pairs(dev: Path, fmt: str, limit: int | None):
    folder = dev / "formats" / fmt
    files = sorted(p for p in folder.iterdir() if p.is_file())
    if limit:
        files = files[:limit]
    for f in files:
        txt = dev / "docs" / f"{f.stem}.txt"
        yield f, txt


@pytest.mark.parametrize("fmt,limit,min_recall", [
    ("docx", 8, 0.995), ("pdf", 8, 0.99), ("tcvn3", 8, 0.995),
    pytest.param("docx", None, 0.995, marks=pytest.mark.slow),
    pytest.param("pdf", None, 0.99, marks=pytest.mark.slow),
    pytest.param("tcvn3", None, 0.995, marks=pytest.mark.slow),
    pytest.param("doc", 6, 0.995, marks=pytest.mark.slow),
    pytest.param("scan", 3, 0.85, marks=pytest.mark.slow),
])
def test_dev_format_text_fidelity(dev, fmt, limit, min_recall):
    from pipeline.readers import read_bytes

    recalls = []
    for f, txt in _dev_pairs(dev, fmt, limit):
        ref = normalize(read_bytes(txt.read_bytes(), txt.name).blocks).text
        got = _text(read_file(f))
        recalls.append((_recall(ref, got), f.name))
    mean = sum(r for r, _ in recalls) / len(recalls)
    assert mean >= min_recall, sorted(recalls)[:3]
