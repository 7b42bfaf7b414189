"""Properties of challan and consumer numbers for every valid input."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from rules.numbers import (
    ChallanNumber,
    consumer_number,
    format_challan_number,
    is_consumer_number,
    parse_challan_number,
    parse_consumer_number,
)

cities = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=3, max_size=3)
years = st.integers(min_value=2000, max_value=9999)
sequences = st.integers(min_value=1, max_value=99_999_999)
prefixes = st.text(alphabet="0123456789", min_size=5, max_size=5)
serials = st.integers(min_value=0, max_value=9_999_999_999)


@given(cities, years, sequences)
def test_challan_numbers_round_trip(city, year, sequence):
    text = format_challan_number(city, year, sequence)
    assert len(text) == 17
    assert parse_challan_number(text) == ChallanNumber(city, year, sequence)


@given(prefixes, serials, st.integers(min_value=0, max_value=15), st.integers(1, 9))
def test_consumer_numbers_round_trip_and_catch_any_single_digit_error(prefix, serial, pos, delta):
    number = consumer_number(prefix, serial)
    assert parse_consumer_number(number, prefix) == (prefix, serial)
    wrong = str((int(number[pos]) + delta) % 10)
    assert not is_consumer_number(number[:pos] + wrong + number[pos + 1 :])
