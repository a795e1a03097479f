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


# --- lead sentences other than "<date>, <Org> tổ chức <event>" --------------------------------

def test_relative_day_word_opens_the_lead():
    v = run("Ban Chấp hành Đảng bộ tỉnh Hòa Phong họp Hội nghị lần thứ 8",
            "Cập nhật lúc 09:40 18/07/2024",
            "Hôm nay, Ban Chấp hành Đảng bộ tỉnh khóa XX tổ chức Hội nghị lần thứ 8 (mở rộng) để đánh giá tình hình "
            "thực hiện nhiệm vụ 6 tháng đầu năm.")
    assert v["date"] == "2024-07-18"  # "hôm nay": the day of publication
    assert v["organizer"] == "Ban Chấp hành Đảng bộ tỉnh khóa XX"
    assert v["title"].startswith("Hội nghị lần thứ 8 (mở rộng)")


def test_yesterday_is_the_day_before_publication():
    v = run("Đăng ngày 15/03/2024", "Chiều qua, Hội Cựu chiến binh huyện Tân Sơn đã tổ chức Lễ kỷ niệm 35 năm Ngày "
            "thành lập Hội.")
    assert v["date"] == "2024-03-14"
    assert v["organizer"] == "Hội Cựu chiến binh huyện Tân Sơn"


def test_relative_day_without_a_publication_date_has_no_date():
    v = run("Sáng nay, Ban Tuyên giáo Huyện ủy Mỹ Lâm tổ chức Hội nghị báo cáo viên tháng 4.")
    assert v["date"] is None
    assert v["organizer"] == "Ban Tuyên giáo Huyện ủy Mỹ Lâm"


def test_undated_lead_sentence_near_the_top():
    v = run("Tuổi trẻ Hòa Lạc ra quân tình nguyện",
            "Đoàn Thanh niên phường Hòa Lạc tổ chức Lễ khởi động Tháng Thanh niên năm 2024 với nhiều hoạt động "
            "thiết thực hướng về cộng đồng.")
    assert v["title"] == "Lễ khởi động Tháng Thanh niên năm 2024"
    assert v["organizer"] == "Đoàn Thanh niên phường Hòa Lạc"
    assert v["date"] is None


def test_a_habit_is_not_the_event():
    assert run("Hằng năm, Hội Nông dân xã Tân Mỹ tổ chức Hội thi nhà nông đua tài vào dịp cuối năm để các hội "
               "viên giao lưu, học hỏi kinh nghiệm sản xuất.") is None


def test_event_named_after_tai():
    v = run("Cập nhật: 28/08/2023 10:15",
            "Ngày 27-8, tại Hội nghị biểu dương điển hình tiên tiến giai đoạn 2018-2023, Ủy ban nhân dân huyện "
            "Tân Kỳ Mỹ đã khen thưởng 40 tập thể và 65 cá nhân.")
    assert v == {"date": "2023-08-27", "title": "Hội nghị biểu dương điển hình tiên tiến giai đoạn 2018-2023",
                 "organizer": "Ủy ban nhân dân huyện Tân Kỳ Mỹ", "location": None}


def test_event_verb_with_dotted_day_month():
    v = run("Đăng ngày 23/04/2023",
            "Chiều 22.4, Đảng ủy Quân sự thị xã Long Phú Đông sơ kết 3 năm thực hiện Nghị quyết số 847-NQ/QUTW của "
            "Quân ủy Trung ương.")
    assert v["date"] == "2023-04-22"
    assert v["organizer"] == "Đảng ủy Quân sự thị xã Long Phú Đông"
    assert v["title"] is None  # the text names no event: only "sơ kết …"


