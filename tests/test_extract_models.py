"""Models: named initiatives after "mô hình", "điển hình", "cách làm hay"."""

from __future__ import annotations

from extractors.models import extract, read_quoted
from pipeline.model import Block
from pipeline.nlp import make_doc
from pipeline.normalize import normalize


def run(*paragraphs: str):
    t = normalize([Block(p, index=i) for i, p in enumerate(paragraphs)])
    items = extract(make_doc(t.text), t)
    for it in items:
        assert it.value["name"] in t.text[it.start:it.end]  # spans round-trip
        assert set(it.value) == {"name", "organization"}
    return items


def names(items):
    return {i.value["name"] for i in items}


def org_of(items, name):
    return next(i.value["organization"] for i in items if i.value["name"] == name)


def test_curly_quotes_after_model_noun_with_registering_unit():
    items = run("Đảng bộ Sở Xây dựng đăng ký mô hình “Cơ quan xanh, sạch, đẹp”.")
    assert names(items) == {"Cơ quan xanh, sạch, đẹp"}
    assert org_of(items, "Cơ quan xanh, sạch, đẹp") == "Đảng bộ Sở Xây dựng"
    assert items[0].confidence >= 0.9


def test_list_of_units_with_their_models_in_every_quote_style():
    items = run("Nhiều đơn vị có mô hình hay, như: Chi bộ Trường Tiểu học Hòa Bình với mô hình 'Thư viện "
                "thân thiện', Chi bộ Trạm Y tế xã với mô hình «Khám bệnh tận tâm», Đảng bộ Bệnh viện "
                "huyện với mô hình \"Nụ cười người thầy thuốc\".")
    assert names(items) == {"Thư viện thân thiện", "Khám bệnh tận tâm", "Nụ cười người thầy thuốc"}
    assert org_of(items, "Khám bệnh tận tâm") == "Chi bộ Trạm Y tế xã"
    assert org_of(items, "Nụ cười người thầy thuốc") == "Đảng bộ Bệnh viện huyện"


def test_chained_names_and_single_quotes():
    items = run("Huyện ủy chỉ đạo nhân rộng mô hình ‘Ngày thứ bảy tình nguyện’ và “Nhà nhân ái”.")
    assert names(items) == {"Ngày thứ bảy tình nguyện", "Nhà nhân ái"}
    assert org_of(items, "Nhà nhân ái") == "Huyện ủy"


def test_unbalanced_quotes():
    items = run("Đảng ủy phường Tân Lập triển khai mô hình \"Phố xanh không rác thải”, được nhân dân hưởng ứng.")
    assert names(items) == {"Phố xanh không rác thải"}
    items = run("Chi đoàn thôn Nam Sơn thực hiện mô hình “Thắp sáng đường quê. Kết quả rất tốt.")
    assert names(items) == {"Thắp sáng đường quê"}
    assert items[0].confidence < 0.9


def test_qualifier_between_noun_and_name():
    items = run("Đảng ủy Quân sự huyện xây dựng mô hình chi bộ “2 tốt, 2 không” ở các đơn vị.")
    assert names(items) == {"2 tốt, 2 không"}


def test_exemplary_practice_with_owner_after():
    items = run("Cách làm hay “Tổ tự quản an ninh” của Chi bộ khu phố 3 được biểu dương.")
    assert names(items) == {"Tổ tự quản an ninh"}
    assert org_of(items, "Tổ tự quản an ninh") == "Chi bộ khu phố 3"


def test_unit_shaped_name_without_model_noun():
    items = run("Đảng ủy xã Bình Minh phát động thi đua xây dựng “Chi bộ ba tốt”.")
    assert names(items) == {"Chi bộ ba tốt"}
    assert org_of(items, "Chi bộ ba tốt") == "Đảng ủy xã Bình Minh"


def test_unquoted_list_after_colon():
    items = run("Chi bộ thôn Đồng Tâm đã đăng ký 3 mô hình: nuôi bò sinh sản; trồng cây ăn quả; "
                "làm đường giao thông nông thôn.")
    assert names(items) == {"nuôi bò sinh sản", "trồng cây ăn quả", "làm đường giao thông nông thôn"}


