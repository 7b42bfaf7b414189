"""Find number plates in a vehicle photo or a frame region, without a downloaded detector.

Three proposal sources, scored together: OpenCV's shipped plate cascade
(`haarcascade_russian_plate_number.xml`, present in opencv<5), text-dense regions (strong
vertical strokes closed into plate-shaped blobs) and closed plate-shaped outlines (solid
rectangles at several grey levels, closed edge contours: a plate's paint inside its rim). Each
candidate is scored by stroke density, plate-paint colour (yellow, white, green), contrast,
character-like blobs and shape; best first. The winner is then fitted to the whole plate: grown to
an outline holding it, widened over plate paint beside it (Punjab's green strip) and cut with the
margin the recogniser is trained with. A dim (night) image is lifted to day brightness for the
search; crops are always cut from the image as given.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import cv2
import numpy as np

WORK_WIDTH = 640  # proposals are found on a copy this wide; boxes are scaled back
MIN_ASPECT, MAX_ASPECT = 1.4, 6.5
CASCADE_BONUS = 0.3  # the cascade rarely fires on anything but a plate
OUTLINE_BONUS = 0.2  # a closed rectangular outline around characters is most often a plate
# An outline may fill much of a tight vehicle crop's plate region (stroke blobs may not: 0.25).
OUTLINE_MAX_AREA = 0.6
GRAY_LEVELS = (60, 100, 140, 180)  # besides Otsu's, for solid plate-shaped regions
PAINTED = 0.7  # share of plate paint that makes a box (not an outline) a plate's painted face
DIM = 150  # a plate whose brightest paint is below this (95th percentile) is lifted to day level
# Crop margin per side, as shares of the plate's width and height: the mean margin of the
# recogniser's training crops (training/ocr/synth.py draws 3% inside to 12% outside).
MARGIN = (0.05, 0.06)


@dataclass(frozen=True)
class PlateCandidate:
    """A plate-like region: its box in the original image (x, y, w, h), the crop and a score."""

    box: tuple[int, int, int, int]
    crop: np.ndarray
    score: float


def find_plates(image_bgr: np.ndarray, limit: int = 5, min_width: int = 0) -> list[PlateCandidate]:
    """Return up to `limit` plate candidates, best first.

    Images narrower than `min_width` are enlarged first: a plate a few dozen pixels wide in a
    small vehicle crop is then big enough for the proposals' fixed-size filters.
    """
    scale = min(1.0, WORK_WIDTH / image_bgr.shape[1])
    if image_bgr.shape[1] < min_width:
        scale = min_width / image_bgr.shape[1]
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
    small = cv2.resize(image_bgr, None, fx=scale, fy=scale, interpolation=interpolation)
    small = _brighten(small, _lift(small))  # a night scene's plate is its brightest paint
    gray = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)
    outlines = set(_outline_boxes(gray))
    boxes = outlines | set(_stroke_boxes(gray))
    # The cascade learnt plates at camera sharpness: on enlarged (soft) crops it is one more guess.
    bonus = CASCADE_BONUS if scale <= 1 else 0.0
    scored = [(_score(small, gray, b) + bonus, b) for b in _cascade_boxes(gray)]
    scored += [(_score(small, gray, b) + OUTLINE_BONUS * (b in outlines), b) for b in boxes]
    scored.sort(reverse=True)
    chosen = [(score, _fit(small, box, outlines)) for score, box in _suppress(scored, limit)]
    return [_candidate(image_bgr, box, score, scale) for score, box in chosen]


@functools.lru_cache(maxsize=1)
def _cascade() -> cv2.CascadeClassifier | None:
    """Load OpenCV's plate cascade, or None where this OpenCV build ships none."""
    path = getattr(cv2, "data", None)
    if path is None:
        return None
    cascade = cv2.CascadeClassifier(path.haarcascades + "haarcascade_russian_plate_number.xml")
    return None if cascade.empty() else cascade


