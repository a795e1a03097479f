"""normalize: NFC, one tone spelling, lookalikes, whitespace, duplicates, and the offset map."""

import unicodedata

from pipeline.model import Block
from pipeline.normalize import normalize, normalize_str


def test_nfc_and_traditional_tone_placement():
    decomposed = unicodedata.normalize("NFD", "Hội nghị hoà giải")
    assert normalize_str(decomposed) == "Hội nghị hòa giải"
    assert normalize_str("Uỷ viên Ban Thường vụ, thuỷ lợi, khoẻ") == "Ủy viên Ban Thường vụ, thủy lợi, khỏe"


def test_closed_syllables_and_qu_are_untouched():
    for word in ("hoàn thành", "khuyến khích", "quý", "khuỷu tay", "thoáng", "ngoài"):
        assert normalize_str(word) == word


def test_eth_lookalike_and_spaces():
    assert normalize_str("ÐẢNG\u00a0 BỘ\t xã  Ðông") == "ĐẢNG BỘ xã Đông"
    assert normalize_str("  dòng một \n\n\n dòng hai  ") == "dòng một\ndòng hai"
    assert normalize_str("cán\u200b bộ\u00ad") == "cán bộ"


def test_offsets_map_back_to_blocks():
    raw = ["Chi bộ  Hoà Bình đăng ký", "Toàn Đảng bộ có 12 mô hình."]
    t = normalize([Block(s, index=i) for i, s in enumerate(raw)])
    i = t.text.index("12 mô hình")
    block, off = t.locate(i)
    assert block == 1 and raw[1][off:off + 2] == "12"
    j = t.text.index("đăng ký")
    block, off = t.locate(j)
    assert block == 0 and raw[0][off:off + 7] == "đăng ký"


def test_repeated_paragraph_kept_once_and_furniture_left_out():
    para = "Tham dự hội nghị có đồng chí Đặng Văn Lâm - Bí thư Đảng ủy xã, Chủ tịch Hội đồng nhân dân xã."
    repeat = para.replace("Lâm -", "Lâm-").replace("Bí thư", "bí thư")
    blocks = [Block("Trang 3", kind="footer"), Block(para), Block(repeat), Block("Đoạn khác ngắn.")]
    t = normalize(blocks)
    assert t.text.count("Đặng Văn Lâm") == 1
    assert "Trang 3" not in t.text
    assert t.dropped == [2]
    assert len(t.blocks) == 4  # everything kept in the document


def test_short_or_table_repeats_are_kept():
    t = normalize([Block("x", kind="table_cell"), Block("x", kind="table_cell"), Block("Có"), Block("Có")])
    assert t.text.split("\n\n") == ["x", "x", "Có", "Có"]
