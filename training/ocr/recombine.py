"""New real-looking two-line plates from the real ones: the top line of one, the number of another.

Training only. The 44 pk-dev train crops are memorised within a few thousand steps: the model
learns each image's answer rather than how to read the real painted face. Cutting each two-line
crop between its lines and joining the top of one crop with the bottom of another turns the 27
two-line crops into some 700 plates with real glyphs, real paint and real wear, whose labels are
still known exactly (top-line text of the first, bottom-line text of the second).
"""

from __future__ import annotations

import cv2
import numpy as np

# Where the gap between the lines may lie, as shares of the crop's height: the letters and year
# fill roughly the top 15-45%, the number 50-90% (pk-dev train crops, looked at by eye).
GAP_BAND = (0.35, 0.68)


def line_gap_row(image: np.ndarray) -> int:
    """Return the row between the two lines of a two-line plate crop (least ink in the band)."""
    gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    h, w = gray.shape
    field = np.ascontiguousarray(gray[:, w // 4 :])  # right of the green strip and its emblem
    _, dark = cv2.threshold(field, 0, 1, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    ink = dark.mean(axis=1)
    lo, hi = round(GAP_BAND[0] * h), round(GAP_BAND[1] * h)
    smoothed = np.convolve(ink, np.ones(3) / 3, mode="same")
    return lo + int(np.argmin(smoothed[lo:hi]))


def join_lines(top: np.ndarray, top_gap: int, bottom: np.ndarray, bottom_gap: int) -> np.ndarray:
    """Return `top`'s rows above its gap over `bottom`'s rows below its gap, at `top`'s width.

    The lower part is resized to the width of the upper one and to the height the upper crop's
    own lower part had, so the joined plate keeps the upper crop's proportions.
    """
    h, w = top.shape[:2]
    lower = bottom[bottom_gap:]
    lower = cv2.resize(lower, (w, max(1, h - top_gap)), interpolation=cv2.INTER_AREA)
    return np.vstack([top[:top_gap], lower])
