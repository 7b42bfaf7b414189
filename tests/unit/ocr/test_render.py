"""The synthetic plate renderer: text shapes, image shapes and determinism."""

from __future__ import annotations

import dataclasses
import re

import cv2
import numpy as np
import pytest

from synth import render


@pytest.mark.parametrize("style", render.STYLES)
def test_render_plate_returns_bgr_uint8_of_plate_aspect(style: str) -> None:
    rng = np.random.default_rng(1)
    text, got_style = render.random_plate(rng, style)
    image = render.render_plate(text, got_style, rng)
    h, w, c = image.shape
    assert (image.dtype, c, got_style) == (np.uint8, 3, style)
    assert 60 <= h <= 120
    assert 1.8 <= w / h <= 4.2


def test_rendered_plate_has_dark_ink_on_it() -> None:
    rng = np.random.default_rng(2)
    image = render.render_plate("AZU290", "sindh", rng)
    # The number covers a good part of the plate centre, so many pixels are dark.
    centre = image[20:65, 20:180].mean(axis=2)
    assert (centre < 90).mean() > 0.15


def test_random_plate_text_fits_its_style() -> None:
    rng = np.random.default_rng(3)
    patterns = {
        "sindh": r"[A-Z]{2,3}\d{1,4}[A-Z]?",
        "karachi": r"[A-Z]{1,2}\d{3,4}",
        "punjab": r"[A-Z]{2,3}\d{2}\d{2,4}[A-Z]?",
        "ict": r"[A-Z]{2,3}\d{2,4}",
    }
    for style, pattern in patterns.items():
        for _ in range(50):
            text, _ = render.random_plate(rng, style)
            assert re.fullmatch(pattern, text), (style, text)


def test_same_seed_gives_same_plate() -> None:
    first = render.render_plate("LEA132293", "punjab", np.random.default_rng(7))
    again = render.render_plate("LEA132293", "punjab", np.random.default_rng(7))
    assert np.array_equal(first, again)


def test_unknown_style_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown plate style"):
        render.render_plate("ABC123", "mars", np.random.default_rng(0))


def test_hershey_fallback_draws_text(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(render, "available_fonts", lambda *_: ())
    image = render.render_plate("BGC771", "sindh", np.random.default_rng(4))
    assert (image[20:65, 20:180].mean(axis=2) < 90).mean() > 0.1


def test_look_fonts_limit_the_faces(monkeypatch: pytest.MonkeyPatch) -> None:
    # none of the look's faces is installed: the plate is drawn as with no fonts at all
    look = dataclasses.replace(render.OPEN_LOOK, fonts=("/no/such.ttf",))
    missing = render.render_plate("BGC771", "sindh", np.random.default_rng(4), look)
    monkeypatch.setattr(render, "available_fonts", lambda *_: ())
    fallback = render.render_plate("BGC771", "sindh", np.random.default_rng(4))
    assert np.array_equal(missing, fallback)


def test_runtime_fonts_are_among_the_candidates() -> None:
    assert set(render.RUNTIME_FONTS) <= set(render.FONT_CANDIDATES)


def test_r7_look_paints_with_the_fonts_own_spacing(monkeypatch: pytest.MonkeyPatch) -> None:
    # the committed model's recipe (RECIPE.md: g5, the stamp look, which is r7's with the year
    # stamped) must keep drawing what it was trained on
    def no_tracking(_rng: np.random.Generator) -> float:
        raise AssertionError("open spacing drawn in the r7 look")

    monkeypatch.setattr(render, "_pick_tracking", no_tracking)
    for look in (render.R7_LOOK, render.STAMP_LOOK):
        for style in render.STYLES:
            render.render_plate("LEA132293", style, np.random.default_rng(3), look)


def test_looks_draw_faces_from_their_own_list(monkeypatch: pytest.MonkeyPatch) -> None:
    picked: list[tuple[str, ...]] = []
    monkeypatch.setattr(render, "available_fonts", lambda fonts: picked.append(fonts) or ())
    for look in (render.R7_LOOK, render.SCENE_LOOK):
        render.render_plate("AZU290", "sindh", np.random.default_rng(0), look)
    assert picked == [render.R7_FONTS, render.RUNTIME_FONTS]


def _stroke_width(mask: np.ndarray) -> float:
    """Return the median length of the horizontal ink runs: the width of the upright strokes.

    Measured otherwise than `render.thinned` measures (its distance transform), so the test does
    not check the function against itself.
    """
    ink = np.pad((mask > 127).astype(np.int8), ((0, 0), (1, 1)))
    edges = np.diff(ink, axis=1)
    starts, ends = np.nonzero(edges == 1), np.nonzero(edges == -1)
    return float(np.median(ends[1] - starts[1]))


def test_thinned_strokes_are_narrower_and_no_character_is_lost() -> None:
    font = render.available_fonts(render.R7_FONTS)
    if not font:
        pytest.skip("no plate font installed (fonts-dejavu-core): the Hershey mask is too thin")
    mask = render._text_mask("1308", font[0])
    thin = render.thinned(mask, 0.5)
    assert _stroke_width(thin) < 0.7 * _stroke_width(mask)
    parts = cv2.connectedComponents((mask > 127).astype(np.uint8))[0]
    assert cv2.connectedComponents((thin > 127).astype(np.uint8))[0] == parts


def test_thinning_keeps_a_core_of_an_already_thin_stroke() -> None:
    hairline = np.zeros((40, 40), np.uint8)
    hairline[5:35, 18:23] = 255  # a 5 px stroke
    assert (render.thinned(hairline, 0.1) > 127).any()


def _year_and_letters(look: render.Look, seed: int) -> tuple[render._Ink, render._Ink]:
    _canvas, inks = render._LAYOUTS["punjab"]("LEA132293", np.random.default_rng(seed), look)
    letters = next(ink for ink in inks if ink.text == "LEA")
    year = next(ink for ink in inks if ink.text.endswith("13"))
    return letters, year


@pytest.mark.parametrize("seed", range(12))
def test_stamp_look_sets_a_thinner_year_apart_from_the_letters(seed: int) -> None:
    letters, year = _year_and_letters(render.STAMP_LOOK, seed)
    x, _y, w, h = year.box
    assert year.text == "13"  # the separator is drawn on the plate, never written as text
    assert year.stroke < 1.0
    assert x >= letters.box[0] + letters.box[2] + 2 and x + w <= 197
    assert h < letters.box[3]


def test_r7_look_paints_the_year_as_before() -> None:
    # r7's recipe must keep drawing what the committed model was trained on (RECIPE.md)
    for seed in range(12):
        _letters, year = _year_and_letters(render.R7_LOOK, seed)
        assert year.stroke == 1.0
    assert render.LOOKS["r7"].year is None and render.LOOKS["stamp"].year is render.STAMPED_YEAR
