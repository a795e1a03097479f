"""People: names with honorifics, titles before and after, lists, ranks, signatures."""

from pipeline.model import Block
from pipeline.nlp import make_doc
from pipeline.normalize import normalize

from extractors.people import extract


def run(*paragraphs: str):
    t = normalize([Block(p) for p in paragraphs])
    items = extract(make_doc(t.text), t)
    for it in items:
        assert t.text[it.start:it.end] == it.value["name"]  # the span is the name as written
        assert set(it.value) == {"name", "roles"}
        assert 0.0 <= it.confidence <= 1.0
    return {it.value["name"]: it.value["roles"] for it in items}


def test_comrade_with_dash_roles():
    got = run("Dự hội nghị có đồng chí Phạm Quốc Bảo - Ủy viên Ban Thường vụ Tỉnh ủy, Bí thư Đảng ủy Khối "
              "Doanh nghiệp tỉnh cùng lãnh đạo các ban.")
    assert got == {"Phạm Quốc Bảo": ["Ủy viên Ban Thường vụ Tỉnh ủy", "Bí thư Đảng ủy Khối Doanh nghiệp tỉnh"]}


def test_list_of_comrades_with_semicolons():
    got = run("Tham dự có các đồng chí: Trịnh Xuân Khải, Phó Bí thư Thường trực Huyện ủy; "
              "Lò Văn Pấng, Phó Chủ tịch UBND huyện; Nguyễn Thị Hồng Nhung, Trưởng Ban Dân vận Huyện ủy.")
    assert got == {
        "Trịnh Xuân Khải": ["Phó Bí thư Thường trực Huyện ủy"],
        "Lò Văn Pấng": ["Phó Chủ tịch UBND huyện"],
        "Nguyễn Thị Hồng Nhung": ["Trưởng Ban Dân vận Huyện ujy".replace("ujy", "ủy")],
    }


def test_comma_inside_a_body_name_is_not_a_split():
    got = run("Đ/c Đinh Công Thắng, Giám đốc Sở Lao động, Thương binh và Xã hội phát biểu tại buổi lễ.")
    assert got == {"Đinh Công Thắng": ["Giám đốc Sở Lao động, Thương binh và Xã hội"]}


def test_title_before_name():
    got = run("Phát biểu chỉ đạo, Bí thư Huyện ủy Võ Thành Lộc đề nghị các chi bộ tiếp tục đổi mới.")
    assert got == {"Võ Thành Lộc": ["Bí thư Huyện ủy"]}


def test_rank_and_academic_title_kept_out():
    got = run("Đại tá Hoàng Minh Đức, Chính ủy Bộ Chỉ huy Quân sự tỉnh cho biết đơn vị đã hoàn thành kế hoạch.",
              "PGS.TS Lê Thanh Vân, Giám đốc Học viện Chính trị khu vực trình bày tham luận.")
    assert got == {
        "Hoàng Minh Đức": ["Chính ủy Bộ Chỉ huy Quân sự tỉnh"],
        "Lê Thanh Vân": ["Giám đốc Học viện Chính trị khu vực"],
    }


def test_mr_mrs_and_occupations():
    got = run("Ông Mai Văn Khoa, 62 tuổi, nông dân xã Tân Hưng chia sẻ kinh nghiệm; "
              "bà Tạ Thị Duyên, Tổ trưởng tổ dân phố số 3 đã vận động bà con.")
    assert got["Mai Văn Khoa"] == ["nông dân xã Tân Hưng"]
    assert got["Tạ Thị Duyên"] == ["Tổ trưởng tổ dân phố số 3"]


def test_name_without_roles_after_address():
    got = run("Tại buổi gặp mặt, ông Quách Văn Tường đã kể lại kỷ niệm.")
    assert got == {"Quách Văn Tường": []}


def test_mentions_are_merged():
    got = run("Đồng chí Bùi Đức Hạnh, Phó Bí thư Tỉnh ủy, Chủ tịch UBND tỉnh dự và phát biểu.",
              "Kết luận hội nghị, đồng chí Bùi Đức Hạnh yêu cầu các cấp ủy quan tâm hơn nữa.")
    assert got == {"Bùi Đức Hạnh": ["Phó Bí thư Tỉnh ủy", "Chủ tịch UBND tỉnh"]}


def test_photo_caption():
    got = run("Đồng chí Cao Thị Lan, Trưởng Ban Tuyên giáo Thành ủy trao giấy khen cho các tập thể. Ảnh: Minh Quân")
    assert got == {"Cao Thị Lan": ["Trưởng Ban Tuyên giáo Thành ủy"]}


def test_places_and_institutions_are_not_people():
    assert run("Chủ tịch UBND tỉnh Hà Giang và Bí thư Thành ủy Phan Thiết dự lễ.") == {}
    assert run("Trường THCS Lê Quý Đôn tổ chức lễ khai giảng tại đường Trần Phú.") == {}
    assert run("Nghiên cứu tư tưởng Nguyễn Trãi là nhiệm vụ của môn học.") == {}


