"""Synthetic Pakistani number plates: random plate text and a clean frontal rendering.

Used at run time by the scene synthesiser and offline by the OCR training recipe. It draws
clean plates only; camera effects belong to whoever consumes them. Fonts come from Debian
packages (fonts-dejavu-core, fonts-liberation2, fonts-freefont-ttf, fonts-noto-core and the
training recipe's narrower faces, see FONT_CANDIDATES); without any of them it falls back to
OpenCV's Hershey font.
"""

from __future__ import annotations

import functools
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import cv2
import numpy as np

if TYPE_CHECKING:
    from PIL.ImageFont import FreeTypeFont

STYLES = (
    "sindh",
    "karachi",
    "punjab",
    "punjab_plain",
    "punjab_old",
    "ict",
    "government",
)
# Styles painted on two lines (letters, and the year if any, over the number); the rest on one.
TWO_LINE_STYLES = ("punjab", "punjab_plain")
# How often each style is drawn when none is asked for: roughly what Karachi cameras see.
STYLE_WEIGHTS = (0.34, 0.08, 0.26, 0.12, 0.06, 0.08, 0.06)

# The faces the committed model (run r7) was trained with.
R7_FONTS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSansCondensed-Bold.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/truetype/liberation2/LiberationSans-Bold.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
    "/usr/share/fonts/truetype/freefont/FreeSansBold.ttf",
    "/usr/share/fonts/truetype/noto/NotoSans-Bold.ttf",
    # Real plates are painted in a medium weight: the regular faces cover the thinner ones.
    "/usr/share/fonts/truetype/dejavu/DejaVuSansCondensed.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf",
    "/usr/share/fonts/truetype/freefont/FreeSans.ttf",
    "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",
)
FONT_CANDIDATES = (
    *R7_FONTS,
    # Narrow and plain sans faces of other designs, so that no one face's W, M, D or 0 is the
    # only one the recogniser knows (fonts-roboto-unhinted, fonts-urw-base35, fonts-texgyre,
    # fonts-b612, fonts-open-sans, fonts-croscore).
    "/usr/share/fonts/truetype/roboto/unhinted/RobotoCondensed-Regular.ttf",
    "/usr/share/fonts/truetype/roboto/unhinted/RobotoCondensed-Bold.ttf",
    "/usr/share/fonts/truetype/roboto/unhinted/RobotoTTF/Roboto-Medium.ttf",
    "/usr/share/fonts/opentype/urw-base35/NimbusSansNarrow-Regular.otf",
    "/usr/share/fonts/opentype/urw-base35/NimbusSansNarrow-Bold.otf",
    "/usr/share/fonts/opentype/urw-base35/NimbusSans-Regular.otf",
    "/usr/share/texmf/fonts/opentype/public/tex-gyre/texgyreheroscn-regular.otf",
    "/usr/share/fonts/opentype/b612/B612-Regular.otf",
    "/usr/share/fonts/opentype/b612/B612-Bold.otf",
    "/usr/share/fonts/truetype/open-sans/OpenSans-Semibold.ttf",
    "/usr/share/fonts/truetype/open-sans/OpenSans-CondBold.ttf",
    "/usr/share/fonts/truetype/croscore/Arimo-Regular.ttf",
)
# The faces `make run` installs (fonts-dejavu-core, fonts-noto-core): the scene synthesiser
# draws its plates in these only, so a seed renders the same clip on every machine that runs the
# project, whichever training fonts it also has.
RUNTIME_FONTS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/truetype/noto/NotoSans-Bold.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",
)
LETTERS = string.ascii_uppercase
DIGITS = string.digits
Box = tuple[int, int, int, int]  # x, y, w, h
Colour = tuple[int, int, int]  # BGR

YELLOW: Colour = (20, 190, 240)
WHITE: Colour = (235, 238, 238)
INK: Colour = (25, 25, 25)
GREEN: Colour = (70, 140, 20)
DARK_GREEN: Colour = (40, 90, 10)
BLUE: Colour = (150, 80, 20)