def _cascade_boxes(gray: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Return the cascade's plate boxes."""
    cascade = _cascade()
    if cascade is None:
        return []
    found = cascade.detectMultiScale(gray, scaleFactor=1.1, minNeighbors=3, minSize=(30, 10))
    return [tuple(int(v) for v in box) for box in found]


def _stroke_boxes(gray: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Return plate-shaped blobs of dense vertical strokes (characters) at two closing sizes."""
    grad = cv2.Sobel(cv2.GaussianBlur(gray, (3, 3), 0), cv2.CV_16S, 1, 0, ksize=3)
    grad = cv2.convertScaleAbs(grad)
    _, edges = cv2.threshold(grad, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    boxes = []
    for kw, kh in ((17, 3), (25, 7)):
        closed = cv2.morphologyEx(edges, cv2.MORPH_CLOSE, cv2.getStructuringElement(0, (kw, kh)))
        opened = cv2.morphologyEx(closed, cv2.MORPH_OPEN, cv2.getStructuringElement(0, (5, 3)))
        contours, _ = cv2.findContours(opened, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        boxes += [cv2.boundingRect(c) for c in contours]
    return [b for b in boxes if _plate_shaped(b, gray.shape)]


def _outline_boxes(gray: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Return plate-shaped solid regions (plate paint inside its rim) and closed edge outlines."""
    otsu, _ = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    masks = []
    for level in (otsu, *GRAY_LEVELS):
        bright = (gray >= level).astype(np.uint8) * 255
        masks += [bright, 255 - bright]
    edges = cv2.dilate(cv2.Canny(gray, 50, 150), np.ones((3, 3), np.uint8))
    boxes = []
    for mask in (*masks, edges):
        contours, _ = cv2.findContours(mask, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
        for contour in contours:
            box = cv2.boundingRect(contour)
            solid = cv2.contourArea(contour) >= 0.8 * box[2] * box[3]
            wide = box[2] >= 0.12 * gray.shape[1]
            if solid and wide and _plate_shaped(box, gray.shape, OUTLINE_MAX_AREA):
                boxes.append(tuple(int(v) for v in box))
    return boxes


def _plate_shaped(
    box: tuple[int, int, int, int], shape: tuple[int, ...], max_area: float = 0.25
) -> bool:
    """Tell whether a box has a plate's proportions and a plausible size."""
    _, _, w, h = box
    area = w * h / (shape[0] * shape[1])
    return MIN_ASPECT <= w / max(h, 1) <= MAX_ASPECT and 0.0008 <= area <= max_area and h >= 8


def _score(image: np.ndarray, gray: np.ndarray, box: tuple[int, int, int, int]) -> float:
    """Score a box by stroke density, plate colour, contrast and shape."""
    x, y, w, h = box
    patch, patch_gray = image[y : y + h, x : x + w], gray[y : y + h, x : x + w]
    edges = cv2.Canny(patch_gray, 60, 160)
    density = float(edges.mean() / 255)
    stroke = 1.0 - min(abs(density - 0.18) / 0.18, 1.0)  # characters: neither blank nor noise
    aspect = w / max(h, 1)
    shape = 1.0 - min(min(abs(aspect - 2.0), abs(aspect - 4.5)) / 2.0, 1.0)
    gain = _lift(patch)  # a dim plate's paint and contrast are judged as by day
    contrast = min(float(patch_gray.std()) * gain / 60.0, 1.0)
    chars = min(_character_blobs(patch_gray) / 5.0, 1.0)
    paint = _paint(_brighten(patch, gain))
    return 0.25 * stroke + 0.2 * paint + 0.15 * contrast + 0.1 * shape + 0.3 * chars


def _character_blobs(patch_gray: np.ndarray) -> int:
    """Count dark or bright blobs sized like plate characters (tall, narrow, in a row)."""
    h = patch_gray.shape[0]
    _, dark = cv2.threshold(patch_gray, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    best = 0
    for mask in (dark, 255 - dark):
        n, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
        heights, widths = stats[1:, cv2.CC_STAT_HEIGHT], stats[1:, cv2.CC_STAT_WIDTH]
        tall = (heights > 0.25 * h) & (heights < 0.95 * h) & (widths < 0.8 * heights)
        best = max(best, int((tall & (widths > 1)).sum()))
    return best


def _paint(patch: np.ndarray) -> float:
    """Return the share of the patch painted in plate colours (yellow, white, green)."""
    return float(_paint_mask(patch).mean())


def _paint_mask(patch: np.ndarray, pale: bool = False) -> np.ndarray:
    """Return where the patch is painted in plate colours (yellow, white, green).

    `pale` also takes light greyish tints as white: a lifted night plate's white is noisy.
    """
    hsv = cv2.cvtColor(patch, cv2.COLOR_BGR2HSV)
    h, s, v = hsv[..., 0], hsv[..., 1], hsv[..., 2]
    yellow = (h >= 12) & (h <= 38) & (s > 90) & (v > 90)
    white = (s < 80) & (v > 130) if pale else (s < 45) & (v > 140)
    green = (h >= 40) & (h <= 85) & (s > 70) & (v > 50)
    return yellow | white | green


def _iou(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> float:
    """Return the intersection over union of two boxes."""
    ix = max(0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    inter = ix * iy
    return inter / float(a[2] * a[3] + b[2] * b[3] - inter)


def _fit(image: np.ndarray, box: tuple, outlines: set) -> tuple[int, int, int, int]:
    """Fit a chosen box to the whole plate: the outline holding it, then paint beside it."""
    # Only an outline or a box of plate paint ends where the paint does; stroke blobs run loose.
    return _widen(_grow(box, outlines), image, outlines)


def _grow(box: tuple[int, int, int, int], outlines: set) -> tuple[int, int, int, int]:
    """Return the largest outline holding the box that is at most a little bigger (its rim)."""
    best = box
    for o in outlines:
        bigger = best[2] * best[3] < o[2] * o[3] <= 1.6 * box[2] * box[3]
        if bigger and o[3] <= 1.35 * box[3] and _inside_share(best, o) >= 0.9:
            best = o
    return best


def _inside_share(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> float:
    """Return the share of box a that lies inside box b."""
    ix = max(0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    return ix * iy / max(1, a[2] * a[3])


def _widen(box: tuple[int, int, int, int], image: np.ndarray, outlines: set) -> tuple:
    """Widen a plate box over plate-painted columns beside it (a coloured strip) up to a rim."""
    x, y, w, h = box
    rows = image[y + h // 6 : y + h - h // 6]
    if not rows.size or not w:
        return box
    # A dim plate (night, shade) is lifted to day brightness so its paint reads as paint.
    lifted = _brighten(rows, _lift(rows[:, x : x + w]))
    share = _paint_mask(lifted, pale=True).mean(axis=0)
    if box not in outlines and share[x : x + w].mean() < PAINTED:
        return box
    left = _painted_run(share, x - 1, -1, round(0.35 * w))
    right = _painted_run(share, x + w, 1, round(0.35 * w))
    return (x - left, y, w + left + right, h)


def _lift(patch: np.ndarray) -> float:
    """Return the gain that brings a dim plate (night, shade) to day brightness; 1 otherwise."""
    bright = float(np.percentile(patch.max(axis=2), 95)) if patch.size else 255.0
    return min(4.0, 235.0 / max(bright, 1.0)) if bright < DIM else 1.0


def _brighten(image: np.ndarray, gain: float) -> np.ndarray:
    """Return the image times a gain, saturating."""
    if gain == 1.0:
        return image
    return np.clip(image.astype(np.float32) * gain, 0, 255).astype(np.uint8)


def _painted_run(share: np.ndarray, start: int, step: int, cap: int) -> int:
    """Count painted columns from `start`; 0 if paint runs past `cap` (a body, not a strip)."""
    for n in range(cap):
        col = start + step * n
        if not 0 <= col < share.shape[0]:
            return 0
        if share[col] < 0.5:
            return n
    return 0


def _suppress(scored: list, limit: int) -> list[tuple[float, tuple[int, int, int, int]]]:
    """Keep the best boxes that do not overlap a better one."""
    kept: list[tuple[float, tuple[int, int, int, int]]] = []
    for score, box in scored:
        if all(_iou(box, k[1]) < 0.3 for k in kept):
            kept.append((score, box))
        if len(kept) == limit:
            break
    return kept


def _candidate(
    image: np.ndarray, box: tuple[int, int, int, int], score: float, scale: float
) -> PlateCandidate:
    """Scale a working box back to the original image, add the recogniser's margin and crop."""
    x, y, w, h = (v / scale for v in box)
    pad_x, pad_y = MARGIN[0] * w, MARGIN[1] * h
    x0, y0 = max(0, round(x - pad_x)), max(0, round(y - pad_y))
    x1 = min(image.shape[1], round(x + w + pad_x))
    y1 = min(image.shape[0], round(y + h + pad_y))
    return PlateCandidate((x0, y0, x1 - x0, y1 - y0), image[y0:y1, x0:x1].copy(), score)
