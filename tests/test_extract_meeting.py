"""Meeting: the lead sentence's time, place, organizer and title; the year."""

from pipeline.model import Block
from pipeline.nlp import make_doc
from pipeline.normalize import normalize

from extractors.meeting import extract


def run(*paragraphs: str):
    t = normalize([Block(p) for p in paragraphs])
    items = extract(make_doc(t.text), t)
    assert len(items) <= 1
    if not items:
        return None
    it = items[0]
    assert set(it.value) == {"date", "title", "organizer", "location"}
    assert 0.0 <= it.confidence <= 1.0
    assert 0 <= it.start < it.end <= len(t.text)
    if it.value["title"]:  # the span runs from the title's first word to its last
        words, span = it.value["title"].split(), " ".join(t.text[it.start:it.end].split())
        assert span.startswith(" ".join(words[:2])) and span.endswith(words[-1])
    return it.value


def test_lead_sentence_with_place_and_year_from_timestamp():
    v = run("Hội Liên hiệp Phụ nữ huyện biểu dương phụ nữ tiêu biểu",
            "08:15, 11/03/2024",
            "Sáng 9/3, tại Nhà văn hóa huyện, Hội Liên hiệp Phụ nữ huyện đã tổ chức Hội nghị biểu dương "
            "phụ nữ tiêu biểu năm 2024. Dự hội nghị có lãnh đạo các cơ sở Hội.")
    assert v == {"date": "2024-03-09", "title": "Hội nghị biểu dương phụ nữ tiêu biểu năm 2024",
                 "organizer": "Hội Liên hiệp Phụ nữ huyện", "location": "Nhà văn hóa huyện"}


def test_year_written_in_the_time_phrase():
    v = run("Ngày 12/4/2022, Ban Tuyên giáo Huyện ủy tổ chức hội nghị triển khai chuyên đề năm 2022 "
            "theo hình thức trực tiếp kết hợp trực tuyến.")
    assert v["date"] == "2022-04-12"
    assert v["title"] == "hội nghị triển khai chuyên đề năm 2022"
    assert v["organizer"] == "Ban Tuyên giáo Huyện ủy"
    assert v["location"] is None


def test_worded_date_and_agency_tag():
    v = run("QTV - Chiều ngày 5 tháng 7 năm 2023, Đảng ủy phường Bình Minh tổ chức Hội nghị sơ kết 6 tháng "
            "đầu năm 2023.")
    assert v["date"] == "2023-07-05"
    assert v["organizer"] == "Đảng ủy phường Bình Minh"
    assert v["title"] == "Hội nghị sơ kết 6 tháng đầu năm 2023"


def test_year_from_title_early_in_the_year():
    v = run("Chiều 18-1, Hội Cựu chiến binh tỉnh tổ chức hội nghị tổng kết công tác Hội năm 2020, "
            "triển khai nhiệm vụ năm 2021.")
    assert v["date"] == "2021-01-18"


def test_no_year_for_a_late_meeting_on_next_years_programme():
    v = run("Sáng 20/12, Ban Dân vận Tỉnh ủy tổ chức hội nghị triển khai nhiệm vụ công tác dân vận năm 2025.")
    assert v["date"] is None
    assert v["organizer"] == "Ban Dân vận Tỉnh ủy"


def test_publication_after_new_year_moves_year_back():
    v = run("Đăng ngày 03/01/2020", "Chiều 28/12, Đảng ủy Khối tổ chức Hội nghị tổng kết công tác năm 2019.")
    assert v["date"] == "2019-12-28"


def test_dateline_gives_the_year():
    v = run("Phú Lộc, ngày 20 tháng 5 năm 2021", "BÁO CÁO",
            "Sáng ngày 14/5, Chi bộ thôn Đông tổ chức Hội nghị sinh hoạt chuyên đề quý II.")
    assert v["date"] == "2021-05-14"


def test_passive_sentence_and_body_from_title():
    v = run("Ngày 27-10, dưới sự chủ trì của đồng chí Phùng Văn Tâm, Bí thư Huyện ủy, "
            "Hội nghị lần thứ 12 Ban Chấp hành Đảng bộ huyện khóa XXI đã được tổ chức.")
    assert v["title"] == "Hội nghị lần thứ 12 Ban Chấp hành Đảng bộ huyện khóa XXI"
    assert v["organizer"] == "Ban Chấp hành Đảng bộ huyện"


