"""References: party and state numbers, types before, dates after, merging."""

from pipeline.model import Block
from pipeline.nlp import make_doc
from pipeline.normalize import normalize

from extractors.references import extract


def run(*paragraphs: str):
    t = normalize([Block(p) for p in paragraphs])
    items = extract(make_doc(t.text), t)
    for it in items:  # spans round-trip: the span is the number as written
        assert 0 <= it.start < it.end <= len(t.text)
        span = t.text[it.start:it.end]
        assert span.split()[0][:1].isdigit()

        def key(x):
            return "".join(ch for ch in x if ch.isalnum())

        assert key(span) == key(it.value["number"])
        assert set(it.value) == {"type", "number", "date"}
        assert 0.0 <= it.confidence <= 1.0
    return items


def by_number(items):
    return {it.value["number"]: it.value for it in items}


def test_party_number_with_type_and_date():
    items = run("Thực hiện Kế hoạch số 217-KH/ĐUK ngày 12/9/2023 của Ban Thường vụ Đảng ủy Khối về công tác dân vận.")
    assert by_number(items) == {"217-KH/ĐUK": {"type": "Kế hoạch", "number": "217-KH/ĐUK", "date": "2023-09-12"}}


def test_odd_spacing_and_dashes_are_normalized():
    items = run("Theo Quy định số 11 -QĐi/TW ngày 18-2-2019 và Chỉ thị số 27 – CT/TW của Bộ Chính trị.")
    got = by_number(items)
    assert got["11-QĐi/TW"]["type"] == "Quy định"
    assert got["11-QĐi/TW"]["date"] == "2019-02-18"
    assert got["27-CT/TW"]["type"] == "Chỉ thị"
    assert got["27-CT/TW"]["date"] is None


def test_eth_lookalike_is_normalized():
    items = run("căn cứ Hướng dẫn số 15-HD/\u00d0U ngày 02/3/2022")
    assert by_number(items)["15-HD/ĐU"]["date"] == "2022-03-02"


def test_state_numbers():
    items = run("Căn cứ Nghị định số 45/2019/NĐ-CP ngày 21 tháng 5 năm 2019 của Chính phủ; "
                "Quyết định số 1321/QĐ-UBND ngày 03/8/2021 của Ủy ban nhân dân tỉnh.")
    got = by_number(items)
    assert got["45/2019/NĐ-CP"] == {"type": "Nghị định", "number": "45/2019/NĐ-CP", "date": "2019-05-21"}
    assert got["1321/QĐ-UBND"] == {"type": "Quyết định", "number": "1321/QĐ-UBND", "date": "2021-08-03"}


def test_one_item_per_document_and_late_date_kept():
    items = run("Chỉ thị số 09-CT/TU nêu rõ trách nhiệm.",
                "Sau 2 năm thực hiện Chỉ thị số 09-CT/TU ngày 30/6/2021 của Ban Thường vụ Tỉnh ủy, toàn tỉnh đạt nhiều kết quả.")
    assert len(items) == 1
    assert items[0].value["date"] == "2021-06-30"


def test_list_inherits_type():
    items = run("quán triệt các Chỉ thị số 51-CT/TW, 52-CT/TW và Kết luận số 87-KL/TW của Ban Bí thư")
    got = by_number(items)
    assert got["51-CT/TW"]["type"] == "Chỉ thị"
    assert got["52-CT/TW"]["type"] == "Chỉ thị"
    assert got["87-KL/TW"]["type"] == "Kết luận"


def test_type_from_symbol_when_not_written():
    items = run("theo tinh thần 36-NQ/TW, các đơn vị triển khai")
    assert by_number(items)["36-NQ/TW"]["type"] == "Nghị quyết"


def test_missing_dash_and_short_citation_merge():
    items = run("thực hiện Chỉ thị 12 CT/TU về công tác cán bộ",
                "Chỉ thị 12 được quán triệt đến toàn thể đảng viên; Chỉ thị số 12-CT/TU tiếp tục được thực hiện.")
    assert [it.value["number"] for it in items] == ["12-CT/TU"]


def test_documents_own_number_takes_heading_type_and_dateline():
    items = run("ĐẢNG ỦY XÃ HÒA BÌNH", "*", "Số: 14-KH/ĐU", "Hòa Bình, ngày 09 tháng 01 năm 2025",
                "KẾ HOẠCH", "tổ chức hội nghị đảng viên",
                "Căn cứ Hướng dẫn số 03-HD/HU ngày 02/01/2025 của Ban Thường vụ Huyện ủy")
    got = by_number(items)
    assert got["14-KH/ĐU"]["date"] == "2025-01-09"
    assert got["14-KH/ĐU"]["type"].casefold() == "kế hoạch"
    assert got["03-HD/HU"] == {"type": "Hướng dẫn", "number": "03-HD/HU", "date": "2025-01-02"}


def test_state_own_number_with_line_break():
    items = run("Số:\n21/KH-THCS", "Tân An, ngày 15 tháng 9 năm 2024", "KẾ HOẠCH\nthực hiện nhiệm vụ năm học")
    got = by_number(items)
    assert got["21/KH-THCS"]["date"] == "2024-09-15"


