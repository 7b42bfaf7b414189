"""Cutting real painted characters out of labelled plate crops (OCR training only)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from synth import render
from training.ocr.glyphs import (
    Glyph,
    crop_glyphs,
    glyph_bank,
    line_glyphs,
    one_line_glyphs,
    openalpr_crops,
    supplement,
)

FIELD, PAINT = 225, 25


def painted_line(chars: str, scales: list[float] | None = None, lift: int = 0) -> np.ndarray:
    """Return a grey image of a light field with the characters painted apart, dark."""
    scales = scales or [2.0] * len(chars)
    line = np.full((110, 50 * len(chars) + 40), FIELD, np.uint8)
    for i, (char, scale) in enumerate(zip(chars, scales, strict=True)):
        baseline = 80 - (lift if i == len(chars) - 1 else 0)
        font = cv2.FONT_HERSHEY_SIMPLEX
        cv2.putText(line, char, (20 + 50 * i, baseline), font, scale, PAINT, 5, cv2.LINE_AA)
    # soft edges, as a camera's crop has (a two-level image is not what the cutter is for)
    return cv2.GaussianBlur(line, (3, 3), 0)


def test_a_line_that_counts_out_gives_one_glyph_per_character() -> None:
    glyphs = line_glyphs(painted_line("AB12"), "AB12")
    assert [g.char for g in glyphs] == list("AB12")
    for glyph in glyphs:
        assert glyph.mask.dtype == np.uint8 and glyph.mask.max() == 255
        assert 40 <= glyph.mask.shape[0] <= 70  # cut tight around one character


def test_small_marks_are_not_characters() -> None:
    line = painted_line("AB12")
    cv2.circle(line, (line.shape[1] - 12, 20), 4, PAINT, -1)  # a bolt head
    cv2.line(line, (118, 60), (128, 60), PAINT, 3)  # a dash
    assert [g.char for g in line_glyphs(line, "AB12")] == list("AB12")


def test_a_line_that_does_not_count_out_gives_nothing() -> None:
    line = painted_line("AB12")
    # join the 1 and the 2 with a smear along the foot: one wide part for two characters
    cv2.line(line, (140, 78), (200, 78), PAINT, 6)
    assert line_glyphs(line, "AB12") == []
    assert line_glyphs(painted_line("AB12"), "AB123") == []


def test_a_character_off_the_baseline_is_refused() -> None:
    assert line_glyphs(painted_line("AB12", lift=25), "AB12") == []


def test_letters_before_a_year_need_ink_after_them() -> None:
    # `LE` then a smaller year `11`: the letters are cut, the year is not
    line = painted_line("LE11", scales=[2.0, 2.0, 1.4, 1.4])
    assert [g.char for g in line_glyphs(line, "LE", trailing=2)] == ["L", "E"]
    # the letters were not found (say, too faint) and only the year is there: nothing is cut,
    # rather than the year's digits labelled L and E
    assert line_glyphs(painted_line("11", scales=[1.4, 1.4]), "LE", trailing=2) == []


def test_bank_groups_masks_by_character() -> None:
    bank = glyph_bank(line_glyphs(painted_line("A1A"), "A1A"))
    assert sorted(bank) == ["1", "A"] and len(bank["A"]) == 2


def test_real_crop_gives_its_letters_and_number(shared_data: Path) -> None:
    image = cv2.imread(str(shared_data / "plates/pk-dev/36.jpg"))  # LEA-14-1037, two lines
    assert image is not None
    from training.ocr.recombine import line_gap_row

    glyphs = crop_glyphs(image, ("LEA14", "1037"), line_gap_row(image))
    assert "".join(g.char for g in glyphs) == "LEA1037"  # the year is not cut


def solid_bank(chars: str) -> dict[str, tuple[np.ndarray, ...]]:
    """Return a glyph bank whose every glyph is a solid block of ink."""
    return {c: (np.full((40, 24), 255, np.uint8),) for c in chars}


def number_ink(plate: np.ndarray) -> float:
    """Return the share of dark pixels in a one-line plate's number area."""
    return float((plate[17:67, 10:190].mean(axis=2) < 90).mean())


def look_with(bank: dict[str, tuple[np.ndarray, ...]], share: float) -> render.Look:
    """Return the r7 look with a glyph bank used on `share` of the plates."""
    return render.Look(render.R7_FONTS, (0.58, 0.74), False, False, bank, share)


def test_plates_are_painted_with_real_glyphs_when_the_look_has_them() -> None:
    bank = solid_bank("AZU0123456789")
    glyph_plate = render.render_plate(
        "AZU290", "sindh", np.random.default_rng(1), look_with(bank, 1)
    )
    font_plate = render.render_plate(
        "AZU290", "sindh", np.random.default_rng(1), look_with(bank, 0)
    )
    # solid blocks cover far more of the number's box than letters do
    assert number_ink(glyph_plate) > number_ink(font_plate) + 0.25


def test_a_line_with_a_character_missing_from_the_bank_uses_the_font() -> None:
    bank = solid_bank("AZ0123456789")  # no U
    with_gap = render.render_plate("AZU290", "sindh", np.random.default_rng(1), look_with(bank, 1))
    font_plate = render.render_plate(
        "AZU290", "sindh", np.random.default_rng(1), look_with(bank, 0)
    )
    assert np.array_equal(with_gap, font_plate)


def mask(value: int) -> np.ndarray:
    """Return a tiny glyph mask told apart by its value."""
    return np.full((4, 3), value, np.uint8)


def test_a_bank_is_supplemented_only_where_it_is_scarce() -> None:
    own = [Glyph("A", mask(1)), Glyph("A", mask(2)), Glyph("A", mask(3)), Glyph("K", mask(4))]
    extra = [Glyph("A", mask(10)), Glyph("K", mask(11)), Glyph("W", mask(12))]
    merged = supplement(own, extra, below=3)
    assert [m[0, 0] for m in merged["A"]] == [1, 2, 3]  # enough of its own: unchanged
    assert [m[0, 0] for m in merged["K"]] == [4, 11]  # scarce: own first, then the extra
    assert [m[0, 0] for m in merged["W"]] == [12]  # missing: the extra
    assert list(merged) == ["A", "K", "W"]


def test_openalpr_labels_give_crops_and_their_glyphs(tmp_path: Path) -> None:
    photo = np.full((200, 400, 3), 90, np.uint8)
    line = painted_line("WG47")
    photo[40 : 40 + line.shape[0], 60 : 60 + line.shape[1]] = line[..., None]
    cv2.imwrite(str(tmp_path / "car.png"), photo)
    box = f"60\t40\t{line.shape[1]}\t{line.shape[0]}"
    (tmp_path / "car.txt").write_text(f"car.png\t{box}\twg47\nnot a label line\n")
    crops = list(openalpr_crops(tmp_path))
    assert len(crops) == 1 and crops[0][1] == "WG47"
    assert crops[0][0].shape[:2] == line.shape
    assert [g.char for g in one_line_glyphs(crops)] == list("WG47")


def test_an_openalpr_label_naming_a_missing_image_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "gone.txt").write_text("gone.jpg 1 2 3 4 AB12\n")
    with pytest.raises(ValueError, match="cannot read the image gone.jpg"):
        list(openalpr_crops(tmp_path))
