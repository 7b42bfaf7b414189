"""Real painted characters cut from the pk-dev train crops, to paint synthetic plates with.

Training only. The recogniser's misses on real plates are letter and digit shapes (`W`/`M`,
`D`/`U`, `0`/`U`, `8`/`B`, `4`/`6`, `7`/`9`) that no installed font paints as Pakistani plates
are painted. Each train crop's label says which characters it shows in which order, so the
characters can be cut out of it: the ink is thresholded, its connected parts are found, and a
line whose tall parts are exactly as many as its label has characters gives one glyph each. A
line that does not count out (a broken or joined character, a bolt on the text) gives none. The
glyphs become a `render.Look`'s bank: synthetic plates with any text, in the real face.

The pk-dev train crops hold no `W G I N T V Z` and one or two of some others, so a bank can be
supplemented with glyphs cut the same way from other labelled real plates (`supplement`): the
OpenALPR European benchmark photos (`openalpr_crops`), whose one-line plates count out well.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from synth.render import Box, split_letters

# A part is a character when it is at least this share of the line's tallest part's height
# (a dash, a dot, a bolt or a band letter is smaller).
TALL = 0.72
# The characters of one line are painted at one height: a part much taller or shorter is not one.
SAME_HEIGHT = 1.2
# ... and on one baseline: bottoms within this share of their height.
BASELINE = 0.12
# The green strip and emblem take the left fifth of a two-line plate: no text there.
STRIP = 0.2
# Soft edge of the ink mask, in grey levels either side of the threshold.
EDGE = 18


@dataclass(frozen=True)
class Glyph:
    """One real painted character: its label and its ink (uint8, 255 = ink, cropped tight)."""

    char: str
    mask: np.ndarray


def ink_thresholds(gray: np.ndarray) -> tuple[float, float]:
    """Return Otsu's thresholds between paint and field: on the line's middle, then on all of it.

    The middle (rows 15-85 %, columns 5-95 %) holds only paint and field; a crop's margins hold
    the car body and the rim, which can pull the threshold up and join characters to the rim.
    On a dirty plate the middle's threshold can break characters instead: both are tried.
    """
    h, w = gray.shape
    rows, cols = slice(round(0.15 * h), round(0.85 * h)), slice(round(0.05 * w), round(0.95 * w))
    return _otsu(np.ascontiguousarray(gray[rows, cols])), _otsu(gray)


def _otsu(gray: np.ndarray) -> float:
    """Return Otsu's threshold of a grey image."""
    threshold, _ = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    return float(threshold)


def parts(dark: np.ndarray) -> tuple[np.ndarray, list[tuple[int, Box]]]:
    """Return the label image and (label, box) of every ink part that could be a character.

    Parts touching the crop's edge (car body, rim), wider than tall or over three quarters of
    the crop's height (the rim, the strip) are not characters.
    """
    count, labels, stats, _ = cv2.connectedComponentsWithStats(dark, connectivity=8)
    h, w = dark.shape
    found = []
    for i in range(1, count):
        x, y, bw, bh = (int(v) for v in stats[i, :4])
        inside = x > 0 and y > 0 and x + bw < w and y + bh < h
        if inside and 6 <= bh <= 0.75 * h and bw <= 1.2 * bh:
            found.append((i, (x, y, bw, bh)))
    return labels, found


def _soft_mask(
    gray: np.ndarray, labels: np.ndarray, index: int, box: Box, thr: float
) -> np.ndarray:
    """Return one part's ink with anti-aliased edges, other parts blanked out."""
    x, y, w, h = box
    own = (labels[y : y + h, x : x + w] == index).astype(np.uint8)
    own = cv2.dilate(own, np.ones((3, 3), np.uint8))
    ink = np.clip((thr + EDGE - gray[y : y + h, x : x + w].astype(np.float32)) / (2 * EDGE), 0, 1)
    return (ink * own * 255).astype(np.uint8)


def line_glyphs(gray: np.ndarray, text: str, trailing: int = 0) -> list[Glyph]:
    """Cut one painted line into the glyphs of `text`; [] if its parts do not count out.

    Up to `trailing` more tall parts may follow the text: a Punjab year, painted anywhere from
    half the letters' height to nearly all of it, and not cut (its digits often touch).
    """
    for thr in ink_thresholds(gray):
        labels, found = parts((gray < thr).astype(np.uint8))
        chosen = _characters(found, len(text), trailing)
        if chosen:
            return [
                Glyph(char, _soft_mask(gray, labels, i, box, thr))
                for char, (box, i) in zip(text, chosen, strict=True)
            ]
    return []


