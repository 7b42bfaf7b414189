"""Joining one real two-line crop's top line with another's number (OCR training only)."""

from __future__ import annotations

import numpy as np

from training.ocr.recombine import join_lines, line_gap_row


def two_line_plate(top_rows: tuple[int, int], bottom_rows: tuple[int, int], ink: int) -> np.ndarray:
    """Return a white 100x200 plate with a green strip and two dark text bands."""
    plate = np.full((100, 200, 3), 235, np.uint8)
    plate[:, :40] = (40, 140, 60)
    plate[top_rows[0] : top_rows[1], 60:180] = ink
    plate[bottom_rows[0] : bottom_rows[1], 60:190] = ink
    return plate


def test_gap_row_lies_between_the_lines() -> None:
    plate = two_line_plate((12, 44), (56, 92), ink=20)
    assert 44 <= line_gap_row(plate) <= 56


def test_gap_row_follows_the_lines_when_they_sit_lower() -> None:
    plate = two_line_plate((20, 58), (64, 95), ink=20)
    assert 58 <= line_gap_row(plate) <= 64


def test_join_keeps_the_upper_crop_and_fits_the_lower_part_to_it() -> None:
    upper = two_line_plate((12, 44), (56, 92), ink=20)
    lower = np.full((60, 150, 3), 200, np.uint8)
    lower[35:55, 20:140] = 90  # the other crop's number, below its gap at row 30
    joined = join_lines(upper, 50, lower, 30)
    assert joined.shape == upper.shape
    assert np.array_equal(joined[:50], upper[:50])
    # the other crop's number, stretched to fill the rows below the gap
    assert (joined[50:] == 90).any() and not (upper[50:] == 90).any()