def test_nothing_to_find():
    assert run("Hội nghị đã thống nhất các nội dung trọng tâm trong năm 2024.") == {}
    assert run("Bà con nhân dân trong xã đồng tình hưởng ứng.") == {}
    assert run("Các đồng chí Ủy viên Ban Thường vụ và lãnh đạo các ban tham dự.") == {}


def test_signature_block():
    got = run("Nơi nhận:\n- Như trên;\n- Lưu VP.", "T/M BAN THƯỜNG VỤ\nPHÓ BÍ THƯ\n(Đã ký)\nLương Thị Mến")
    assert got == {"Lương Thị Mến": ["PHÓ BÍ THƯ"]}


def test_uppercase_signature():
    got = run("TM. ỦY BAN NHÂN DÂN\nCHỦ TỊCH\nHOÀNG VĂN SƠN")
    assert got == {"HOÀNG VĂN SƠN": ["CHỦ TỊCH"]}


def test_a_name_alone_without_a_title_above_is_not_a_signer():
    assert run("Tin mới\nTrần Hữu Nghĩa") == {}


def test_contact_details_end_a_role():
    got = run("Đầu mối liên hệ: bà Kiều Thị Hạnh, chuyên viên Phòng Tổ chức, số điện thoại 0987 654 321.")
    assert got == {"Kiều Thị Hạnh": ["chuyên viên Phòng Tổ chức"]}


def test_titles_are_not_names():
    assert run("Ý kiến của đồng chí Phó Trưởng Ban Thường trực được ghi nhận.") == {}
    assert run("kết nạp đoàn viên ưu tú của Đoàn Thanh niên Cộng sản Lê Hồng Phong vào Đảng") == {}


def test_roles_in_parentheses_are_split():
    got = run("Đến dự có đồng chí Âu Văn Thịnh (Ủy viên BTV Huyện ủy, Trưởng Ban Tổ chức Huyện ủy) và lãnh đạo các xã.")
    assert got == {"Âu Văn Thịnh": ["Ủy viên BTV Huyện ủy", "Trưởng Ban Tổ chức Huyện ủy"]}


def test_name_after_an_administrative_unit():
    got = run("Bí thư Huyện ủy Lục Văn Thành và Chủ tịch UBND huyện Nông Đức Hậu trao cờ thi đua.")
    assert got == {"Lục Văn Thành": ["Bí thư Huyện ủy"], "Nông Đức Hậu": ["Chủ tịch UBND huyện"]}


def test_lowercase_clause_after_a_role_is_not_part_of_it():
    got = run("Theo ông Triệu Văn Lộc, Chủ tịch Hội Cựu chiến binh xã, phong trào đã lan tỏa rộng khắp.")
    assert got == {"Triệu Văn Lộc": ["Chủ tịch Hội Cựu chiến binh xã"]}


def test_a_bare_title_alone_does_not_make_a_person():
    assert run("Lời dạy của Chủ tịch Tôn Đức Minh vẫn còn nguyên giá trị.") == {}


def test_signature_beside_the_recipients_list():
    got = run("Trên đây là kế hoạch của nhà trường./.", "Nơi nhận:", "KT.HIỆU TRƯỞNG PHÓ HIỆU TRƯỞNG",
              "- Phòng GDĐT (bc);", "- Lưu: VT.", "Đinh Thị Hoa")
    assert got == {"Đinh Thị Hoa": ["PHÓ HIỆU TRƯỞNG"]}


def test_rare_surname_after_a_form_of_address():
    got = run("Mọi vướng mắc liên hệ ông Khiếu Văn Tài - Phó Trưởng phòng Tổ chức cán bộ để được hướng dẫn.")
    assert got == {"Khiếu Văn Tài": ["Phó Trưởng phòng Tổ chức cán bộ"]}


def test_list_of_names_without_roles():
    got = run("Tham dự có các đồng chí Lâm Văn Hòa, Kim Thị Sen và Trương Văn Út.")
    assert got == {"Lâm Văn Hòa": [], "Kim Thị Sen": [], "Trương Văn Út": []}


def test_central_highlands_names():
    got = run("Đồng chí Y Bhin Niê Kdăm, Phó Bí thư Huyện ủy và bà H'Lan Êban, Chủ tịch Hội Phụ nữ xã dự lễ.")
    assert got == {"Y Bhin Niê Kdăm": ["Phó Bí thư Huyện ủy"], "H'Lan Êban": ["Chủ tịch Hội Phụ nữ xã"]}


def test_dash_inside_a_body_name_is_kept():
    got = run("Đồng chí Lê Thị Thu Hà - Bí thư Đảng ủy Khối Cơ quan - Doanh nghiệp tỉnh phát biểu.")
    assert got == {"Lê Thị Thu Hà": ["Bí thư Đảng ủy Khối Cơ quan - Doanh nghiệp tỉnh"]}


# --- one-letter syllables, roles that run on, shared roles, long role lists -------------------------

