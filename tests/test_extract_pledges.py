"""Pledges: counts under registration or commitment verbs, and what is not one."""

from __future__ import annotations

from extractors.pledges import extract
from pipeline.model import Block
from pipeline.nlp import make_doc
from pipeline.normalize import normalize


def run(*paragraphs: str):
    t = normalize([Block(p, index=i) for i, p in enumerate(paragraphs)])
    items = extract(make_doc(t.text), t)
    for it in items:
        # spans round-trip: the span holds the number and the unit
        span = t.text[it.start:it.end]
        assert (it.value["unit"] in span or str(it.value["value"]) in span.replace(".", "")
                or str(it.value["value"]).replace(".", ",") in span)
        assert 0.0 <= it.confidence <= 1.0
    return items


def triples(items):
    return {(i.value["value"], i.value["kind"], i.value["unit"]) for i in items}


def by_value(items, value):
    return next(i for i in items if i.value["value"] == value)


def test_subject_then_registration_verb():
    items = run("Toàn huyện có 215 đảng viên đăng ký làm theo gương Bác trong năm 2022.")
    assert triples(items) == {(215, "count", "đảng viên")}
    assert items[0].value["subject"] == "Toàn huyện"


def test_object_of_registration_verb_with_coordinated_list_and_breakdown():
    items = run("Đảng bộ Khối đăng ký nêu gương có 512 cá nhân, 38 chi bộ, trong đó có 17 mô hình mới.")
    assert triples(items) == {(512, "count", "cá nhân"), (38, "count", "chi bộ"), (17, "count", "mô hình")}
    assert {i.value["subject"] for i in items} == {"Đảng bộ Khối"}


def test_coordinated_unit_without_own_number():
    items = run("Đến nay, toàn thị xã có hơn 3.100 tập thể, cá nhân đăng ký xây dựng điển hình.")
    assert triples(items) == {(3100, "count", "tập thể, cá nhân")}
    assert items[0].value["subject"] == "toàn thị xã"


def test_percent_share():
    items = run("Các chi bộ đã tổ chức cho 100% cán bộ, đảng viên ký cam kết rèn luyện đạo đức.")
    assert triples(items) == {(100, "percent", "cán bộ, đảng viên")}


def test_approximate_percent():
    items = run("Gần 96% đoàn viên đăng ký thực hiện phần việc thanh niên.")
    assert triples(items) == {(96, "percent", "đoàn viên")}


def test_signing_an_emulation_pact():
    items = run("Tại hội nghị, 8 đơn vị trong Cụm thi đua số 3 đã ký giao ước thi đua năm 2024.")
    assert triples(items) == {(8, "count", "đơn vị")}
    assert items[0].value["subject"] == "Cụm thi đua số 3"


def test_passive_registration():
    items = run("Năm 2022, toàn huyện có 1.045 mô hình được đăng ký thực hiện.")
    assert triples(items) == {(1045, "count", "mô hình")}


def test_number_words_count_units():
    items = run("Mười lăm chi bộ trực thuộc đã đăng ký xây dựng chi bộ kiểu mẫu.")
    assert triples(items) == {(15, "count", "chi bộ")}


def test_ratio_carries_total():
    items = run("Có 27/40 chi, đảng bộ đăng ký thực hiện mô hình mới.")
    it = by_value(items, 27)
    assert it.value["total"] == 40


def test_breakdown_sentence_after_pledge():
    items = run(
        "Cả tỉnh có 2.500 hội viên đăng ký làm theo.",
        "Cụ thể, cấp huyện có 600 hội viên; cấp xã có 1.900 hội viên.",
    )
    assert triples(items) == {(2500, "count", "hội viên"), (600, "count", "hội viên"),
                              (1900, "count", "hội viên")}
    assert by_value(items, 600).value["subject"] == "Cả tỉnh"


def test_bare_number_after_verb_takes_the_unit():
    items = run("Toàn quận có 140 mô hình đang được đăng ký thực hiện. Trong đó, đăng ký mới 52, còn lại từ các năm trước.")
    assert (52, "count", "mô hình") in triples(items)