def _characters(found: list[tuple[int, Box]], count: int, trailing: int) -> list[tuple[Box, int]]:
    """Return the `count` leftmost tall parts if the line counts out, else [].

    It counts out when the tall parts number `count` (to `count + trailing`), those taken stand
    on one baseline at one height, and, where a year must follow (`trailing`), some ink follows
    them: otherwise the year's digits could have been taken for letters that were not found.
    """
    if not found:
        return []
    tallest = max(box[3] for _, box in found)
    tall = sorted(((box, i) for i, box in found if box[3] >= TALL * tallest), key=_left)
    if not count <= len(tall) <= count + trailing:
        return []
    chosen = tall[:count]
    if not _one_row([box for box, _ in chosen]):
        return []
    end = max(box[0] + box[2] for box, _ in chosen)
    if trailing and not any(box[0] >= end for _, box in found):
        return []
    return chosen


def _one_row(boxes: list[Box]) -> bool:
    """Tell whether the boxes stand on one (perhaps tilted) baseline at one height."""
    heights = np.array([h for _, _, _, h in boxes], float)
    if heights.max() > SAME_HEIGHT * heights.min():
        return False
    if len(boxes) < 3:
        return True
    centres = np.array([x + w / 2 for x, _, w, _ in boxes])
    bottoms = np.array([y + h for _, y, _, h in boxes], float)
    fitted = np.polyval(np.polyfit(centres, bottoms, 1), centres)
    return bool(np.abs(bottoms - fitted).max() <= BASELINE * np.median(heights))


def _left(part: tuple[Box, int]) -> int:
    """Sort key: a part's left edge."""
    return part[0][0]


def crop_glyphs(image: np.ndarray, lines: tuple[str, str], gap: int | None) -> list[Glyph]:
    """Return the glyphs of one real crop, given its painted lines and (two-line) gap row."""
    gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    top, bottom = lines
    if not bottom or gap is None:
        return line_glyphs(gray, top)
    field = gray[:, round(STRIP * gray.shape[1]) :]
    letters, year = split_letters(top)
    return line_glyphs(field[:gap], letters, len(year)) + line_glyphs(field[gap:], bottom)


def glyph_bank(glyphs: Iterable[Glyph]) -> Mapping[str, tuple[np.ndarray, ...]]:
    """Group glyph masks by character."""
    bank: dict[str, list[np.ndarray]] = {}
    for glyph in glyphs:
        bank.setdefault(glyph.char, []).append(glyph.mask)
    return {char: tuple(masks) for char, masks in sorted(bank.items())}


def openalpr_crops(folder: Path) -> Iterator[tuple[np.ndarray, str]]:
    """Yield (plate crop, text) for each plate of an OpenALPR benchmark folder.

    Each `NAME.txt` there holds lines `file x y w h TEXT` naming an image beside it and the box
    and characters of one plate on it.
    """
    for labels in sorted(folder.glob("*.txt")):
        for line in labels.read_text().splitlines():
            fields = line.split()
            if len(fields) != 6:
                continue
            image = cv2.imread(str(folder / fields[0]))
            if image is None:
                raise ValueError(f"{labels}: cannot read the image {fields[0]}")
            x, y, w, h = (int(v) for v in fields[1:5])
            yield image[y : y + h, x : x + w], fields[5].upper()


def one_line_glyphs(crops: Iterable[tuple[np.ndarray, str]]) -> list[Glyph]:
    """Return the glyphs of one-line plate crops (those whose line counts out)."""
    return [g for image, text in crops for g in crop_glyphs(image, (text, ""), None)]


def supplement(
    own: list[Glyph], extra: Iterable[Glyph], below: int
) -> Mapping[str, tuple[np.ndarray, ...]]:
    """Return the bank of `own` glyphs plus the extra ones of each character `own` holds fewer
    than `below` of.

    Characters `own` holds enough of keep only their own glyphs: the bank's face (the plates'
    own) stays what most lines are painted in.
    """
    counts = Counter(g.char for g in own)
    return glyph_bank([*own, *(g for g in extra if counts[g.char] < below)])