@dataclass(frozen=True)
class YearStamp:
    """How the small year of a two-line Punjab plate is stamped, when a look says so.

    Seen on the pk-dev train crops (session 9, `ocr/models/RECIPE.md`): the year is a stamp of
    thinner strokes than the letters, set well apart from them, most often after a small square
    block at its middle height, sometimes lower than the letters' top. Shares are of the
    letters' height.
    """

    gap: tuple[float, float]  # space from the letters to the year (the block sits inside it)
    drop: tuple[float, float]  # how far below the letters' top the year's top is
    stroke: tuple[float, float]  # the year's stroke width, share of its face's own
    block_share: float  # share of years with a square block before them (else a dash or none)


# The stamp as the pk-dev train crops show it.
STAMPED_YEAR = YearStamp(gap=(0.3, 1.1), drop=(0.0, 0.45), stroke=(0.5, 0.85), block_share=0.7)


@dataclass(frozen=True)
class Look:
    """How plates are painted. Training recipes name theirs, so each model can be rebuilt."""

    fonts: tuple[str, ...]  # candidate faces; those installed are drawn from
    glyph_width: tuple[float, float]  # a two-line plate's glyph width, share of its height
    open_spacing: bool  # half the plates get open character spacing, as many real ones have
    grey_white: bool  # white fields grey-white (channels shifted together) rather than pastel
    # Real painted characters (ink masks by character, training.ocr.glyphs) and the share of
    # plates whose number is painted with them; a line with a character missing uses the font.
    glyphs: Mapping[str, Sequence[np.ndarray]] | None = None
    glyph_share: float = 0.0
    # How the Punjab year is painted: None is r7's (right after the letters, in their weight).
    year: YearStamp | None = None


# The committed model's look (run r7, ocr/models/RECIPE.md).
R7_LOOK = Look(R7_FONTS, (0.58, 0.74), open_spacing=False, grey_white=False)
# Session 4's look (runs r9, r10): open spacing, grey-white fields, wider glyphs, 22 faces.
OPEN_LOOK = Look(FONT_CANDIDATES, (0.6, 0.86), open_spacing=True, grey_white=True)
# The scene synthesiser's look: OPEN_LOOK in the faces every machine running the project has.
SCENE_LOOK = replace(OPEN_LOOK, fonts=RUNTIME_FONTS)
# r7's look with the year stamped as real plates stamp it (session 9, run g4).
STAMP_LOOK = replace(R7_LOOK, year=STAMPED_YEAR)
LOOKS = {"r7": R7_LOOK, "open": OPEN_LOOK, "stamp": STAMP_LOOK}


@dataclass(frozen=True)
class _Ink:
    """What to write on the plate: text, where, in which colour and how condensed."""

    text: str
    box: Box
    colour: Colour
    squeeze: float = 1.0
    number: bool = False  # part of the registration number (not a band, caption or stamp)
    stroke: float = 1.0  # stroke width as a share of the face's own (below 1: thinner)


def available_fonts(candidates: Sequence[str] = FONT_CANDIDATES) -> tuple[str, ...]:
    """Return the TrueType plate fonts installed on this machine."""
    return tuple(p for p in candidates if Path(p).is_file())


def random_plate(rng: np.random.Generator, style: str | None = None) -> tuple[str, str]:
    """Return (plate text in reading order, style) for a random plausible plate."""
    if style is None:
        style = str(rng.choice(STYLES, p=STYLE_WEIGHTS))
    if style not in STYLES:
        raise ValueError(f"unknown plate style {style!r}; expected one of {STYLES}")
    return _TEXT_MAKERS[style](rng), style


def render_plate(
    text: str, style: str, rng: np.random.Generator, look: Look = OPEN_LOOK
) -> np.ndarray:
    """Draw a clean frontal plate (BGR uint8) of `style` showing `text` in reading order.

    The face is drawn from those of the look's fonts that are installed.
    """
    if style not in STYLES:
        raise ValueError(f"unknown plate style {style!r}; expected one of {STYLES}")
    text = text.upper()
    canvas, inks = _LAYOUTS[style](text, rng, look)
    face = _Face(_pick_font(rng, look.fonts), _pick_tracking(rng) if look.open_spacing else 0.0)
    if look.glyphs and rng.random() < look.glyph_share:
        face = replace(face, glyphs=look.glyphs, picks=rng)
    for ink in inks:
        _write(canvas, ink, face)
    _border(canvas, rng)
    return canvas