def test_event_verb_takes_the_name_the_text_gives():
    v = run("Chiều 22.4.2023, Huyện ủy Tân Lạc tổng kết 10 năm thực hiện Chỉ thị số 03-CT/TW. Tại Hội nghị tổng kết "
            "10 năm thực hiện Chỉ thị số 03-CT/TW, các đại biểu đã thảo luận sôi nổi.")
    assert v["date"] == "2023-04-22"
    assert v["organizer"] == "Huyện ủy Tân Lạc"
    assert v["title"] == "Hội nghị tổng kết 10 năm thực hiện Chỉ thị số 03-CT/TW"


def test_event_verb_needs_a_body_as_subject():
    assert run("Ngày 17 tháng 8 năm 2023, Ban Thường vụ Đảng ủy Khối đã ban hành kế hoạch kỷ niệm 15 năm ngày "
               "thành lập Đảng bộ Khối.") is None
    v = run("Ngày 2/9/2023, Lễ kỷ niệm 78 năm Quốc khánh được tổ chức trọng thể tại Quảng trường tỉnh.")
    assert v["title"] == "Lễ kỷ niệm 78 năm Quốc khánh"
    assert v["organizer"] is None
    assert v["location"] == "Quảng trường tỉnh"


def test_event_took_place_of_a_body():
    v = run("Sáng 14/5/2024, đã diễn ra Hội nghị tổng kết công tác thi đua năm 2023 của Cụm thi đua số 5 Liên đoàn "
            "Lao động tỉnh.")
    assert v["title"] == "Hội nghị tổng kết công tác thi đua năm 2023"
    assert v["organizer"] == "Cụm thi đua số 5 Liên đoàn Lao động tỉnh"


def test_of_a_cited_document_is_not_the_organizer():
    v = run("Sáng 14/5/2024, đã diễn ra Hội nghị quán triệt Nghị quyết số 45-NQ/TW của Ban Chấp hành Trung ương.")
    assert v["title"] == "Hội nghị quán triệt Nghị quyết số 45-NQ/TW của Ban Chấp hành Trung ương"
    assert v["organizer"] is None


def test_headline_when_the_body_has_no_event_sentence():
    v = run("Huyện đoàn Mỹ Lộc: Lễ ra quân Chiến dịch Thanh niên tình nguyện hè 2023",
            "Nhằm phát huy vai trò xung kích của thanh niên, các cơ sở Đoàn đã tham gia nhiều hoạt động. Đồng chí "
            "Lê Thị Hà, Bí thư Huyện đoàn phát biểu giao nhiệm vụ.")
    assert v["title"] == "Lễ ra quân Chiến dịch Thanh niên tình nguyện hè 2023"
    assert v["organizer"] == "Huyện đoàn Mỹ Lộc"
    assert v["date"] is None


def test_generic_launch_ceremony_is_no_title():
    v = run("Đảng bộ xã Mỹ Hòa hiện có 210 đảng viên, sinh hoạt ở 14 chi bộ. Theo đó, Đảng ủy xã Mỹ Hòa phát động "
            "trong toàn Đảng bộ xã phong trào thi đua xây dựng chi bộ vững mạnh.",
            "Tại lễ phát động, các chi bộ đã ký kết giao ước thi đua.")
    assert v["organizer"] == "Đảng ủy xã Mỹ Hòa"
    assert v["title"] is None


# --- spans ----------------------------------------------------------------------------------------

def test_place_continues_across_commas():
    v = run("Sáng 9/3/2024, tại thôn Đông Hòa, xã Phú Lâm, huyện Tân Sơn, Hội Nông dân huyện tổ chức Hội nghị "
            "biểu dương nông dân sản xuất giỏi.")
    assert v["location"] == "thôn Đông Hòa, xã Phú Lâm, huyện Tân Sơn"
    assert v["organizer"] == "Hội Nông dân huyện"
    v = run("Sáng 12/5/2024, Hội Nông dân xã tổ chức Hội nghị tập huấn kỹ thuật tại thôn Đồng Xuân Lạc, xã Hòa Lạc, "
            "huyện Tân Sơn, có sự tham gia của 80 hội viên.")
    assert v["location"] == "thôn Đồng Xuân Lạc, xã Hòa Lạc, huyện Tân Sơn"
    assert v["title"] == "Hội nghị tập huấn kỹ thuật"