def test_level_qualifier_is_not_part_of_unit():
    items = run("Đã có 730 cá nhân cấp tỉnh đăng ký nêu gương.")
    assert triples(items) == {(730, "count", "cá nhân")}


def test_awards_are_not_pledges():
    assert run("Ban Thường vụ đã khen thưởng 45 tập thể và 120 cá nhân có thành tích xuất sắc.") == []
    assert run("Hội đồng đã công nhận 60 mô hình đạt hiệu quả trong năm.") == []
    assert run("Tỉnh ủy tặng bằng khen cho 12 chi bộ tiêu biểu.") == []


def test_admissions_and_attendance_are_not_pledges():
    assert run("Trong năm, các chi bộ đã kết nạp 35 đảng viên mới.") == []
    assert run("Tham dự hội nghị có 150 đảng viên của 20 chi bộ trực thuộc.") == []


def test_ratings_targets_and_budgets_are_not_pledges():
    assert run("Năm 2023 có 18 chi bộ hoàn thành xuất sắc nhiệm vụ.") == []
    assert run("Các đơn vị ký giao ước thi đua, phấn đấu 100% chi bộ hoàn thành tốt nhiệm vụ.") == []
    assert run("Kinh phí hỗ trợ 40 hộ nghèo là 200 triệu đồng.") == []


def test_recognised_counts_beside_registered_ones():
    items = run("Toàn thành phố có 310 mô hình được đăng ký, trong đó 205 mô hình được công nhận đạt hiệu quả.")
    assert triples(items) == {(310, "count", "mô hình")}


def test_a_number_in_a_name_is_not_a_count():
    assert run("Cụm thi đua số 7 Thành phố tổ chức ký giao ước thi đua năm 2024.") == []


def test_same_pledge_twice_is_one_item():
    items = run("Đảng bộ xã có 90 chi bộ đăng ký làm theo.",
                "Như đã nêu, Đảng bộ xã có 90 chi bộ đăng ký làm theo Bác.")
    assert len(items) == 1


def test_share_of_units_as_subject_of_a_count():
    items = run("Năm 2023, 100% chi bộ trực thuộc đăng ký 45 mô hình học tập và làm theo Bác.")
    assert triples(items) == {(100, "percent", "chi bộ"), (45, "count", "mô hình")}
    assert by_value(items, 45).value["subject"] == "100% chi bộ trực thuộc"


def test_ratio_with_thousands_and_an_aside():
    items = run("Có 3.500/3.800 đảng viên (đạt 92%) đăng ký làm theo.")
    assert triples(items) == {(3500, "count", "đảng viên")}
    assert items[0].value["total"] == 3800


def test_article_between_number_and_unit():
    items = run("Kết quả, 100% các chi bộ đã đăng ký nêu gương.")
    assert triples(items) == {(100, "percent", "chi bộ")}


def test_a_year_is_not_a_count():
    assert run("Năm 2024 các đơn vị đăng ký thi đua theo kế hoạch.") == []


def test_those_present_who_registered():
    items = run("Kết quả: 27/27 đảng viên có mặt đã đăng ký nêu gương, đạt 100%.")
    assert triples(items) == {(27, "count", "đảng viên")}
    assert run("Tổng số đảng viên: 31 đồng chí; có mặt 28 đảng viên, vắng 3 đảng viên.") == []


def test_quotas_in_a_plan_are_not_pledges():
    assert run("Mỗi chi bộ đăng ký ít nhất 02 mô hình, mỗi đảng viên đăng ký 01 việc làm cụ thể.") == []


def test_count_given_as_a_predicate():
    items = run("Số đảng viên đăng ký nêu gương năm 2024 là 245 đồng chí.")
    assert triples(items) == {(245, "count", "đồng chí")}
    assert items[0].value["subject"] is None
    assert run("Tổng số đảng viên của chi bộ là 32 đồng chí, có mặt 29 đồng chí.") == []


def test_not_yet_registered_is_not_a_pledge():
    assert run("Vẫn còn 7 đảng viên chưa đăng ký nêu gương.") == []
    items = run("Có 120 đảng viên đăng ký, 9 đảng viên không đăng ký.")
    assert triples(items) == {(120, "count", "đảng viên")}


