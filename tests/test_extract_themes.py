"""Themes: declared themes of a year, a topic, a meeting or a campaign."""

from __future__ import annotations

from extractors.themes import extract
from pipeline.model import Block
from pipeline.nlp import make_doc
from pipeline.normalize import normalize


def run(*paragraphs: str):
    t = normalize([Block(p, index=i) for i, p in enumerate(paragraphs)])
    items = extract(make_doc(t.text), t)
    for it in items:
        # spans round-trip (a title over several lines is joined by spaces)
        assert " ".join(it.value["text"].split()) in " ".join(t.text[it.start:it.end].split())
        assert set(it.value) == {"text", "year"}
    return items


def pairs(items):
    return {(i.value["text"], i.value["year"]) for i in items}


def test_year_theme_quoted():
    items = run("Hội nghị đã quán triệt chủ đề năm 2024 “Tăng cường kỷ luật, kỷ cương, nâng cao hiệu quả công vụ”.")
    assert pairs(items) == {("Tăng cường kỷ luật, kỷ cương, nâng cao hiệu quả công vụ", 2024)}
    assert items[0].confidence >= 0.9


def test_year_at_sentence_start_and_single_quotes():
    items = run("Năm 2022, tỉnh chọn chủ đề là 'Đoàn kết, đổi mới, phát triển bền vững'.")
    assert pairs(items) == {("Đoàn kết, đổi mới, phát triển bền vững", 2022)}


def test_thematic_topic_with_straight_quotes():
    items = run('Chuyên đề năm 2018 "Xây dựng phong cách, tác phong công tác của người đứng đầu" được triển khai.')
    assert pairs(items) == {("Xây dựng phong cách, tác phong công tác của người đứng đầu", 2018)}


def test_whole_term_and_year_topic():
    items = run("Các chi bộ học tập chuyên đề toàn khóa và năm 2022 «Về xây dựng Đảng trong sạch, vững mạnh».")
    assert pairs(items) == {("Về xây dựng Đảng trong sạch, vững mạnh", 2022)}


def test_topic_with_long_label_then_year_then_colon():
    items = run("Báo cáo viên trình bày chuyên đề học tập và làm theo lời dạy, đạo đức, tác phong "
                "của Bác năm 2019: “Về tinh thần đoàn kết, tương thân tương ái”.")
    assert pairs(items) == {("Về tinh thần đoàn kết, tương thân tương ái", 2019)}


def test_meeting_theme_without_year():
    items = run("Diễn đàn với chủ đề “Thanh niên khởi nghiệp sáng tạo” thu hút đông đảo đoàn viên.")
    assert pairs(items) == {("Thanh niên khởi nghiệp sáng tạo", None)}


def test_year_after_the_theme():
    items = run("Với chủ đề “Kỷ cương, sáng tạo, hiệu quả”, năm 2020 các cơ quan thi đua hoàn thành nhiệm vụ.")
    assert pairs(items) == {("Kỷ cương, sáng tạo, hiệu quả", 2020)}


def test_named_year_theme():
    items = run("Tỉnh triển khai thực hiện “Năm kỷ cương hành chính 2023” trên toàn địa bàn.")
    assert pairs(items) == {("Năm kỷ cương hành chính", 2023)}
    items = run("Năm 2021, tiếp tục thực hiện chủ đề “Năm an toàn giao thông”, toàn huyện ra quân.")
    assert pairs(items) == {("Năm an toàn giao thông", 2021)}


def test_unquoted_theme_after_colon_is_weaker():
    items = run("Chủ đề Đại hội là: Đoàn kết, dân chủ, kỷ cương, đổi mới, phát triển.")
    assert pairs(items) == {("Đoàn kết, dân chủ, kỷ cương, đổi mới, phát triển", None)}
    assert items[0].confidence < 0.9


def test_unquoted_theme_stops_before_the_predicate():
    items = run("Hội thảo với chủ đề chuyển đổi số trong công tác tuyên giáo ở cơ sở đã diễn ra sôi nổi.")
    assert pairs(items) == {("chuyển đổi số trong công tác tuyên giáo ở cơ sở", None)}