def test_one_letter_syllable_inside_a_name():
    got = run("Dự hội nghị có Đồng chí Giàng A Páo – Phó Bí thư Thường trực Huyện ủy Mường Tè.")
    assert got == {"Giàng A Páo": ["Phó Bí thư Thường trực Huyện ủy Mường Tè"]}
    got = run("Phát biểu tại buổi lễ, đồng chí Lò Văn A, Chủ tịch UBND xã Nậm Hàng đánh giá cao kết quả.")
    assert got == {"Lò Văn A": ["Chủ tịch UBND xã Nậm Hàng"]}
    got = run("Ông Vừ A Dính, Trưởng bản Huổi Lếch, cho biết bà con rất phấn khởi.")
    assert got == {"Vừ A Dính": ["Trưởng bản Huổi Lếch"]}


def test_one_letter_syllable_without_a_surname_is_no_name():
    assert run("Khu A và Khu B của Bệnh viện đa khoa huyện được đưa vào sử dụng.") == {}
    assert run("Đội A, Đội B đã hoàn thành nhiệm vụ.") == {}


def test_role_stops_at_a_clause_verb_and_a_cited_document():
    got = run("Đồng chí Trần Minh Hòa, Giám đốc Trung tâm Chính trị huyện thông qua Quyết định số 64/QĐ-TTCT về việc "
              "khen thưởng các học viên xuất sắc.")
    assert got == {"Trần Minh Hòa": ["Giám đốc Trung tâm Chính trị huyện"]}
    got = run("Bà Lê Thị Thu, Chánh Văn phòng Huyện ủy công bố Quyết định số 112-QĐ/HU của Ban Thường vụ Huyện ủy.")
    assert got == {"Lê Thị Thu": ["Chánh Văn phòng Huyện ủy"]}


def test_a_shared_role_goes_to_each_in_the_list():
    got = run("Tham dự có các Ủy viên Ban Thường vụ Thành ủy: đồng chí Lê Văn Tâm, đồng chí Phạm Thị Hoa, đồng chí "
              "Đỗ Quang Vinh.")
    assert got == {n: ["Ủy viên Ban Thường vụ Thành ủy"] for n in ("Lê Văn Tâm", "Phạm Thị Hoa", "Đỗ Quang Vinh")}


def test_a_shared_role_and_each_ones_own_role():
    got = run("Dự hội nghị có các Phó Chủ tịch UBND huyện: đồng chí Hà Văn Sơn, Trưởng Ban Chỉ đạo phong trào; "
              "đồng chí Mai Thị Ngọc.")
    assert got["Hà Văn Sơn"] == ["Phó Chủ tịch UBND huyện", "Trưởng Ban Chỉ đạo phong trào"]
    assert got["Mai Thị Ngọc"] == ["Phó Chủ tịch UBND huyện"]


def test_a_shared_role_ends_with_the_list():
    got = run("Tham dự có các Ủy viên Ban Thường vụ Huyện ủy: đồng chí Lê Văn Tâm, đồng chí Phạm Thị Hoa. Đồng chí "
              "Đỗ Quang Vinh phát biểu chỉ đạo.")
    assert got["Đỗ Quang Vinh"] == []
    got = run("Dự có các Ủy viên Ban Thường vụ Huyện ủy: đồng chí Lê Văn Tâm; cùng lãnh đạo các ngành và đồng chí "
              "Đỗ Quang Vinh.")
    assert got["Đỗ Quang Vinh"] == []


def test_a_place_after_a_shared_role_is_no_person():
    got = run("Tham dự có các Ủy viên Ban Thường vụ Tỉnh ủy Lâm Đồng: đồng chí Lê Văn Tâm.")
    assert set(got) == {"Lê Văn Tâm"}


def test_third_role_in_a_list_is_kept():
    got = run("Đồng chí Nguyễn Thị Lan, Hiệu trưởng Trường Đại học Hòa Phong, Trưởng Khối thi đua các trường đại "
              "học, Cụm trưởng Cụm thi đua số 18 phát biểu khai mạc.")
    assert got == {"Nguyễn Thị Lan": ["Hiệu trưởng Trường Đại học Hòa Phong",
                                      "Trưởng Khối thi đua các trường đại học",
                                      "Cụm trưởng Cụm thi đua số 18"]}


def test_the_occasion_is_not_part_of_the_role():
    got = run("Theo ý kiến của đồng chí Lương Văn Đạt, Phó Chủ tịch UBND tỉnh tại hội nghị, các sở cần khẩn trương "
              "triển khai.")
    assert got == {"Lương Văn Đạt": ["Phó Chủ tịch UBND tỉnh"]}


def test_a_role_ends_before_the_next_person_joined_by_va():
    got = run("Tham dự có các đồng chí: Giàng A Páo, Phó Bí thư Huyện ủy; Lò Văn A, Chủ tịch UBND xã và Vừ A Dính, "
              "Trưởng bản.")
    assert got == {"Giàng A Páo": ["Phó Bí thư Huyện ủy"], "Lò Văn A": ["Chủ tịch UBND xã"],
                   "Vừ A Dính": ["Trưởng bản"]}
    got = run("Dự có ông Lê Minh Tâm, Giám đốc Sở Lao động, Thương binh và Xã hội.")
    assert got == {"Lê Minh Tâm": ["Giám đốc Sở Lao động, Thương binh và Xã hội"]}
