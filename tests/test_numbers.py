"""Vietnamese number parsing: digits, words, shares, ratios."""

from __future__ import annotations

import pytest

from extractors.numbers import find_numbers, parse_digits, parse_number, parse_words


@pytest.mark.parametrize("written, value", [
    ("1.600", 1600),
    ("2.345", 2345),
    ("12.000.000", 12000000),
    ("0,4", 0.4),
    ("3,75", 3.75),
    ("01", 1),
    ("09", 9),
    ("250", 250),
    ("7.5", 7.5),
])
def test_digits(written, value):
    assert parse_digits(written) == value


@pytest.mark.parametrize("written", ["", "abc", "1a", ".5"])
def test_digits_rejects(written):
    assert parse_digits(written) is None


@pytest.mark.parametrize("written, value", [
    ("một", 1),
    ("hai", 2),
    ("bốn", 4),
    ("năm", 5),
    ("mười", 10),
    ("mười một", 11),
    ("mười lăm", 15),
    ("hai mươi", 20),
    ("hai mươi mốt", 21),
    ("ba mươi tư", 34),
    ("chín mươi chín", 99),
    ("một trăm", 100),
    ("hai trăm linh năm", 205),
    ("ba trăm bốn mươi bảy", 347),
    ("một nghìn hai trăm", 1200),
    ("Mười Hai", 12),
])
def test_words(written, value):
    assert parse_words(written) == value


@pytest.mark.parametrize("written", ["lăm", "mươi", "mốt", "hai mươi mười", "một một", "tư"])
def test_words_rejects(written):
    assert parse_words(written) is None


def test_parse_number_either_way():
    assert parse_number("3.200") == 3200
    assert parse_number("mười tám") == 18
    assert parse_number("xyz") is None


def _only(text):
    found = find_numbers(text)
    assert len(found) == 1, found
    return found[0]


def test_percent_with_approximation():
    n = _only("Có gần 98% hội viên tham gia.")
    assert (n.value, n.kind, n.approx) == (98, "percent", "gần")
    n = _only("hơn 85 % đoàn viên")
    assert (n.value, n.kind, n.approx) == (85, "percent", "hơn")


def test_ratio_keeps_total():
    n = _only("có 37/52 chi, đảng bộ hoàn thành")
    assert (n.value, n.total, n.kind) == (37, 52, "count")


def test_dates_and_month_years_are_not_ratios():
    text = "ngày 15/4/2022 và tháng 6/2023"
    assert all(n.total is None for n in find_numbers(text))
    assert not any(n.value in (15, 6) and n.total for n in find_numbers(text))


def test_words_in_text_and_spans():
    text = "Có mười hai chi bộ và 1.250 đảng viên."
    found = find_numbers(text)
    values = [(n.value, n.words, text[n.start:n.end]) for n in found]
    assert (12, True, "mười hai") in values
    assert (1250, False, "1.250") in values


def test_decimal_comma_in_text():
    n = _only("diện tích 2,5 ha")
    assert n.value == 2.5


def test_decimal_share_and_a_share_coordinated_after_it():
    found = find_numbers("có 99,36% hội viên được học tập và 100% đăng ký")
    assert [(n.value, n.kind) for n in found] == [(99.36, "percent"), (100, "percent")]


def test_luot_counts_and_out_of_totals_read_as_plain_numbers():
    found = find_numbers("3.400 lượt cán bộ; 56 trên tổng số 80 chi bộ")
    assert [n.value for n in found] == [3400, 56, 80]