def test_parenthesised_place():
    v = run("Sáng 12/5/2024, tại Nhà văn hóa thôn Đồng Xuân Lạc (xã Hòa Lạc, huyện Tân Sơn), Chi bộ thôn Đồng Xuân Lạc tổ "
            "chức Lễ kết nạp đảng viên mới.")
    assert v["location"] == "Nhà văn hóa thôn Đồng Xuân Lạc (xã Hòa Lạc, huyện Tân Sơn)"
    assert v["organizer"] == "Chi bộ thôn Đồng Xuân Lạc"


def test_organizer_ends_before_an_appositive_role():
    v = run("Sáng 9/3/2024, Trường Đại học Hòa Phong, Trưởng Khối thi đua các trường đại học, tổ chức Hội nghị ký "
            "kết giao ước thi đua năm 2024.")
    assert v["organizer"] == "Trường Đại học Hòa Phong"
    assert v["title"] == "Hội nghị ký kết giao ước thi đua năm 2024"


def test_title_ends_before_a_participle_clause():
    v = run("Sáng 9/3/2024, Ban Tuyên giáo Trung ương tổ chức Hội nghị toàn quốc quán triệt Nghị quyết số "
            "45-NQ/TW, kết nối tới hơn 10.500 điểm cầu trong cả nước.")
    assert v["title"] == "Hội nghị toàn quốc quán triệt Nghị quyết số 45-NQ/TW"
    v = run("Sáng 9/3/2024, Huyện ủy Tân Lạc tổ chức Hội nghị sơ kết công tác quý I, với sự tham dự của 120 đại "
            "biểu.")
    assert v["title"] == "Hội nghị sơ kết công tác quý I"


# --- the year -------------------------------------------------------------------------------------

def test_year_in_the_sentence_for_an_autumn_meeting():
    v = run("Sáng 6/10, Ban Dân vận Tỉnh ủy tổ chức Hội nghị sơ kết 9 tháng năm 2022, kết nối tới 20 điểm cầu.")
    assert v["date"] == "2022-10-06"


def test_autumn_launch_of_next_years_theme_has_no_year():
    v = run("Ngày 10/11, Thành ủy Hòa Phong tổ chức Hội nghị triển khai Chuyên đề học tập và làm theo tư tưởng, "
            "đạo đức, phong cách Hồ Chí Minh năm 2024.")
    assert v["date"] is None


def test_cited_document_dates_do_not_give_the_year():
    v = run("Sáng 14/5, Liên đoàn Lao động huyện tổ chức Hội nghị sơ kết Kết luận số 01-KL/TW ngày 18/5/2021 của "
            "Bộ Chính trị.")
    assert v["date"] is None


def test_dotted_day_month_year():
    v = run("Chiều 22.4.2023, Huyện ủy Tân Lạc tổ chức Hội nghị sơ kết công tác quý I.")
    assert v["date"] == "2023-04-22"


# --- roundups and confidence ---------------------------------------------------------------------

def test_numbered_roundup_is_not_one_meeting():
    assert run("Tin hoạt động tuần",
               "1. Sáng 5/6/2023, Huyện ủy Tân Lạc tổ chức Hội nghị sơ kết công tác 6 tháng đầu năm.",
               "2. Chiều 6/6/2023, Ban Dân vận Huyện ủy tổ chức Hội nghị tập huấn công tác dân vận.",
               "3. Ngày 8/6/2023, Hội Nông dân huyện tổ chức Lễ ra mắt mô hình mới.") is None


def _conf(*paragraphs):
    t = normalize([Block(p) for p in paragraphs])
    return extract(make_doc(t.text), t)[0].confidence