# --- plate text ------------------------------------------------------------------------------


def _letters(rng: np.random.Generator, lo: int, hi: int) -> str:
    """Return between lo and hi random capital letters."""
    return "".join(rng.choice(list(LETTERS), size=int(rng.integers(lo, hi + 1))))


def _digits(rng: np.random.Generator, lo: int, hi: int) -> str:
    """Return between lo and hi random digits, longer numbers being the more common."""
    lengths = np.arange(lo, hi + 1)
    weights = lengths.astype(float) ** 2
    n = int(rng.choice(lengths, p=weights / weights.sum()))
    return "".join(rng.choice(list(DIGITS), size=n))


def _suffix(rng: np.random.Generator, p: float) -> str:
    """Return a suffix letter (a re-issued number) with probability p."""
    return str(rng.choice(list(LETTERS))) if rng.random() < p else ""


def _year(rng: np.random.Generator) -> str:
    """Return a two-digit registration year as Punjab plates show it."""
    return f"{int(rng.integers(0, 26)):02d}"


def _sindh_text(rng: np.random.Generator) -> str:
    """Return a Sindh number: 2-3 letters, 1-4 digits, rarely a suffix letter."""
    return _letters(rng, 2, 3) + _digits(rng, 1, 4) + _suffix(rng, 0.08)


def _karachi_text(rng: np.random.Generator) -> str:
    """Return an old Karachi number: 1-2 letters and 3-4 digits."""
    return _letters(rng, 1, 2) + _digits(rng, 3, 4)


def _punjab_text(rng: np.random.Generator) -> str:
    """Return a Punjab number with year: letters, year, 2-4 digits, rarely a suffix."""
    return _letters(rng, 2, 3) + _year(rng) + _digits(rng, 2, 4) + _suffix(rng, 0.08)


def _plain_text(rng: np.random.Generator) -> str:
    """Return a number without year: 2-3 letters and 2-4 digits."""
    return _letters(rng, 2, 3) + _digits(rng, 2, 4)


def _government_text(rng: np.random.Generator) -> str:
    """Return a government number: 1-3 letters and 1-4 digits."""
    return _letters(rng, 1, 3) + _digits(rng, 1, 4)


_TEXT_MAKERS = {
    "sindh": _sindh_text,
    "karachi": _karachi_text,
    "punjab": _punjab_text,
    "punjab_plain": _plain_text,
    "punjab_old": _plain_text,
    "ict": _plain_text,
    "government": _government_text,
}


# --- layouts ---------------------------------------------------------------------------------


def split_letters(text: str) -> tuple[str, str]:
    """Split plate text into its leading letters and the rest."""
    i = 0
    while i < len(text) and text[i].isalpha():
        i += 1
    return text[:i], text[i:]


def plate_lines(text: str, style: str) -> tuple[str, str]:
    """Return (top line, bottom line) of a plate's text as painted; one-line plates: (text, "")."""
    if style not in TWO_LINE_STYLES:
        return text, ""
    letters, rest = split_letters(text)
    year = rest[:2] if style == "punjab" else ""
    return letters + year, rest[len(year) :]


def _jitter(colour: Colour, rng: np.random.Generator, spread: int = 18) -> Colour:
    """Return the colour shifted a little, as paint and lighting vary."""
    shifted = np.clip(np.array(colour) + rng.integers(-spread, spread + 1, size=3), 0, 255)
    return tuple(int(c) for c in shifted)  # type: ignore[return-value]


def _canvas(
    h: int, w: int, colour: Colour, rng: np.random.Generator, grey_white: bool = False
) -> np.ndarray:
    """Return a plate blank of one jittered colour."""
    if colour != WHITE or not grey_white:
        return np.full((h, w, 3), _jitter(colour, rng), dtype=np.uint8)
    # Real white fields are grey-white, dimmer or brighter, not pastel: shift the channels
    # together and tint them only a little (the camera's colour cast comes later).
    grey = int(rng.integers(-35, 8))
    return np.clip(np.full((h, w, 3), _jitter(colour, rng, 6), np.int16) + grey, 0, 255).astype(
        np.uint8
    )