# --- lists under a registration heading ----------------------------------------

def test_list_lines_under_a_registration_heading():
    items = run(
        "Ban Thường vụ Đảng ủy phường Hòa Lạc phát động thi đua năm 2025.",
        "Kết quả đăng ký thi đua cụ thể như sau:",
        "- Tập thể lao động tiên tiến: 57 tập thể;",
        "- Chiến sĩ thi đua cơ sở: 19 cá nhân;",
        "- Lao động tiên tiến: 412 cá nhân.",
        "Hội nghị cũng thông qua quy chế hoạt động năm 2025 với 14 điều.",
    )
    assert triples(items) == {(57, "count", "tập thể"), (19, "count", "cá nhân"), (412, "count", "cá nhân")}
    assert all(i.confidence < 0.9 for i in items)  # read from a list, not from a verb next to its count


def test_numbered_list_lines_and_a_bare_label_count():
    items = run(
        "Đảng bộ xã Tân Phong đăng ký danh hiệu thi đua năm 2024 như sau:",
        "1. Chi bộ trong sạch, vững mạnh tiêu biểu: 6 chi bộ",
        "2. Đảng viên hoàn thành xuất sắc nhiệm vụ: 23 đảng viên",
        "3. Tập thể lao động xuất sắc: 4",
    )
    assert triples(items) == {(6, "count", "chi bộ"), (23, "count", "đảng viên"), (4, "count", "tập thể")}
    assert {i.value["subject"] for i in items} == {"Đảng bộ xã Tân Phong"}


def test_inline_list_after_a_heading_colon():
    items = run("Kết quả đăng ký thi đua năm 2024 như sau: - Tập thể lao động tiên tiến: 88 tập thể; "
                "- Chiến sĩ thi đua cơ sở: 15 cá nhân; - Bằng khen của UBND tỉnh: 3 tập thể.")
    assert triples(items) == {(88, "count", "tập thể"), (15, "count", "cá nhân")}


def test_awards_in_a_list_stay_out():
    items = run(
        "Kết quả đăng ký và bình xét cuối năm cụ thể như sau:",
        "- Đăng ký danh hiệu Lao động tiên tiến: 140 cá nhân;",
        "- Được công nhận Lao động tiên tiến: 131 cá nhân;",
        "- Được khen thưởng: 12 tập thể.",
    )
    assert triples(items) == {(140, "count", "cá nhân")}


def test_an_award_heading_opens_no_list():
    assert run("Kết quả khen thưởng năm 2024 như sau:", "- Tập thể lao động xuất sắc: 9 tập thể;",
               "- Chiến sĩ thi đua cơ sở: 21 cá nhân.") == []
    assert run("Số cá nhân chưa đăng ký thi đua như sau:", "- Khối cơ quan: 14 cá nhân;",
               "- Khối trường học: 9 cá nhân.") == []


def test_the_list_ends_with_the_first_ordinary_sentence():
    items = run(
        "Kết quả đăng ký xây dựng mô hình như sau:",
        "- Lĩnh vực kinh tế: 32 mô hình;",
        "- Lĩnh vực văn hóa - xã hội: 18 mô hình.",
        "Năm 2024 có 45 hộ gia đình thoát nghèo.",
    )
    assert triples(items) == {(32, "count", "mô hình"), (18, "count", "mô hình")}


# --- subjects -------------------------------------------------------------------

def test_adverbial_openers_are_not_subjects():
    items = run("Theo giao ước thi đua, năm 2024, 12 đơn vị đã ký kết thực hiện các nội dung thi đua.")
    assert triples(items) == {(12, "count", "đơn vị")}
    assert items[0].value["subject"] != "Theo"
    items = run("Trong năm 2024 toàn huyện Yên Hòa có 230 đảng viên đăng ký làm theo.")
    assert items[0].value["subject"] == "toàn huyện Yên Hòa"
    items = run("Qua đợt sinh hoạt chính trị, Đảng bộ xã Lộc Thành có 41 đảng viên đăng ký nêu gương.")
    assert items[0].value["subject"] == "Đảng bộ xã Lộc Thành"


