"""Plate text rules: display forms, separator-blind comparison, confusables, flags."""

from __future__ import annotations

import pytest

from ocr import plates


@pytest.mark.parametrize(
    ("raw", "region", "expected"),
    [
        ("AZU290", None, "AZU-290"),
        ("ac4903", None, "AC-4903"),
        ("LEA132293", None, "LEA-13-2293"),
        ("LEA132293", "punjab", "LEA-13-2293"),
        ("R8501", None, "R-8501"),
        ("TD483C", None, "TD-483C"),
        ("LEB174201A", None, "LEB-17-4201A"),
        ("FD13958", None, "FD-13-958"),
        ("LEE0845", "punjab", "LEE-08-45"),
        ("GAS1500", "punjab_plain", "GAS-1500"),
        ("AMD-868", "ict", "AMD-868"),
        ("AUH9", "sindh", "AUH-9"),
    ],
)
def test_display_form(raw: str, region: str | None, expected: str) -> None:
    assert plates.display(raw, region) == expected


def test_same_plate_ignores_separators_and_case() -> None:
    assert plates.same_plate("AZU-290", "azu 290")
    assert plates.same_plate("LEA-13-2293", "LEA132293")
    assert not plates.same_plate("ASF-813", "ASF-613")


@pytest.mark.parametrize(
    ("raw", "region", "fixed"),
    [
        ("AZU2O0", "sindh", "AZU200"),  # O in a digit slot is a zero
        ("A2U290", "sindh", "AZU290"),  # 2 in a letter slot is a Z
        ("8GC771", "sindh", "BGC771"),
        ("LEA1322S3", "punjab", "LEA132253"),
        ("5D109", "sindh", "SD109"),
        ("ASF8I3", None, "ASF813"),
    ],
)
def test_confusables_are_corrected_only_where_the_slot_demands(
    raw: str, region: str | None, fixed: str
) -> None:
    read = plates.parse(raw, region)
    assert (read.text, read.valid) == (fixed, True)
    assert read.corrections >= 1


def test_a_valid_read_is_left_alone() -> None:
    read = plates.parse("BGC771")
    assert (read.text, read.corrections, read.valid, read.layout) == ("BGC771", 0, True, "sindh")


@pytest.mark.parametrize(
    "raw", ["", "1234", "ABCD123", "AB12345678", "A#?", "XY12Q4", "LEA1322934567", "5D1O9"]
)
def test_text_fitting_no_layout_is_flagged_not_fixed(raw: str) -> None:
    read = plates.parse(raw)
    assert not read.valid
    assert read.display is None
    assert read.text == plates.canonical(raw)


def test_wrong_region_guess_falls_back_to_the_text() -> None:
    # A Sindh read the region head took for Punjab still gets its display form.
    assert plates.display("BGC771", "punjab") == "BGC-771"


def test_suffix_letter_reads_as_a_suffix_not_a_confusable() -> None:
    # Sindh re-issues carry a suffix letter, so a trailing O is kept as read.
    assert plates.parse("AZU29O", "sindh").text == "AZU29O"
    assert plates.display("TD483C", "sindh") == "TD-483C"


def test_a_read_that_fits_as_it_stands_is_not_corrected_toward_the_region_guess() -> None:
    # C-8649 (old Karachi) fits as read; the region head's "punjab_old" (2-3 letters) must
    # not turn its 8 into a B. A real misread of this kind happened on pk-dev.
    read = plates.parse("C8649", "punjab_old")
    assert (read.text, read.corrections, read.display) == ("C8649", 0, "C-8649")