def _sep(rng: np.random.Generator) -> str:
    """Return the separator painted between letters and digits."""
    return str(rng.choice(["-", "-", "-", " ", "·"]))


def _one_line(
    text: str, band: str, colour: Colour, rng: np.random.Generator, look: Look
) -> tuple[np.ndarray, list[_Ink]]:
    """Lay out a one-line 2:1 plate with a province band under the number."""
    canvas = _canvas(100, 200, colour, rng, look.grey_white)
    letters, rest = split_letters(text)
    inks = [
        _Ink(f"{letters}{_sep(rng)}{rest}", (10, 17, 180, 50), _jitter(INK, rng, 10), 0.9, True),
        _Ink(band, (70 - len(band) * 2, 76, 60 + len(band) * 4, 14), _jitter(INK, rng, 10)),
    ]
    if rng.random() < 0.5:
        inks.append(_Ink(str(int(rng.integers(1995, 2026))), (160, 4, 30, 9), INK))
    return canvas, inks


def _sindh_layout(text: str, rng: np.random.Generator, look: Look) -> tuple[np.ndarray, list[_Ink]]:
    """Lay out a yellow Sindh plate with the SINDH band."""
    return _one_line(text, "SINDH", YELLOW, rng, look)


def _karachi_layout(
    text: str, rng: np.random.Generator, look: Look
) -> tuple[np.ndarray, list[_Ink]]:
    """Lay out an old yellow Karachi plate with the KARACHI band."""
    return _one_line(text, "KARACHI", YELLOW, rng, look)


def _ict_layout(text: str, rng: np.random.Generator, look: Look) -> tuple[np.ndarray, list[_Ink]]:
    """Lay out a white Islamabad plate with a blue strip and the ICT-ISLAMABAD band."""
    canvas, inks = _one_line(text, "ICT-ISLAMABAD", WHITE, rng, look)
    canvas[:, :26] = _jitter(BLUE, rng)
    _emblem(canvas, (2, 30, 22, 34), rng)
    inks[0] = _Ink(inks[0].text, (32, 17, 160, 50), inks[0].colour, 0.9, True)
    return canvas, inks


def _government_layout(
    text: str, rng: np.random.Generator, look: Look
) -> tuple[np.ndarray, list[_Ink]]:
    """Lay out a long green government plate with white letters."""
    canvas = _canvas(75, 300, DARK_GREEN, rng)
    letters, rest = split_letters(text)
    ink = _Ink(f"{letters}{_sep(rng)}{rest}", (14, 10, 272, 55), _jitter(WHITE, rng, 10), 1.0, True)
    return canvas, [ink]


def _punjab_strip(canvas: np.ndarray, rng: np.random.Generator) -> list[_Ink]:
    """Paint the green Punjab strip with its emblem; return the PUNJAB caption."""
    canvas[:, :46] = _jitter(GREEN, rng, 25)
    _emblem(canvas, (6, 8, 34, 60), rng)
    return [_Ink("PUNJAB", (5, 80, 36, 9), _jitter(INK, rng, 10))]


def _punjab_layout(
    text: str, rng: np.random.Generator, look: Look
) -> tuple[np.ndarray, list[_Ink]]:
    """Lay out a two-line Punjab plate: letters and a small year over the number."""
    letters, rest = split_letters(text)
    return _two_line(letters, rest[:2], rest[2:], rng, look)


def _plain_layout(text: str, rng: np.random.Generator, look: Look) -> tuple[np.ndarray, list[_Ink]]:
    """Lay out a two-line Punjab plate without a year."""
    letters, number = split_letters(text)
    return _two_line(letters, "", number, rng, look)