def test_owner_after_the_unit_is_the_subject():
    items = run("Đến nay, 97% đảng viên của khối các cơ quan huyện đã đăng ký nêu gương.")
    assert triples(items) == {(97, "percent", "đảng viên")}
    assert items[0].value["subject"] == "khối các cơ quan huyện"


def test_subject_from_the_clause_before():
    items = run("Đảng ủy xã Hưng Lợi đã phát động thi đua, kết quả có 14 chi bộ đăng ký xây dựng chi bộ kiểu mẫu.")
    assert triples(items) == {(14, "count", "chi bộ")}
    assert items[0].value["subject"] == "Đảng ủy xã Hưng Lợi"


# --- negation ----------------------------------------------------------------------

def test_negation_between_count_and_verb_blocks_it():
    assert run("Đến hạn, vẫn còn 6 chi, đảng bộ cơ sở và 93 đảng viên chưa gửi bản đăng ký.") == []
    assert run("Có 4 chi bộ không có bản cam kết theo quy định.") == []
    assert run("Toàn Đảng bộ có 11 đảng viên chưa có bản đăng ký nêu gương.") == []
    items = run("Toàn Đảng bộ có 310 đảng viên đăng ký nêu gương, không chỉ cán bộ chủ chốt.")
    assert triples(items) == {(310, "count", "đảng viên")}


# --- nearest number, borrowed unit -------------------------------------------------

def test_a_verb_governs_the_closer_number_with_a_borrowed_unit():
    items = run("Có 98,5% hội viên được quán triệt nội dung chuyên đề và 100% đăng ký phấn đấu làm theo.")
    assert triples(items) == {(100, "percent", "hội viên")}
    assert items[0].confidence < 0.9


def test_a_number_after_the_verb_is_not_borrowed_without_a_mention():
    assert run("Tại hội nghị, và 100% đăng ký.") == []


# --- long units ---------------------------------------------------------------------

def test_long_coordinated_units_with_luot():
    items = run("Đã có 2.150 lượt cán bộ, đảng viên, công nhân viên chức đăng ký học tập và làm theo.")
    assert triples(items) == {(2150, "count", "lượt cán bộ, đảng viên, công nhân viên chức")}
    items = run("Có 830 đoàn viên công đoàn và 260 hội viên phụ nữ ký cam kết không vi phạm pháp luật giao thông.")
    assert (830, "count", "đoàn viên công đoàn") in triples(items)


# --- confidence --------------------------------------------------------------------

def test_confidence_follows_the_evidence():
    tight = run("Toàn huyện có 215 đảng viên đăng ký làm theo gương Bác.")[0]
    assert tight.confidence >= 0.9
    far = run("Các chi bộ có 62 đảng viên sau khi nghe quán triệt và thảo luận các nội dung chuyên đề đã đăng ký.")
    assert far and far[0].confidence < 0.9
    risky = run("Có 40 đảng viên đăng ký nêu gương, 12 đảng viên được khen thưởng.")
    assert triples(risky) == {(40, "count", "đảng viên")}
    assert risky[0].confidence < 0.9


def test_other_senses_of_the_verbs_are_not_pledges():
    assert run("Trong tháng, xã đã đăng ký kết hôn cho 24 cặp và đăng ký khai sinh cho 61 trẻ em.") == []
    assert run("Năm 2024 có 35 hộ gia đình đăng ký kinh doanh mới.") == []
    assert run("Huyện đã ký kết hợp đồng với 3 doanh nghiệp bao tiêu sản phẩm.") == []


def test_a_section_heading_without_a_registration_ends_the_list():
    items = run(
        "1. Kết quả đăng ký thi đua:",
        "- Tập thể lao động tiên tiến: 31 tập thể;",
        "2. Kết quả khen thưởng:",
        "- Tập thể lao động xuất sắc: 7 tập thể;",
        "- Chiến sĩ thi đua cơ sở: 5 cá nhân.",
    )
    assert triples(items) == {(31, "count", "tập thể")}


def test_representatives_of_counted_units_keep_the_space():
    items = run("Đại diện công an 3 huyện đã ký cam kết thực hiện phong trào.")
    assert items[0].value["subject"] == "công an 3 huyện"