def test_confidence_follows_the_evidence():
    full = _conf("Sáng 9/3/2024, Hội Nông dân huyện tổ chức Hội nghị biểu dương nông dân sản xuất giỏi.")
    title_year = _conf("Sáng 9/3, Hội Nông dân huyện tổ chức Hội nghị biểu dương nông dân sản xuất giỏi năm 2024.")
    relative = _conf("Đăng ngày 09/03/2024", "Sáng nay, Hội Nông dân huyện tổ chức Hội nghị biểu dương nông dân "
                     "sản xuất giỏi.")
    headline = _conf("Hội nghị biểu dương nông dân sản xuất giỏi huyện Tân Sơn",
                     "Các đại biểu đã nghe báo cáo kết quả phong trào.")
    assert full > title_year >= relative > headline
    assert full < 0.9  # a meeting's keys are each a judgement; none is near-certain


def test_headline_comment_is_not_part_of_the_name():
    v = run("Hội nghị lần thứ 12 Ban Chấp hành Đảng bộ huyện Đông Lâm: Thống nhất nhiều nội dung quan trọng",
            "Các đại biểu đã thảo luận, cho ý kiến vào dự thảo báo cáo.")
    assert v["title"] == "Hội nghị lần thứ 12 Ban Chấp hành Đảng bộ huyện Đông Lâm"
    assert v["organizer"] == "Ban Chấp hành Đảng bộ huyện Đông Lâm"


def test_a_document_headline_is_no_event():
    assert run("Chương trình phối hợp giữa Hội Nông dân và Ngân hàng Chính sách xã hội huyện",
               "Các bên thống nhất nội dung phối hợp trong giai đoạn mới.") is None


def test_title_ends_before_a_purpose_clause():
    v = run("Sáng 2/9/2024, Huyện ủy Đông Lâm tổ chức Lễ mít tinh kỷ niệm 79 năm Quốc khánh, góp phần giáo dục "
            "truyền thống cho thế hệ trẻ.")
    assert v["title"] == "Lễ mít tinh kỷ niệm 79 năm Quốc khánh"


def test_agenda_of_one_meeting_is_not_a_roundup():
    v = run("Sáng 5/6/2024, Huyện ủy Đông Lâm tổ chức Hội nghị sơ kết công tác 6 tháng đầu năm 2024.",
            "- Sáng 5/6/2024, Huyện ủy Đông Lâm tổ chức Hội nghị sơ kết công tác 6 tháng đầu năm 2024 tại Hội trường "
            "Huyện ủy.",
            "- Các đại biểu thảo luận tại tổ.")
    assert v["organizer"] == "Huyện ủy Đông Lâm"


def test_a_speakers_today_is_no_lead():
    assert run("Phát biểu tại buổi lễ, đồng chí Hà Minh Đức nhấn mạnh: “Hôm nay, chúng ta long trọng tổ chức Lễ kỷ "
               "niệm 20 năm thành lập xã”.") is None


def test_event_verb_takes_the_place_in_its_clause():
    v = run("Ngày 10/7/2024, Công an huyện Đông Lâm ra mắt mô hình “Camera an ninh” tại thôn 3, xã Tân Hòa.")
    assert v == {"date": "2024-07-10", "title": None, "organizer": "Công an huyện Đông Lâm",
                 "location": "thôn 3, xã Tân Hòa"}


def test_a_branch_meeting_on_a_topic():
    v = run("Vừa qua, Chi bộ Trường THCS Lê Lợi tổ chức sinh hoạt chuyên đề quý II năm 2024.")
    assert v["title"] == "sinh hoạt chuyên đề quý II năm 2024"
    assert v["organizer"] == "Chi bộ Trường THCS Lê Lợi"