def _two_line(
    letters: str, year: str, number: str, rng: np.random.Generator, look: Look
) -> tuple[np.ndarray, list[_Ink]]:
    """Lay out letters (and year) over the number the way real Punjab plates are painted.

    Measured on the pk-dev train crops: the text sits well inside the white field (top margin
    8-16% of the plate), the year follows the letters at 50-70% of their height, level with
    their upper half, after a dash, a dot or nothing; the number is left-aligned under the
    letters. Each box is filled by its text (squeeze > 1) so the year lands right after them.
    """
    canvas = _canvas(100, 200, WHITE, rng, look.grey_white)
    inks = _punjab_strip(canvas, rng)
    _rivets(canvas, rng)
    ink = _jitter(INK, rng, 10)
    top, size = int(rng.integers(8, 17)), int(rng.integers(30, 41))
    left = 46 + int(rng.integers(8, 23 if year else 30))
    letters_w = _glyphs_width(letters, size, rng, look)
    inks.append(_Ink(letters, (left, top, letters_w, size), ink, 2.0, True))
    if year and look.year is None:
        inks.append(_year_ink(year, left + letters_w, top, size, ink, rng, look))
    elif year and look.year is not None:
        letters_end = (left + letters_w, top, size)
        inks.append(_stamped_year(canvas, year, letters_end, ink, rng, look, look.year))
    below = top + size + int(rng.integers(4, 10))
    number_h = min(int(rng.integers(32, 43)), 96 - below)
    number_x = max(50, left + int(rng.integers(-6, 7)))
    number_w = min(194 - number_x, _glyphs_width(number, number_h, rng, look))
    inks.append(_Ink(number, (number_x, below, number_w, number_h), ink, 2.0, True))
    return canvas, inks


def _glyphs_width(text: str, height: int, rng: np.random.Generator, look: Look) -> int:
    """Return the width a condensed plate face gives `text` at `height` px."""
    return round(len(text) * height * rng.uniform(*look.glyph_width))


def _year_ink(
    year: str,
    after: int,
    top: int,
    size: int,
    colour: Colour,
    rng: np.random.Generator,
    look: Look,
) -> _Ink:
    """Return the small year painted after the letters, with its dash or dot."""
    height = round(size * rng.uniform(0.5, 0.72))
    sep = str(rng.choice(["-", "-", "·", ""]))
    x = after + int(rng.integers(4, 13))
    width = min(196 - x, _glyphs_width(sep + year, height, rng, look))
    y = top + round(size * rng.uniform(0.0, 0.3))
    return _Ink(sep + year, (x, y, width, height), colour, 2.0, True)


