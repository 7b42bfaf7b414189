"""Challan numbers and 1Link 1Bill consumer numbers: make them, read them back, check them.

Challan number: `KHI-2026-00001234` = city code (3 capital letters), issue year (4 digits), and a
per-city, per-year sequence (8 digits, 1..99,999,999, zero-padded). The sequence itself comes from
the database; this module only formats and validates.

1Bill consumer number: 16 digits = biller prefix (5 digits, assigned to the biller by 1Link; give
each city its own prefix) + serial (10 digits) + one Luhn check digit over the 15 before it. The
Luhn digit catches every single-digit typo and most adjacent swaps at a bank counter or ATM. The
default serial is the challan's year (2 digits) and sequence (8 digits), unique per biller prefix
for a century. Such serials are guessable, so a BillInquiry must never reveal more than the bill
needs (amount, due date, a masked name).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rules.errors import InvalidInput

SEQUENCE_DIGITS = 8
BILLER_PREFIX_DIGITS = 5
SERIAL_DIGITS = 10
CONSUMER_NUMBER_DIGITS = BILLER_PREFIX_DIGITS + SERIAL_DIGITS + 1

_CHALLAN = re.compile(r"([A-Z]{3})-([0-9]{4})-([0-9]{8})")


@dataclass(frozen=True)
class ChallanNumber:
    """A challan number's parts."""

    city: str
    year: int
    sequence: int

    def __str__(self) -> str:
        """Return the printed form, e.g. KHI-2026-00001234."""
        return format_challan_number(self.city, self.year, self.sequence)


def format_challan_number(city: str, year: int, sequence: int) -> str:
    """Return the challan number for `sequence` in `city` and `year`."""
    if not re.fullmatch(r"[A-Z]{3}", city):
        raise InvalidInput(f"city code must be 3 capital letters, got {city!r}")
    if not 2000 <= year <= 9999:
        raise InvalidInput(f"year out of range: {year!r}")
    if not 1 <= sequence < 10**SEQUENCE_DIGITS:
        raise InvalidInput(f"sequence must be 1..{10**SEQUENCE_DIGITS - 1}, got {sequence!r}")
    return f"{city}-{year:04d}-{sequence:0{SEQUENCE_DIGITS}d}"


def parse_challan_number(text: str) -> ChallanNumber:
    """Return the parts of a challan number; surrounding spaces and lower case are forgiven."""
    match = _CHALLAN.fullmatch(str(text).strip().upper())
    if match is None or int(match[3]) == 0 or int(match[2]) < 2000:
        raise InvalidInput(f"not a challan number: {text!r}", expected="KHI-2026-00001234")
    return ChallanNumber(match[1], int(match[2]), int(match[3]))


def is_challan_number(text: str) -> bool:
    """Tell whether `text` is a well-formed challan number."""
    try:
        parse_challan_number(text)
    except InvalidInput:
        return False
    return True


def luhn_digit(digits: str) -> str:
    """Return the Luhn check digit to append to the decimal string `digits`."""
    if not digits.isdigit() or not digits.isascii():
        raise InvalidInput(f"Luhn needs decimal digits, got {digits!r}")
    total = 0
    # Double every second digit counting from the right, starting with the rightmost.
    for position, char in enumerate(reversed(digits)):
        value = int(char) * (2 if position % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return str((10 - total % 10) % 10)


def consumer_serial(year: int, sequence: int) -> int:
    """Return the default 10-digit serial for a challan: 2-digit year then 8-digit sequence."""
    format_challan_number("KHI", year, sequence)  # validates year and sequence
    return (year % 100) * 10**SEQUENCE_DIGITS + sequence


def consumer_number(biller_prefix: str, serial: int) -> str:
    """Return the 16-digit 1Bill consumer number for `serial` under `biller_prefix`."""
    if not (biller_prefix.isascii() and biller_prefix.isdigit()) or len(biller_prefix) != 5:
        raise InvalidInput(f"biller prefix must be 5 digits, got {biller_prefix!r}")
    if not 0 <= serial < 10**SERIAL_DIGITS:
        raise InvalidInput(f"serial must be 0..{10**SERIAL_DIGITS - 1}, got {serial!r}")
    body = f"{biller_prefix}{serial:0{SERIAL_DIGITS}d}"
    return body + luhn_digit(body)


def parse_consumer_number(text: str, biller_prefix: str | None = None) -> tuple[str, int]:
    """Return (biller prefix, serial) of a valid consumer number, or raise InvalidInput."""
    digits = str(text).strip().replace(" ", "").replace("-", "")
    if not (digits.isascii() and digits.isdigit()) or len(digits) != CONSUMER_NUMBER_DIGITS:
        raise InvalidInput(f"consumer number must be {CONSUMER_NUMBER_DIGITS} digits: {text!r}")
    if luhn_digit(digits[:-1]) != digits[-1]:
        raise InvalidInput(f"consumer number check digit is wrong: {text!r}")
    prefix = digits[:BILLER_PREFIX_DIGITS]
    if biller_prefix is not None and prefix != biller_prefix:
        raise InvalidInput(f"consumer number belongs to biller {prefix}, not {biller_prefix}")
    return prefix, int(digits[BILLER_PREFIX_DIGITS:-1])


def is_consumer_number(text: str, biller_prefix: str | None = None) -> bool:
    """Tell whether `text` is a valid consumer number (of `biller_prefix`, when given)."""
    try:
        parse_consumer_number(text, biller_prefix)
    except InvalidInput:
        return False
    return True