def test_nothing_to_find():
    assert run("Hội nghị đã biểu dương 25 tập thể và 40 cá nhân tiêu biểu trong năm 2023.") == []
    assert run("Ngày 16-6-2022, tỷ lệ đạt 98/100 điểm; số điện thoại 0912-345-678.") == []
    assert run("Chỉ thị 05 của Bộ Chính trị được triển khai sâu rộng.") == []
    assert run("Nhiệt độ 30/25 độ C, khu vực COVID-19 đã ổn định.") == []


def test_number_glued_to_the_next_word():
    items = run("Thực hiện Kế hoạch số 15/KH-THCSngày 02/02/2026 của nhà trường; Quyết định số 88/QĐ-TTg.")
    got = by_number(items)
    assert got["15/KH-THCS"]["date"] == "2026-02-02"
    assert got["88/QĐ-TTg"]["type"] == "Quyết định"


def test_named_law_with_number():
    items = run("Căn cứ Luật Thi đua, Khen thưởng số 06/2022/QH15 ngày 15/6/2022; Công văn số 77/UBND-NC.")
    got = by_number(items)
    assert got["06/2022/QH15"] == {"type": "Luật", "number": "06/2022/QH15", "date": "2022-06-15"}
    assert got["77/UBND-NC"]["type"] == "Công văn"


def test_related_link_line_gets_lower_confidence():
    items = run("Tin chính về công tác dân vận.",
                "Nâng cao hiệu quả Chỉ thị số 49-CT/TW trong tình hình mới",
                "Nội dung bài viết không nhắc lại văn bản đó.")
    assert len(items) == 1 and items[0].confidence < 0.9
    items = run("Căn cứ Nghị định số\n52/2021/NĐ-CP ngày 12 tháng 5 năm 2021 của Chính phủ quy định chi tiết")
    assert items[0].confidence >= 0.9


def test_state_number_with_spaced_dash():
    items = run("Thực hiện Quyết định số 2145/QĐ – UBND ngày 9/11/2022 của UBND tỉnh")
    assert by_number(items)["2145/QĐ-UBND"]["date"] == "2022-11-09"


def test_minutes_own_number():
    items = run("ĐẢNG ỦY XÃ TÂN HÒA\n*\nSố 07-BB/ĐU", "Tân Hòa, ngày 02 tháng 10 năm 2024", "BIÊN BẢN\nHội nghị Ban Chấp hành")
    assert by_number(items)["07-BB/ĐU"]["type"].casefold() == "biên bản"
    assert by_number(items)["07-BB/ĐU"]["date"] == "2024-10-02"


# --- a number glued to the next header line ---------------------------------------------------------

def test_symbol_glued_to_a_header_word_is_cut():
    items = run("Số: 36-CT/TWĐẢNG BỘ TỈNH HÒA PHONG\nCăn cứ Chỉ thị số 36-CT/TW ngày 30/5/2019 của Bộ Chính trị.")
    got = by_number(items)
    assert set(got) == {"36-CT/TW"}
    assert got["36-CT/TW"]["date"] == "2019-05-30"


def test_glued_symbols_of_both_styles():
    assert set(by_number(run("Thực hiện Kế hoạch số 12-KH/TUỦY BAN NHÂN DÂN TỈNH"))) == {"12-KH/TU"}
    assert set(by_number(run("Số: 58/KH-UBNDCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"))) == {"58/KH-UBND"}
    assert set(by_number(run("Kết luận số 21-KL/HUHUYỆN ỦY TÂN LẠC"))) == {"21-KL/HU"}


def test_glued_symbol_after_a_known_issuer_code():
    # "TỔNG" is no header word, but Vietnamese letters are no issuer code: cut after "TW"
    assert set(by_number(run("Hướng dẫn số 05-HD/TWTỔNG KẾT CÔNG TÁC"))) == {"05-HD/TW"}


def test_a_cut_symbol_is_less_sure_until_written_cleanly():
    glued = run("Số: 12-KH/TUỦY BAN NHÂN DÂN TỈNH")[0].confidence
    clean = run("Số: 12-KH/TUỦY BAN NHÂN DÂN TỈNH\nThực hiện Kế hoạch số 12-KH/TU ngày 3/4/2024.")[0].confidence
    assert glued < 0.9 <= clean


def test_real_issuers_are_not_cut():
    got = by_number(run("Căn cứ Quy định số 08-QĐi/TW, Hướng dẫn số 38-HD/BTCTW, Kế hoạch số 165-KH/ĐUK và Quyết "
                        "định số 1234/QĐ-UBND, Nghị quyết số 04-NQ/HU."))
    assert set(got) == {"08-QĐi/TW", "38-HD/BTCTW", "165-KH/ĐUK", "1234/QĐ-UBND", "04-NQ/HU"}


def test_a_number_that_only_extends_another_is_merged():
    got = by_number(run("Chỉ thị số 05-CT/TW của Bộ Chính trị.\n\nSố 05-CT/TWĐ"))
    assert set(got) == {"05-CT/TW"}
