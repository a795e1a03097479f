"""Date parsing: numeric, worded, day-month with a supplied year, datelines."""

import pytest

from extractors.dates import (find_datelines, find_day_months, find_full_dates, make_iso, parse_date,
                              years_in)


@pytest.mark.parametrize("s,iso", [
    ("ban hành ngày 31/10/2019 của Ban Thường vụ", "2019-10-31"),
    ("ngày 16-6-2022", "2022-06-16"),
    ("ngày 5.9.2021", "2021-09-05"),
    ("ngày 14 tháng 4 năm 2026", "2026-04-14"),
    ("ngày 03 tháng 02, năm 2020", "2020-02-03"),
    ("ngày 08 - 7 - 2019", "2019-07-08"),
    ("hôm 01/01/2000", "2000-01-01"),
])
def test_full_dates(s, iso):
    assert parse_date(s) == iso


@pytest.mark.parametrize("s", [
    "ngày 31/02/2020",  # no such day
    "ngày 12/13/2020",  # no such month
    "Nghị định 30/2020/NĐ-CP",  # a document number, not a date
    "có 42/90 chi bộ",
    "năm 2021",
    "",
])
def test_not_dates(s):
    assert parse_date(s) is None
    assert find_full_dates(s) == []


def test_day_month_needs_a_year():
    assert parse_date("Sáng ngày 9/4, Hội Nông dân tổ chức") is None
    assert parse_date("Sáng ngày 9/4, Hội Nông dân tổ chức", 2024) == "2024-04-09"
    assert parse_date("Chiều 21-11, tại hội trường", 2018) == "2018-11-21"
    assert parse_date("Chiều 2.10, tại hội trường", 2019) == "2019-10-02"
    assert parse_date("ngày 7 tháng 8, Ban Dân vận", 2015) == "2015-08-07"


def test_day_month_spans():
    s = "Sáng 9/4 và chiều 12-5"
    found = find_day_months(s)
    assert [(d, m) for _, _, d, m in found] == [(9, 4), (12, 5)]
    for a, b, _, _ in found:
        assert s[a:b] in ("9/4", "12-5")


def test_day_month_skips_full_dates_and_numbers():
    assert find_day_months("ngày 31/10/2019") == []
    assert find_day_months("số 30/2020/NĐ-CP") == []


def test_full_date_spans_round_trip():
    s = "Kế hoạch số 12-KH/ĐU ngày 20/11/2023 và ngày 3 tháng 5 năm 2024"
    found = find_full_dates(s)
    assert [iso for _, _, iso in found] == ["2023-11-20", "2024-05-03"]
    assert s[found[0][0]:found[0][1]] == "20/11/2023"
    assert s[found[1][0]:found[1][1]] == "3 tháng 5 năm 2024"


def test_datelines():
    s = "ĐẢNG BỘ XÃ AN PHÚ\nAn Phú, ngày 12 tháng 3 năm 2025\nKẾ HOẠCH"
    lines = find_datelines(s)
    assert len(lines) == 1
    a, b, iso, place = lines[0]
    assert iso == "2025-03-12"
    assert place == "An Phú"
    assert s[a:b].startswith("An Phú, ngày 12")


def test_dateline_over_a_line_break():
    assert find_datelines("Cà Mau, ngày 07\ntháng 10 năm 2022")[0][2] == "2022-10-07"


def test_make_iso_and_years():
    assert make_iso(2024, 2, 29) == "2024-02-29"
    assert make_iso(2023, 2, 29) is None
    assert make_iso(None, 1, 1) is None
    assert years_in("giai đoạn 2020 - 2025, năm 1990, năm 1930 và số 12345") == [2020, 2025, 1990]


def test_full_date_at_and_day_month_year():
    import re

    from extractors.dates import DAY_MONTH_YEAR, day_month_year, full_date_at
    s = "Kế hoạch số 3-KH/ĐU ngày 04/02/2021 và Sáng 9.4"
    assert full_date_at(s, s.index("04/")) == "2021-02-04"
    assert full_date_at(s, s.index("ngày")) is None
    pat = re.compile(rf"Sáng\s+(?:{DAY_MONTH_YEAR})")
    assert day_month_year(pat.search(s)) == (9, 4, None)
    assert day_month_year(re.search(DAY_MONTH_YEAR, "ngày 5 tháng 7 năm 2023")) == (5, 7, 2023)


# --- dotted day.month, as news leads write it ("Chiều 22.4") --------------------------------------

@pytest.mark.parametrize("s,year,iso", [
    ("Chiều 22.4, Đảng ủy Quân sự thị xã sơ kết", 2023, "2023-04-22"),
    ("Chiều 22.4.2023, Huyện ủy tổ chức hội nghị", None, "2023-04-22"),
    ("Sáng 6/10, Ban Dân vận tổ chức hội nghị", 2022, "2022-10-06"),
    ("Sáng 06.10, Ban Dân vận tổ chức hội nghị", 2022, "2022-10-06"),
])
def test_dotted_and_slashed_day_month(s, year, iso):
    assert parse_date(s, year) == iso


def test_dotted_day_month_without_a_year_gives_nothing():
    assert parse_date("Chiều 22.4, Đảng ủy Quân sự thị xã sơ kết") is None
    assert find_day_months("Chiều 22.4, Đảng ủy") == [(6, 10, 22, 4)]


def test_a_decimal_is_no_day_month():
    assert find_day_months("tăng 22.45 lần") == []
    assert find_day_months("đạt 98.5%") == []