def test_a_possibly_cut_unit_lowers_confidence():
    items = run("Toàn Đảng bộ có 56 đảng viên dự bị đăng ký nêu gương.")
    assert items and items[0].confidence < 0.9


# --- invented documents with gold records (tests/fixtures/extraction/*/pmt_*) -------

def test_pmt_fixture_documents_score_for_pledges_models_themes(tmp_path):
    """The pmt_ documents of the extraction fixtures, scored with the shared
    scorer on pledges, models and themes only (their other fields are scored
    by test_extraction_fixtures.py)."""
    import shutil
    from pathlib import Path

    import pytest

    from pipeline.evaluate import calibration, load_scorer, predict_dir, run_score, shared_dir

    if not (shared_dir() / "eval" / "score.py").exists():
        pytest.skip("no shared scorer")
    fx = Path(__file__).parent / "fixtures" / "extraction"
    docs, gold, pred = tmp_path / "docs", tmp_path / "gold", tmp_path / "pred"
    docs.mkdir()
    gold.mkdir()
    for p in sorted((fx / "docs").glob("pmt_*")):
        shutil.copy(p, docs / p.name)
        shutil.copy(fx / "gold" / f"{p.stem}.json", gold / f"{p.stem}.json")
    assert len(list(docs.iterdir())) >= 4
    assert not predict_dir(docs, pred, ("pledges", "models", "themes"))
    res, table = run_score(gold, pred, verbose=True)
    print(table)
    # These documents were written to exercise the rules' list forms; the trained model
    # is not trained on them, and lists headed "… như sau:" are rarer in the dev set it
    # learns from: pledges measured 0.75 with the shipped model (lists are its misses).
    for field, floor in (("pledges", 0.7), ("models", 0.9), ("themes", 0.9)):
        assert res["fields"][field]["f1"] >= floor, (field, res["fields"][field])
    rows = calibration(load_scorer(), gold, pred)
    hi = [r for r in rows if r["from"] >= 0.9]
    n, k = sum(r["items"] for r in hi), sum(r["right"] for r in hi)
    assert n == 0 or k >= n - max(1, round(0.05 * n)), rows  # 95 %, one slip allowed on a small sample


def test_awarded_registrants_are_not_pledges():
    assert run("Ban Thường vụ đã tặng giấy khen cho 30 đảng viên đã đăng ký và thực hiện tốt việc nêu gương.") == []


def test_a_verb_does_not_reach_past_its_object_to_another_count():
    items = run("Chi hội đăng ký 12 mô hình với 300 hội viên tham gia.")
    assert triples(items) == {(12, "count", "mô hình")}


def test_unit_named_in_a_label_before_the_verb():
    items = run("Số tập thể đăng ký thi đua: 64; số cá nhân đăng ký thi đua: 517.")
    assert triples(items) == {(64, "count", "tập thể"), (517, "count", "cá nhân")}
    items = run("Tỷ lệ đảng viên đăng ký nêu gương đạt 98,5%.")
    assert triples(items) == {(98.5, "percent", "đảng viên")}
    assert run("Số đảng viên chưa đăng ký: 7.") == []
    assert run("Số tập thể đăng ký được công nhận: 40.") == []
    assert run("Tỷ lệ đảng viên đăng ký đạt 45 người.") == []


def test_out_of_a_total_and_withdrawals():
    items = run("Hiện tại mới có 56 trên tổng số 80 chi bộ gửi bản đăng ký.")
    assert triples(items) == {(56, "count", "chi bộ")}
    assert items[0].value["total"] == 80
    assert run("Có 3 đảng viên xin rút đăng ký.") == []


def test_set_targets_and_cooperation_programmes_are_not_pledges():
    assert run("Kế hoạch đề ra 100% chi bộ đăng ký mô hình.") == []
    assert run("Hai bên cùng 12 đơn vị đã ký kết chương trình phối hợp giai đoạn 2024-2028.") == []
    assert run("Hội đã vận động 420 hội viên đăng ký tham gia bảo hiểm y tế.") == []


