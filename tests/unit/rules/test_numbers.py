"""Challan numbers and 1Bill consumer numbers."""

from __future__ import annotations

import itertools

import pytest

from rules.errors import InvalidInput
from rules.numbers import (
    ChallanNumber,
    consumer_number,
    consumer_serial,
    format_challan_number,
    is_challan_number,
    is_consumer_number,
    luhn_digit,
    parse_challan_number,
    parse_consumer_number,
)


def test_format_and_parse_round_trip():
    text = format_challan_number("KHI", 2026, 1234)
    assert text == "KHI-2026-00001234"
    assert parse_challan_number(text) == ChallanNumber("KHI", 2026, 1234)
    assert str(ChallanNumber("LHR", 2027, 99_999_999)) == "LHR-2027-99999999"


def test_parse_forgives_case_and_spaces():
    assert parse_challan_number("  khi-2026-00000001 ") == ChallanNumber("KHI", 2026, 1)


@pytest.mark.parametrize(
    ("city", "year", "sequence"),
    [("KH", 2026, 1), ("khi", 2026, 1), ("KHI", 1999, 1), ("KHI", 2026, 0), ("KHI", 2026, 10**8)],
)
def test_format_refuses_out_of_range_parts(city, year, sequence):
    with pytest.raises(InvalidInput):
        format_challan_number(city, year, sequence)


@pytest.mark.parametrize(
    "text",
    [
        "KHI-2026-1234",
        "KHI2026-00001234",
        "KHI-2026-00001234-",
        "KHI-2026-00000000",
        "K1I-2026-00001234",
        "KHI-0999-00001234",
        "KHI-2026-0000123٤",
        "",
    ],
)
def test_parse_refuses_malformed(text):
    with pytest.raises(InvalidInput):
        parse_challan_number(text)
    assert not is_challan_number(text)


def test_luhn_known_value():
    # The textbook example: 7992739871 has check digit 3.
    assert luhn_digit("7992739871") == "3"
    assert luhn_digit("0") == "0"


def test_consumer_number_shape():
    number = consumer_number("10042", consumer_serial(2026, 1234))
    assert number == "10042" + "2600001234" + luhn_digit("100422600001234")
    assert len(number) == 16 and number.isdigit()
    assert parse_consumer_number(number) == ("10042", 2_600_001_234)
    assert is_consumer_number(number, "10042") and not is_consumer_number(number, "10043")


def test_every_single_digit_typo_is_caught():
    number = consumer_number("10042", consumer_serial(2026, 987_654))
    for position, digit in itertools.product(range(16), "0123456789"):
        if number[position] != digit:
            typo = number[:position] + digit + number[position + 1 :]
            assert not is_consumer_number(typo), typo


def test_adjacent_swaps_are_caught_except_09_90():
    number = consumer_number("10042", consumer_serial(2026, 12_345_678))
    for i in range(15):
        a, b = number[i], number[i + 1]
        if a != b and {a, b} != {"0", "9"}:
            assert not is_consumer_number(number[:i] + b + a + number[i + 2 :])


def test_consumer_numbers_are_unique_across_years_and_sequences():
    numbers = {
        consumer_number("10042", consumer_serial(year, seq))
        for year in (2026, 2027)
        for seq in range(1, 2001)
    }
    assert len(numbers) == 4000


def test_spaces_and_dashes_are_forgiven_when_parsing():
    number = consumer_number("10042", 5)
    spaced = f"{number[:5]} {number[5:10]}-{number[10:]}"
    assert parse_consumer_number(spaced) == ("10042", 5)


@pytest.mark.parametrize(
    ("prefix", "serial"), [("1004", 1), ("1004a", 1), ("10042", -1), ("10042", 10**10)]
)
def test_consumer_number_refuses_bad_parts(prefix, serial):
    with pytest.raises(InvalidInput):
        consumer_number(prefix, serial)


@pytest.mark.parametrize("text", ["", "123", "1004226000012340", "abcdefghijklmnop"])
def test_parse_consumer_number_refuses_malformed(text):
    with pytest.raises(InvalidInput):
        parse_consumer_number(text)


def test_wrong_biller_is_refused():
    with pytest.raises(InvalidInput, match="belongs to biller 10042"):
        parse_consumer_number(consumer_number("10042", 1), "20000")
