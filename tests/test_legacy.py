"""Legacy Vietnamese encodings: TCVN3 (ABC, .VnTime) and VNI decoded to Unicode."""

from __future__ import annotations

import unicodedata
from io import BytesIO

import pytest

from pipeline.normalize import normalize
from pipeline.readers import legacy, read_bytes

VOWELS = "aăâeêioôơuưy"
SENTENCE = "Số 367/QĐ-UBTKCN ngày 14 tháng 12 năm 2011 của Ủy ban tìm kiếm cứu nạn"
LONG = ("Nghị quyết Đại hội Đảng bộ xã đề ra mục tiêu xây dựng nông thôn mới; phấn đấu năm 2026 có "
        "thêm ba thôn đạt chuẩn, mỗi đảng viên gương mẫu thực hiện việc làm cụ thể, những người "
        "khuyết tật được hỗ trợ, trường học được tu sửa, chuyện ruộng vườn được quyết định dân chủ.")


def all_letters() -> list[str]:
    out = ["đ", "Đ"]
    for v in VOWELS:
        out.append(v)
        for tone in "\u0301\u0300\u0309\u0303\u0323":
            out.append(unicodedata.normalize("NFC", v + tone))
    return out


def test_tcvn3_table_covers_every_lowercase_vietnamese_letter():
    for ch in all_letters():
        if ch.islower() and not ch.isascii():
            assert ch in legacy.UNICODE_TO_TCVN3, ch
    # 134 letters have no single byte, but all 67 lowercase accented letters + đ and 7 capitals do
    assert len(legacy.TCVN3_TO_UNICODE) == 74


@pytest.mark.parametrize("text", [SENTENCE.lower(), LONG.lower(), "ư ừ ứ ử ữ ự đ ơ ô ă â ê"])
def test_tcvn3_round_trip(text):
    assert legacy.decode_tcvn3(legacy.encode_tcvn3(text)) == text


def test_tcvn3_known_bytes():
    assert legacy.decode_tcvn3("Sè 367/Q§-UBTKCN ngµy 14 th¸ng 12 n¨m 2011") == \
        "Số 367/QĐ-UBTKCN ngày 14 tháng 12 năm 2011"
    # 0xAD is "ư" in TCVN3, not a soft hyphen
    assert legacy.decode_tcvn3("tr\xadêng") == "trường"


def test_tcvn3_uppercase_fonts():
    enc = legacy.encode_tcvn3("ủy ban nhân dân tỉnh")
    assert legacy.decode_by_font(enc, ".VnTimeH") == ("ỦY BAN NHÂN DÂN TỈNH", True)
    assert legacy.decode_by_font(enc, ".VnTime") == ("ủy ban nhân dân tỉnh", True)
    assert legacy.font_encoding(".VnArialH") == ("tcvn3", True)
    assert legacy.font_encoding(".VnTime") == ("tcvn3", False)
    assert legacy.font_encoding("VNI-Times") == ("vni", False)
    assert legacy.font_encoding("Times New Roman") == (None, False)


@pytest.mark.parametrize("text", [SENTENCE, LONG, "ĐẢNG ỦY XÃ HOÀ BÌNH", "Quyết định khuyến khích người dân"])
def test_vni_round_trip(text):
    assert legacy.decode_vni(legacy.encode_vni(text)) == text


def test_vni_every_letter_round_trips():
    for ch in all_letters():
        for c in (ch, ch.upper()):
            assert legacy.decode_vni(legacy.encode_vni(c)) == c, c
    assert legacy.encode_vni("chào các bạn") == "chaøo caùc baïn"


def test_detection():
    assert legacy.looks_like_tcvn3("Sè 367/Q§-UBTKCN ngµy 14 th¸ng 12 n¨m 2011")
    assert legacy.looks_like_tcvn3(legacy.encode_tcvn3(LONG))
    assert not legacy.looks_like_tcvn3(SENTENCE)
    assert not legacy.looks_like_tcvn3(LONG)
    assert not legacy.looks_like_tcvn3("« Hello » © 2020 Company®")
    assert not legacy.looks_like_tcvn3("Café résumé naïve")
    assert legacy.looks_like_vni(legacy.encode_vni(LONG))
    assert not legacy.looks_like_vni(LONG)