def test_a_guest_attends_the_event_of_a_body():
    v = run("Sáng 17/3/2024, đồng chí Hà Minh Đức, Bí thư Tỉnh ủy dự và chỉ đạo Hội nghị sơ kết công tác dân vận "
            "quý I do Ban Dân vận Tỉnh ủy tổ chức.")
    assert v == {"date": "2024-03-17", "title": "Hội nghị sơ kết công tác dân vận quý I",
                 "organizer": "Ban Dân vận Tỉnh ủy", "location": None}
    v = run("Sáng 17/3/2024, đồng chí Hà Minh Đức, Bí thư Tỉnh ủy dự Hội nghị tổng kết công tác năm 2023 của Hội "
            "Nông dân tỉnh tại Hội trường Tỉnh ủy.")
    assert v["organizer"] == "Hội Nông dân tỉnh"
    assert v["location"] == "Hội trường Tỉnh ủy"


def test_a_draft_is_no_attendance():
    assert run("Sáng 17/3/2024, đồng chí Hà Minh Đức góp ý dự thảo Báo cáo chính trị trình Đại hội.") is None


def test_an_announced_event_without_a_date_is_not_reported():
    assert run("Hội Nông dân huyện Đông Lâm tổ chức Hội thi nhà nông đua tài vào tháng 9 tới để hội viên giao lưu "
               "kinh nghiệm sản xuất.") is None


def test_the_main_clause_names_the_organizer_of_an_event_after_tai():
    v = run("Sáng 5/6/2024, tại buổi làm việc với Đoàn công tác của Tỉnh ủy, Huyện ủy Đông Lâm đã báo cáo kết quả "
            "thực hiện nhiệm vụ.")
    assert v["organizer"] == "Huyện ủy Đông Lâm"


def test_more_lead_forms():
    v = run("Sáng 17/3/2024, Hội Nông dân tỉnh đã tổ chức thành công Đại hội đại biểu lần thứ X, nhiệm kỳ 2024-2029.")
    assert v["title"] == "Đại hội đại biểu lần thứ X, nhiệm kỳ 2024-2029"
    v = run("Sáng thứ Hai (17/3/2025), Ban Tuyên giáo Huyện ủy tổ chức Hội nghị báo cáo viên tháng 3.")
    assert v["date"] == "2025-03-17"
    v = run("Trong các ngày 16 và 17/3/2024, Trường Chính trị tỉnh tổ chức Lớp bồi dưỡng cấp ủy viên cơ sở.")
    assert v["date"] == "2024-03-16"
    v = run("Chiều 17/3/2024, tại Nhà văn hóa xã Tân Hòa, Tổ đại biểu HĐND tỉnh tổ chức tiếp xúc cử tri trước kỳ họp "
            "thứ 18.")
    assert v["title"] == "tiếp xúc cử tri trước kỳ họp thứ 18"
    assert v["location"] == "Nhà văn hóa xã Tân Hòa"


def test_formal_minutes_with_labels():
    v = run("CHI BỘ TỔ DÂN PHỐ SỐ 9", "BIÊN BẢN", "Hội nghị chi bộ thường kỳ tháng 8 năm 2024",
             "Thời gian: 19 giờ 30, ngày 05 tháng 8 năm 2024.",
             "Địa điểm: Hội trường tổ dân phố số 9, phường Hòa Lợi.",
             "Chủ trì: đồng chí Mai Văn Định - Bí thư Chi bộ.")
    assert v is not None
    assert v["date"] == "2024-08-05"
    assert v["title"] == "Hội nghị chi bộ thường kỳ tháng 8 năm 2024"
    assert v["location"] == "Hội trường tổ dân phố số 9, phường Hòa Lợi"


def test_blank_minutes_form_yields_no_meeting():
    v = run("BIÊN BẢN", "Hội nghị chi bộ đánh giá, xếp loại đảng viên năm ……",
             "Thời gian: ……… giờ, ngày …… tháng …… năm ……", "Địa điểm tại: …………………………")
    assert v is None or v["date"] is None