def _stamped_year(
    canvas: np.ndarray,
    year: str,
    letters_end: tuple[int, int, int],
    colour: Colour,
    rng: np.random.Generator,
    look: Look,
    stamp: YearStamp,
) -> _Ink:
    """Return the year stamped apart from the letters, drawing its block or dash on the canvas.

    `letters_end` is the letters' right edge, top and height. The separator is ink that is not
    read (it is no character of the plate's text), so it is drawn here and not written.
    """
    after, top, size = letters_end
    height = round(size * rng.uniform(0.5, 0.72))
    y = top + round(size * rng.uniform(*stamp.drop))
    gap = round(size * rng.uniform(*stamp.gap))
    width = _glyphs_width(year, height, rng, look)
    x = max(after + 2, min(after + gap, 194 - width))
    separator = rng.random()
    middle = y + height // 2
    if separator < stamp.block_share:
        side = max(2, round(height * rng.uniform(0.18, 0.3)))
        left = after + (x - after - side) // 2
        cv2.rectangle(
            canvas, (left, middle - side // 2), (left + side, middle + side // 2), colour, -1
        )
    elif separator < stamp.block_share + (1 - stamp.block_share) / 2:
        dash = max(3, round(height * 0.35))
        left = after + (x - after - dash) // 2
        cv2.line(canvas, (left, middle), (left + dash, middle), colour, max(1, height // 8))
    return _Ink(
        year, (x, y, min(width, 197 - x), height), colour, 2.0, True, rng.uniform(*stamp.stroke)
    )


def _rivets(canvas: np.ndarray, rng: np.random.Generator) -> None:
    """Draw the screw heads that hold a plate on, near its top and bottom edges."""
    h, w = canvas.shape[:2]
    for y_range, chance in (((4, 16), 0.6), ((h - 14, h - 4), 0.3)):
        if rng.random() >= chance:
            continue
        centre = (int(rng.integers(w // 3, w - 20)), int(rng.integers(*y_range)))
        radius, grey = int(rng.integers(3, 8)), int(rng.integers(90, 210))
        cv2.circle(canvas, centre, radius, (grey, grey, grey), -1, cv2.LINE_AA)
        cv2.circle(canvas, centre, radius, (grey // 2,) * 3, 1, cv2.LINE_AA)


def _old_punjab_layout(
    text: str, rng: np.random.Generator, look: Look
) -> tuple[np.ndarray, list[_Ink]]:
    """Lay out an old grey one-line Punjab plate with PUNJAB above the number."""
    canvas = _canvas(100, 200, (200, 200, 196), rng)
    letters, rest = split_letters(text)
    ink = _jitter(INK, rng, 10)
    return canvas, [
        _Ink("PUNJAB", (70, 8, 60, 14), ink),
        _Ink(f"{letters} {rest}", (10, 32, 180, 52), ink, 0.9, True),
    ]


_LAYOUTS = {
    "sindh": _sindh_layout,
    "karachi": _karachi_layout,
    "punjab": _punjab_layout,
    "punjab_plain": _plain_layout,
    "punjab_old": _old_punjab_layout,
    "ict": _ict_layout,
    "government": _government_layout,
}


# --- drawing ---------------------------------------------------------------------------------


def _pick_font(rng: np.random.Generator, candidates: Sequence[str]) -> str | None:
    """Choose one installed font for the whole plate (None: Hershey fallback)."""
    fonts = available_fonts(candidates)
    return str(rng.choice(fonts)) if fonts else None


@functools.lru_cache(maxsize=16)
def _truetype(path: str) -> FreeTypeFont:
    """Load a TrueType font once at a large size; glyphs are scaled down afterwards."""
    from PIL import ImageFont

    return ImageFont.truetype(path, 64)


def _pick_tracking(rng: np.random.Generator) -> float:
    """Choose the gap painted between characters, as a share of the face's size.

    Real plates are often painted with open spacing (`L E A` over `9 9 6 8` on the pk-dev train
    crops), wider than a font's own spacing; half the plates keep the font's.
    """
    return 0.0 if rng.random() < 0.5 else float(rng.uniform(0.05, 0.35))


def _text_mask(text: str, font: str | None, tracking: float = 0.0) -> np.ndarray:
    """Render text white on black, cropped tight to its ink."""
    if font is None:
        mask = np.zeros((100, 60 * max(len(text), 1)), np.uint8)
        cv2.putText(mask, text, (5, 75), cv2.FONT_HERSHEY_DUPLEX, 2.2, 255, 6, cv2.LINE_AA)
    else:
        from PIL import Image, ImageDraw

        face = _truetype(font)
        image = Image.new("L", (round(54 * (1 + tracking)) * max(len(text), 1) + 30, 100), 0)
        draw, x = ImageDraw.Draw(image), 15.0
        for char in text if tracking else [text]:
            draw.text((x, 5), char, fill=255, font=face)
            x += face.getlength(char) + tracking * face.size
        mask = np.asarray(image)
    x, y, w, h = cv2.boundingRect((mask > 20).astype(np.uint8))
    if w == 0 or h == 0:
        return np.zeros((1, 1), np.uint8)
    return mask[y : y + h, x : x + w]


def _fit(mask: np.ndarray, box: Box, squeeze: float) -> tuple[np.ndarray, int, int]:
    """Scale the mask to the box height (narrower if needed); return it and its offset."""
    x, y, w, h = box
    mh, mw = mask.shape
    width = max(1, min(w, round(mw * h / mh * squeeze)))
    scaled = cv2.resize(mask, (width, h), interpolation=cv2.INTER_AREA)
    return scaled, x + (w - width) // 2, y


@dataclass(frozen=True)
class _Face:
    """What the plate's characters are painted with: a font (None: Hershey), its spacing, and
    perhaps real painted characters with the generator that picks among them."""

    font: str | None
    tracking: float = 0.0
    glyphs: Mapping[str, Sequence[np.ndarray]] | None = None
    picks: np.random.Generator | None = None


def _write(canvas: np.ndarray, ink: _Ink, face: _Face) -> None:
    """Blend the ink's text into the canvas inside its box."""
    if not ink.text.strip():
        return
    if ink.number and face.glyphs and face.picks and _paintable(ink.text, face.glyphs):
        text_mask = _glyph_mask(ink.text, face.glyphs, face.picks, face.tracking)
    else:
        text_mask = _text_mask(ink.text, face.font, face.tracking)
    if ink.stroke < 1.0:
        text_mask = thinned(text_mask, ink.stroke)
    mask, x0, y0 = _fit(text_mask, ink.box, ink.squeeze)
    h, w = mask.shape
    alpha = (mask.astype(np.float32) / 255.0)[..., None]
    region = canvas[y0 : y0 + h, x0 : x0 + w].astype(np.float32)
    blended = region * (1 - alpha) + np.array(ink.colour, np.float32) * alpha
    canvas[y0 : y0 + h, x0 : x0 + w] = blended.astype(np.uint8)


def thinned(mask: np.ndarray, stroke: float) -> np.ndarray:
    """Return the text mask with its strokes about `stroke` times as wide (0 < stroke <= 1).

    The strokes' half width is the largest distance from an ink pixel to the field; eroding by
    the share to lose keeps a core two pixels either side of the middle, so no character is
    erased, however thin its face.
    """
    ink = (mask > 127).astype(np.uint8)
    half_width = float(cv2.distanceTransform(ink, cv2.DIST_L2, 3).max())
    shave = min(int(half_width * (1.0 - stroke)), int(half_width) - 2)
    if shave < 1:
        return mask
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * shave + 1, 2 * shave + 1))
    return cv2.erode(mask, kernel)


# Separators are not cut from real plates: drawn as a bar, a dot or a gap (shares of the height).
_SEPARATORS = {"-": (0.34, 0.12), "·": (0.14, 0.14), " ": (0.3, 0.0)}


def _paintable(text: str, glyphs: Mapping[str, Sequence[np.ndarray]]) -> bool:
    """Tell whether every character of the text has a real glyph (or is a separator)."""
    return all(c in glyphs or c in _SEPARATORS for c in text)


def _glyph_mask(
    text: str,
    glyphs: Mapping[str, Sequence[np.ndarray]],
    rng: np.random.Generator,
    tracking: float,
    height: int = 64,
) -> np.ndarray:
    """Compose the text from real glyphs, one drawn at random per character, on one baseline."""
    gap = round(height * (0.08 + tracking))
    pieces = []
    for char in text:
        if char in _SEPARATORS:
            pieces.append(_separator(char, height))
            continue
        masks = glyphs[char]
        glyph = masks[int(rng.integers(len(masks)))]
        width = max(1, round(glyph.shape[1] * height / glyph.shape[0]))
        pieces.append(cv2.resize(glyph, (width, height), interpolation=cv2.INTER_LINEAR))
    spaced = [np.pad(piece, ((0, 0), (0, gap))) for piece in pieces]
    return np.hstack(spaced)[:, : -gap or None]


def _separator(char: str, height: int) -> np.ndarray:
    """Return a separator's mask: a dash, a dot or an empty gap."""
    width_share, thickness_share = _SEPARATORS[char]
    mask = np.zeros((height, max(1, round(width_share * height))), np.uint8)
    thickness = round(thickness_share * height)
    if thickness:
        top = (height - thickness) // 2
        mask[top : top + thickness] = 255
    return mask


def _emblem(canvas: np.ndarray, box: Box, rng: np.random.Generator) -> None:
    """Draw a rough leafy emblem (the real crest is not ours to copy)."""
    x, y, w, h = box
    cx = x + w // 2
    for _ in range(7):
        dx, dy = int(rng.integers(-w // 3, w // 3 + 1)), int(rng.integers(h // 5, h))
        axes = (max(2, w // 6), max(3, h // 5))
        angle = float(rng.integers(-50, 50))
        colour = _jitter((210, 225, 225), rng, 30)
        cv2.ellipse(canvas, (cx + dx, y + dy), axes, angle, 0, 360, colour, -1, cv2.LINE_AA)
    cv2.line(canvas, (cx, y + h // 4), (cx, y + h), (60, 110, 40), 2, cv2.LINE_AA)


def _border(canvas: np.ndarray, rng: np.random.Generator) -> None:
    """Draw the plate's dark rim."""
    h, w = canvas.shape[:2]
    thickness = int(rng.integers(2, 5))
    cv2.rectangle(canvas, (0, 0), (w - 1, h - 1), _jitter(INK, rng, 10), thickness)