def test_syllables():
    for w in "nghiêng người quyết giữa gì quá khuya Đảng ủy hoạch thành phố xã hội trường chuyển".split():
        assert legacy.is_vietnamese_syllable(w), w
    for w in ["UBTKCN", "strength", "xyz", "bcd"]:
        assert not legacy.is_vietnamese_syllable(w), w


def _docx(runs_by_paragraph: list[list[tuple[str, str | None]]]) -> bytes:
    import docx

    d = docx.Document()
    for runs in runs_by_paragraph:
        p = d.add_paragraph()
        for text, font in runs:
            r = p.add_run(text)
            if font:
                r.font.name = font
    buf = BytesIO()
    d.save(buf)
    return buf.getvalue()


def test_docx_mixed_runs_are_decoded_run_by_run():
    data = _docx([
        [("ñy ban nh©n d©n", ".VnTimeH"), (" TỈNH HOÀ BÌNH", "Times New Roman")],
        [(legacy.encode_tcvn3("Số 367/QĐ-UBTKCN ngày 14 tháng 12 năm 2011"), ".VnTime"),
         (" (bản Unicode: Quyết định khen thưởng)", None)],
        [(legacy.encode_vni("Chi bộ thôn Đông biểu dương đảng viên"), "VNI-Times")],
        [("tr\xadêng häc", ".VnTime")],
    ])
    src = read_bytes(data, "mixed.docx")
    texts = [b.text for b in src.blocks]
    assert texts[0] == "ỦY BAN NHÂN DÂN TỈNH HOÀ BÌNH"
    assert texts[1] == "Số 367/QĐ-UBTKCN ngày 14 tháng 12 năm 2011 (bản Unicode: Quyết định khen thưởng)"
    assert texts[2] == "Chi bộ thôn Đông biểu dương đảng viên"
    assert texts[3] == "trường học"
    assert src.blocks[0].font == ".VnTimeH"
    assert src.blocks[2].font == "VNI-Times"
    # normalize drops U+00AD soft hyphens: the TCVN3 "ư" must have been decoded before
    assert "trường học" in normalize(src.blocks).text


def test_docx_unknown_font_that_looks_like_tcvn3_is_decoded():
    data = _docx([[(legacy.encode_tcvn3("Hội nghị tổng kết công tác xây dựng Đảng năm 2025"), "Arial")]])
    src = read_bytes(data, "x.docx")
    assert src.blocks[0].text == "Hội nghị tổng kết công tác xây dựng Đảng năm 2025"
    assert src.blocks[0].font == "TCVN3"


def test_docx_style_font_is_inherited():
    import docx

    d = docx.Document()
    d.styles["Normal"].font.name = ".VnTime"
    d.add_paragraph(legacy.encode_tcvn3("Kế hoạch tổ chức Đại hội chi bộ"))
    buf = BytesIO()
    d.save(buf)
    src = read_bytes(buf.getvalue(), "style.docx")
    assert src.blocks[0].text == "Kế hoạch tổ chức Đại hội chi bộ"


def test_tcvn3_and_vni_text_files():
    body = "Biên bản họp chi bộ thôn Đông ngày 5 tháng 5 năm 2026\nĐồng chí Bí thư chủ trì hội nghị."
    tcvn3 = legacy.encode_tcvn3(body).encode("latin-1")
    src = read_bytes(tcvn3, "bien_ban.txt")
    assert [b.text for b in src.blocks] == body.lower().split("\n") or \
        normalize(src.blocks).text.lower() == body.lower().replace("\n", "\n\n")
    assert src.blocks[0].font == "TCVN3"
    vni = legacy.encode_vni(body).encode("cp1252")
    src = read_bytes(vni, "bien_ban.txt")
    assert normalize(src.blocks).text == body.replace("\n", "\n\n")
    assert src.blocks[0].font == "VNI"