def test_caption_naming_the_unit():
    items = run("Mô hình nuôi cá lồng của Hội Nông dân xã Tân Phú")
    assert names(items) == {"nuôi cá lồng"}
    assert org_of(items, "nuôi cá lồng") == "Hội Nông dân xã Tân Phú"


def test_unquoted_name_quoted_elsewhere():
    items = run("Phong trào “Nông dân giỏi” được phát động từ lâu.",
                "Toàn huyện duy trì 40 mô hình nông dân giỏi.")
    assert "nông dân giỏi" in {n.casefold() for n in names(items)}


def test_same_model_twice_is_one_item():
    items = run("Chi bộ 5 xây dựng mô hình “Đường hoa nông thôn”.",
                "Mô hình “Đường hoa nông thôn” được nhân rộng.")
    assert len(items) == 1


def test_movements_programmes_and_generic_mentions_are_not_models():
    assert run("Hội Phụ nữ xã phát động phong trào “Phụ nữ tích cực học tập”.") == []
    assert run("Chương trình “Vì người nghèo” được triển khai rộng khắp.") == []
    assert run("Nhiều mô hình hay, cách làm sáng tạo được nhân rộng trong cả nước.") == []
    assert run("Đơn vị được công nhận “Tập thể lao động xuất sắc”.") == []


def test_read_quoted_nested_and_unclosed():
    text = 'chuyên đề "Chống biểu hiện "tự diễn biến" trong nội bộ. Tiếp theo'
    s, e, closed = read_quoted(text, text.index('"'))
    assert text[s:e] == 'Chống biểu hiện "tự diễn biến" trong nội bộ'
    assert not closed


def test_named_with_mang_ten():
    items = run("Hội Cựu chiến binh xã Hòa Lạc duy trì mô hình mang tên “Tổ tiết kiệm đồng đội”.")
    assert names(items) == {"Tổ tiết kiệm đồng đội"}
    assert org_of(items, "Tổ tiết kiệm đồng đội") == "Hội Cựu chiến binh xã Hòa Lạc"


def test_misread_repeat_is_one_model_but_numbers_keep_models_apart():
    items = run("Xã triển khai mô hình “Tiếng kẻng an ninh”.", "Mô hình “Tiếng kẽng an ninh” được duy trì.")
    assert len(items) == 1
    items = run("Đơn vị xây dựng mô hình “Tổ 3 tốt” và mô hình “Tổ 5 tốt”.")
    assert names(items) == {"Tổ 3 tốt", "Tổ 5 tốt"}


def test_caption_run_into_the_next_paragraph():
    items = run("Mô hình trồng rau sạch của Chi hội Phụ nữ thôn Bắc Sơn Để duy trì mô hình, hội viên góp vốn.")
    assert names(items) == {"trồng rau sạch"}
    assert org_of(items, "trồng rau sạch").startswith("Chi hội Phụ nữ thôn Bắc Sơn")
    assert run("Mô hình này của Chi bộ thôn 2 đã mang lại hiệu quả cao.") == []


def test_owner_after_a_chain_owns_every_name_and_all_capital_titles_are_no_owner():
    items = run("HỘI NÔNG DÂN HUYỆN TỔNG KẾT NĂM",
                "Hội nhân rộng mô hình “Vườn mẫu”, “Ao cá bác Hồ” của Chi hội Nông dân thôn Yên Lạc; "
                "mô hình 'Tổ vay vốn' do Chi đoàn xã Yên Lạc thực hiện.")
    assert org_of(items, "Vườn mẫu") == "Chi hội Nông dân thôn Yên Lạc"
    assert org_of(items, "Ao cá bác Hồ") == "Chi hội Nông dân thôn Yên Lạc"
    assert org_of(items, "Tổ vay vốn") == "Chi đoàn xã Yên Lạc"


def test_free_words_between_noun_and_name_but_not_a_predicate():
    items = run("Công an xã duy trì mô hình tự quản về an ninh trật tự “Camera vì bình yên”.")
    assert names(items) == {"Camera vì bình yên"}
    assert items[0].confidence < 0.9
    assert run("Mô hình được đánh giá là “điểm sáng” của huyện.") == []