def test_delegates_who_signed():
    items = run("Hội nghị có 120 đại biểu tham dự, 100% đại biểu ký cam kết thực hiện.")
    assert triples(items) == {(100, "percent", "đại biểu")}


def test_a_results_heading_after_a_registration_sentence_opens_a_list():
    items = run("Đầu năm, Đảng ủy xã Phước Lộc chỉ đạo các chi bộ tổ chức cho đảng viên đăng ký nêu gương. Kết quả như sau:",
                "- Khối cơ quan: 86 đảng viên;",
                "- Khối thôn, ấp: 241 đảng viên.")
    assert triples(items) == {(86, "count", "đảng viên"), (241, "count", "đảng viên")}
    assert {i.value["subject"] for i in items} == {"Đảng ủy xã Phước Lộc"}
    assert run("Đảng ủy xã tổ chức hội nghị tổng kết. Kết quả như sau:", "- Khối cơ quan: 86 đảng viên;") == []


def test_business_registrations_are_not_pledges():
    assert run("Trong năm, toàn huyện có 15 doanh nghiệp đăng ký mới với tổng vốn 120 tỷ đồng.") == []
    items = run("Có 9 doanh nghiệp đăng ký thực hiện phong trào “Doanh nghiệp vì cộng đồng”.")
    assert triples(items) == {(9, "count", "doanh nghiệp")}


def test_subject_across_a_time_adverbial_and_after_tai():
    items = run("Đảng ủy phường Tân An, năm 2024, có 28 chi bộ đăng ký xây dựng chi bộ kiểu mẫu.")
    assert items[0].value["subject"] == "Đảng ủy phường Tân An"
    items = run("Tại Đảng bộ xã Phú Điền, có 33 đảng viên đăng ký nêu gương.")
    assert items[0].value["subject"] == "Đảng bộ xã Phú Điền"
    items = run("Tại hội nghị, 18 đơn vị đã ký giao ước thi đua.")
    assert items[0].value["subject"] != "hội nghị"


def test_a_plural_unit_clause_is_a_topic():
    items = run("Các chi bộ trực thuộc Đảng bộ xã Hòa Tiến đã tổ chức cho 100% đảng viên đăng ký làm theo.")
    assert items[0].value["subject"] == "Các chi bộ trực thuộc Đảng bộ xã Hòa Tiến"


def test_a_count_inside_a_narrative_list_item_is_not_read():
    items = run("Các chi bộ đăng ký thực hiện như sau:",
                "- 12 chi bộ: xây dựng chi bộ kiểu mẫu;",
                "- Tổ chức 15 buổi tuyên truyền cho 2.300 hội viên.")
    assert triples(items) == {(12, "count", "chi bộ")}


def test_a_verb_phrase_before_the_count_is_no_subject():
    items = run("Năm 2024 tổ chức cho 300 lao động ký cam kết an toàn.")
    assert triples(items) == {(300, "count", "lao động")}
    assert items[0].value["subject"] is None
    items = run("Có 5.600 lượt cán bộ, đảng viên và quần chúng nhân dân ký cam kết.")
    assert triples(items) == {(5600, "count", "lượt cán bộ, đảng viên và quần chúng nhân dân")}


def test_a_planned_registration_is_not_sure():
    items = run("Dự kiến có 40 chi bộ sẽ đăng ký xây dựng chi bộ kiểu mẫu.")
    assert all(i.confidence < 0.9 for i in items)


def test_several_counts_on_one_list_line():
    items = run("Kết quả đăng ký xây dựng điển hình như sau:",
                "- Cấp huyện: 64 tập thể, 51 cá nhân;",
                "- Cấp xã: 230 tập thể và 418 cá nhân.")
    assert triples(items) == {(64, "count", "tập thể"), (51, "count", "cá nhân"),
                              (230, "count", "tập thể"), (418, "count", "cá nhân")}


def test_a_line_opening_with_the_unit_and_the_verb_before_a_colon():
    items = run("Đảng viên đăng ký nêu gương: 1.245 (đạt 98%).")
    assert triples(items) == {(1245, "count", "đảng viên")}
    assert run("Đảng viên được khen thưởng: 45.") == []