def test_same_theme_twice_is_one_item_but_two_years_are_two():
    items = run("Chủ đề năm 2021 “Kỷ cương và hành động”.", "Quán triệt chủ đề năm 2021 “Kỷ cương và hành động”.")
    assert len(items) == 1
    items = run("Tiếp tục “Năm dân chủ ở cơ sở” 2019.", "Kết quả thực hiện “Năm dân chủ ở cơ sở” 2018.")
    assert pairs(items) == {("Năm dân chủ ở cơ sở", 2019), ("Năm dân chủ ở cơ sở", 2018)}


def test_not_themes():
    assert run("Các chi bộ tổ chức sinh hoạt chuyên đề hằng quý theo quy định.") == []
    assert run("Ban Tuyên giáo giới thiệu chủ đề cuộc thi “Tìm hiểu lịch sử Đảng bộ tỉnh” năm 2021.") == []
    assert run("Với chủ đề này, các đại biểu đã thảo luận sôi nổi.") == []
    assert run("Hội nghị diễn ra với tinh thần “Đoàn kết, trách nhiệm”.") == []


def test_straight_quote_followed_by_a_space():
    items = run('Với chủ đề thi đua " Đoàn kết, kỷ cương, sáng tạo", năm 2025 các đơn vị ra quân.')
    assert pairs(items) == {("Đoàn kết, kỷ cương, sáng tạo", 2025)}


def test_plan_announcement_is_not_a_theme():
    assert run("Ban Thường vụ xây dựng kế hoạch thực hiện chủ đề năm 2022 như sau:",
               "I. MỤC ĐÍCH, YÊU CẦU") == []


def test_cover_title_of_a_thematic_booklet():
    items = run("Chuyên đề học tập năm 2019", "HỘI ĐỒNG BIÊN SOẠN TỈNH", "PHÁT HUY TINH THẦN",
                "TỰ LỰC, SÁNG TẠO CỦA NGƯỜI LAO ĐỘNG", "HÀ TĨNH, 2019", "Lời nói đầu")
    assert pairs(items) == {("PHÁT HUY TINH THẦN TỰ LỰC, SÁNG TẠO CỦA NGƯỜI LAO ĐỘNG", 2019)}
    assert items[0].confidence < 0.9
    assert run("Tin tức trong ngày", "HỘI NGHỊ CÁN BỘ CÔNG CHỨC NĂM NAY") == []


def test_lists_of_topics_are_not_a_theme():
    assert run("Hội nghị tập trung vào các chủ đề: kinh tế, xã hội, quốc phòng và an ninh.") == []
    assert run("Năm nay, chi bộ sinh hoạt 4 chuyên đề: “Đoàn kết”, “Kỷ cương”, “Sáng tạo”, “Hiệu quả”.") == []


def test_year_before_the_head_is_not_a_count_of_topics():
    items = run("Năm 2021 chủ đề công tác của tỉnh là “Kỷ cương, hành động, hiệu quả”.")
    assert pairs(items) == {("Kỷ cương, hành động, hiệu quả", 2021)}


def test_bare_year_after_a_campaign_noun():
    items = run("Tháng Thanh niên 2026 với chủ đề “Tuổi trẻ xung kích chuyển đổi số” được phát động tại xã Hòa Bình.")
    assert pairs(items) == {("Tuổi trẻ xung kích chuyển đổi số", 2026)}
    items = run("Huyện đoàn ra quân Chiến dịch tình nguyện Mùa hè xanh 2025 với chủ đề “Màu áo xanh vì cộng đồng”.")
    assert pairs(items) == {("Màu áo xanh vì cộng đồng", 2025)}


def test_a_date_is_not_a_campaign_year():
    items = run("Ngày 26/3/2025, Đoàn trường tổ chức diễn đàn với chủ đề “Thanh niên với văn hóa đọc”.")
    assert pairs(items) == {("Thanh niên với văn hóa đọc", None)}


def test_the_year_in_the_specifier_wins_over_a_campaign_year():
    items = run("Hưởng ứng Tháng Thanh niên 2024, chi đoàn quán triệt chủ đề năm 2025 “Khát vọng cống hiến”.")
    assert pairs(items) == {("Khát vọng cống hiến", 2025)}