def test_without_time_phrase():
    v = run("Hội Nông dân xã Tân Lập vừa tổ chức hội nghị sơ kết 3 năm thực hiện phong trào nông dân "
            "thi đua sản xuất kinh doanh giỏi.")
    assert v["date"] is None
    assert v["organizer"] == "Hội Nông dân xã Tân Lập"
    assert v["title"].startswith("hội nghị sơ kết 3 năm")


def test_bare_noun_is_no_title():
    v = run("Sáng 3/6, Đoàn Thanh niên trường tổ chức hội nghị.")
    assert v is None or v["title"] is None


def test_issue_date_of_a_cited_document_is_not_a_meeting():
    assert run("Thực hiện Nghị quyết số 08-NQ/TU ngày 16-6-2022 của Tỉnh ủy, các chi bộ đã tổ chức "
               "hội nghị quán triệt.") is None


def test_plans_and_instructions_are_not_meetings():
    assert run("Cà Mau, ngày 09 tháng 3 năm 2023", "KẾ HOẠCH",
               "Các chi bộ tổ chức hội nghị học tập chuyên đề trong quý II.") is None
    assert run("Mỗi cơ sở Đoàn tổ chức ít nhất một buổi tọa đàm về lý tưởng cách mạng.") is None
    assert run("") is None


def test_a_cited_document_is_not_an_organizer():
    assert run("Căn cứ Quy định số 12-QĐ/TW, ngày 3/4/2025, Hướng dẫn số 7-HD/BTCTW của Ban Tổ chức tổ chức "
               "hội nghị lấy ý kiến.") is None


def test_event_first_sentence():
    v = run("Kỳ họp thứ 9 Hội đồng nhân dân huyện khóa XX khai mạc sáng 11-7 tại Hội trường Huyện ủy.",
            "Cập nhật: 11/07/2023")
    assert v["date"] == "2023-07-11"
    assert v["title"] == "Kỳ họp thứ 9 Hội đồng nhân dân huyện khóa XX"
    assert v["organizer"] == "Hội đồng nhân dân huyện"
    assert v["location"] == "Hội trường Huyện ủy"


def test_announced_event_is_not_reported():
    assert run("Đại hội đại biểu Hội Nông dân tỉnh sẽ diễn ra vào ngày 20/9 tới.") is None


def test_multi_day_meeting_takes_the_first_day():
    v = run("Từ ngày 3 - 5/8/2022, Đại hội đại biểu Hội Liên hiệp Phụ nữ tỉnh lần thứ XV diễn ra tại "
            "Trung tâm Văn hóa tỉnh.")
    assert v["date"] == "2022-08-03"
    assert v["title"] == "Đại hội đại biểu Hội Liên hiệp Phụ nữ tỉnh lần thứ XV"
    assert v["location"] == "Trung tâm Văn hóa tỉnh"
    v = run("Trong 2 ngày 14 và 15/6/2023, Trường Chính trị tỉnh tổ chức lớp bồi dưỡng kiến thức quốc phòng.")
    assert v["date"] == "2023-06-14"
    assert v["organizer"] == "Trường Chính trị tỉnh"


def test_place_before_the_verb_and_cooperating_bodies():
    v = run("Ngày 5/5/2024, tại xã Hòa Lợi diễn ra Lễ ra quân Chiến dịch Thanh niên tình nguyện hè năm 2024.")
    assert v["location"] == "xã Hòa Lợi"
    assert v["organizer"] is None
    v = run("Sáng nay (12/4/2021), Đoàn Thanh niên phường 5 phối hợp với Hội Phụ nữ phường tổ chức "
            "chương trình “Ngày Chủ nhật xanh”.")
    assert v["date"] == "2021-04-12"
    assert v["organizer"] == "Đoàn Thanh niên phường 5"


def test_programme_heading_names_the_event():
    v = run("CHƯƠNG TRÌNH ĐẠI HỘI CHI BỘ KHU PHỐ 2\nNHIỆM KỲ 2025 – 2027\n1. Chào cờ\n2. Bầu đoàn chủ tịch")
    assert v["title"] == "ĐẠI HỘI CHI BỘ KHU PHỐ 2 NHIỆM KỲ 2025 – 2027"
    assert v["date"] is None