def test_place_right_after_the_name_beats_a_distant_generic_body():
    items = run("Hội Liên hiệp Phụ nữ huyện Bắc Quang đã triển khai nhiều hoạt động hỗ trợ hội viên phát triển kinh tế, "
                "giúp đỡ nhau lúc khó khăn, nổi bật là mô hình “Hũ gạo tình thương” ở Tân Lập và "
                "mô hình “Tổ liên kết trồng chè” tại xã Vĩnh Hảo.")
    assert org_of(items, "Hũ gạo tình thương") == "Tân Lập"
    assert org_of(items, "Tổ liên kết trồng chè") == "xã Vĩnh Hảo"


def test_a_unit_after_o_is_the_organization():
    items = run("Nhiều năm qua, mô hình “Ngõ xóm sáng đèn” của Chi đoàn thôn Tân Hòa được nhân rộng.")
    assert org_of(items, "Ngõ xóm sáng đèn") == "Chi đoàn thôn Tân Hòa"
    items = run("Huyện ủy chỉ đạo nhân rộng mô hình “Dân vận khéo trong xây dựng đường” ở Đảng bộ xã Phú Lâm.")
    assert org_of(items, "Dân vận khéo trong xây dựng đường") == "Đảng bộ xã Phú Lâm"


def test_lower_case_place_words_after_o_are_not_an_organization():
    items = run("Đảng ủy Khối xây dựng mô hình “Chi bộ 4 tốt” ở các chi bộ trực thuộc.")
    assert org_of(items, "Chi bộ 4 tốt") == "Đảng ủy Khối"


def test_a_distant_unit_lowers_confidence():
    near = run("Chi bộ thôn Hạ đăng ký mô hình “Đường hoa nông thôn mới”.")[0]
    far = run("Đảng ủy xã Thanh Mai đã lãnh đạo các chi bộ thực hiện tốt nhiệm vụ chính trị, chăm lo đời sống nhân "
              "dân, giữ vững quốc phòng, an ninh, phát triển kinh tế hộ gia đình và giảm nghèo bền vững, trong đó có "
              "mô hình “Đường hoa nông thôn mới”.")[0]
    assert far.value["organization"] == "Đảng ủy xã Thanh Mai"
    assert far.confidence < near.confidence


def test_spacing_and_quote_variants_are_one_model():
    items = run("Chi hội Phụ nữ thôn Đông triển khai mô hình “2 +1” giúp hội viên nghèo.",
                "Đến nay mô hình “2+1” đã giúp 12 hội viên thoát nghèo.")
    assert len(items) == 1
    items = run("Đoàn xã có mô hình “Thứ Bảy xanh” và mô hình \"Thứ Bảy  xanh!\".")
    assert len(items) == 1


def test_different_numbers_stay_different_models():
    items = run("Chi bộ xây dựng mô hình “Tổ 3 tốt” và mô hình “Tổ 5 tốt”.")
    assert names(items) == {"Tổ 3 tốt", "Tổ 5 tốt"}


def test_the_unit_after_a_later_model_is_not_the_earlier_ones():
    items = run("Đảng bộ xã Phú Mỹ đăng ký mô hình “Ngày Chủ nhật xanh” và mô hình “Bếp ăn 0 đồng” của "
                "Chi bộ trạm Y tế xã.")
    assert org_of(items, "Ngày Chủ nhật xanh") == "Đảng bộ xã Phú Mỹ"
    assert org_of(items, "Bếp ăn 0 đồng") == "Chi bộ trạm Y tế xã"


def test_organization_from_the_sentence_before_in_the_same_paragraph():
    items = run("Báo cáo của Ban Dân vận Huyện ủy Lạc Sơn",
                "Chi bộ thôn Nà Lầu có nhiều cách làm hay. Nổi bật là mô hình “Bữa cơm đoàn kết”.")
    assert org_of(items, "Bữa cơm đoàn kết") == "Chi bộ thôn Nà Lầu"
    assert items[0].confidence < 0.92