def test_plan_heading_is_not_an_event():
    assert run("KẾ HOẠCH TỔ CHỨC ĐẠI HỘI CHI BỘ NHIỆM KỲ 2025 – 2027\nI. MỤC ĐÍCH, YÊU CẦU") is None


def test_blank_form_heading_is_not_an_event():
    assert run("BIÊN BẢN\nHỘI NGHỊ CHI BỘ ĐÁNH GIÁ ĐẢNG VIÊN NĂM 20……\nHôm nay, vào lúc …… giờ") is None


def test_time_after_the_event():
    v = run("Ban Thường vụ Đảng ủy Khối tổ chức Hội nghị sơ kết công tác 6 tháng đầu năm vào sáng ngày 12/7.",
            "Cập nhật lúc 15:30 ngày 12/7/2022")
    assert v["date"] == "2022-07-12"
    assert v["organizer"] == "Ban Thường vụ Đảng ủy Khối"
    assert v["title"] == "Hội nghị sơ kết công tác 6 tháng đầu năm"


def test_a_plan_schedules_but_does_not_report():
    assert run("ĐẢNG ỦY XÃ AN BÌNH", "KẾ HOẠCH", "tổ chức hội nghị sơ kết",
               "Ngày 20/3/2025, Ban Thường vụ Đảng ủy tổ chức Hội nghị sơ kết 5 năm thực hiện Chỉ thị 05.") is None


def test_year_review_early_next_year():
    v = run("Chiều 16-1, Ban Tổ chức Huyện ủy tổ chức hội nghị tổng kết công tác tổ chức xây dựng Đảng năm 2023.")
    assert v["date"] == "2024-01-16"


def test_leading_body_and_cooperating_body():
    v = run("Sáng 21/4/2023, Ban Tuyên giáo Huyện ủy chủ trì, phối hợp với Trung tâm Chính trị huyện tổ chức "
            "Hội nghị báo cáo viên quý II năm 2023.")
    assert v["organizer"] == "Ban Tuyên giáo Huyện ủy"
    assert v["title"] == "Hội nghị báo cáo viên quý II năm 2023"
    assert v["date"] == "2023-04-21"


def test_capitalized_verb_is_part_of_a_name():
    v = run("Trong 2 ngày (15-16/3/2021), Ban Tổ chức Tỉnh ủy tổ chức Lớp bồi dưỡng nghiệp vụ công tác "
            "tổ chức xây dựng Đảng năm 2021.")
    assert v["organizer"] == "Ban Tổ chức Tỉnh ủy"
    assert v["date"] == "2021-03-15"
    assert v["title"].startswith("Lớp bồi dưỡng nghiệp vụ")


def test_target_years_do_not_date_a_meeting():
    v = run("Sáng 14/5, Hội Nông dân huyện tổ chức Hội nghị sơ kết chương trình xây dựng nông thôn mới.",
            "Phấn đấu đến năm 2030 có 100% xã đạt chuẩn; năm 2022 đã có 12 xã đạt chuẩn.")
    assert v["date"] == "2022-05-14"


def test_manner_clause_is_left_out_of_the_title():
    v = run("Sáng 20/6/2024, Ban Tuyên giáo Trung ương tổ chức Hội nghị toàn quốc theo hình thức trực tuyến "
            "tới 700 điểm cầu trên cả nước quán triệt chuyên đề học tập năm 2024.")
    assert v["title"] == "Hội nghị toàn quốc quán triệt chuyên đề học tập năm 2024"


def test_delegation_led_by_someone():
    v = run("Ngày 9/8/2023, Đoàn kiểm tra của Tỉnh ủy do đồng chí Lò Văn Thanh, Phó Bí thư Tỉnh ủy làm trưởng đoàn, "
            "đã có buổi làm việc với Ban Thường vụ Huyện ủy về công tác cán bộ.")
    assert v["organizer"] == "Đoàn kiểm tra của Tỉnh ủy"
    assert v["title"] == "buổi làm việc với Ban Thường vụ Huyện ủy về công tác cán bộ"
