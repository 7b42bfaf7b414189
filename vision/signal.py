"""Reading the signal head in its calibrated ROI: which lamp (red, amber, green) is lit."""

from __future__ import annotations

from collections import Counter

import cv2
import numpy as np

from rules.signals import AMBER, GREEN, RED, UNKNOWN, SignalTimeline, timeline_from_samples

# Hue bands (OpenCV 0-180) of lit lamps; red wraps around 0. Colour, not position, decides:
# heads are vertical or horizontal, and a tight ROI may hold one lamp only.
HUES = ((RED, 0, 8), (AMBER, 9, 34), (GREEN, 35, 100), (RED, 160, 180))  # teal greens ~90
MIN_SATURATION = 90
MIN_BRIGHTNESS = 110
MIN_PIXELS = 3
MIN_SHARE = 0.6  # of the lit pixels the winning colour must hold


def read_lamp(roi: np.ndarray) -> str:
    """Return the state a signal head crop shows, or 'unknown' when no lamp colour dominates."""
    if roi.size == 0:
        return UNKNOWN
    hsv = cv2.cvtColor(roi, cv2.COLOR_BGR2HSV)
    hue, sat, val = hsv[:, :, 0], hsv[:, :, 1], hsv[:, :, 2]
    # Lit pixels: saturated (white sky and blown-out centres are not) and bright among those.
    coloured = sat >= MIN_SATURATION
    if not coloured.any():
        return UNKNOWN
    lit = coloured & (val >= max(MIN_BRIGHTNESS, int(val[coloured].max()) * 0.6))
    total = int(lit.sum())
    if total < MIN_PIXELS:
        return UNKNOWN
    counts = Counter()
    for state, lo, hi in HUES:
        counts[state] += int((lit & (hue >= lo) & (hue <= hi)).sum())
    state, count = counts.most_common(1)[0]
    return state if count >= MIN_SHARE * total else UNKNOWN


class SignalReader:
    """Collect per-frame lamp readings and turn them into a smoothed timeline."""

    def __init__(self, roi: tuple[int, int, int, int], window: int = 5) -> None:
        self.roi = roi
        self.window = window
        self.samples: list[tuple[int, str]] = []

    def observe(self, frame: np.ndarray, time_ms: int) -> str:
        """Read the lamp in this frame and remember it."""
        x, y, w, h = self.roi
        state = read_lamp(frame[y : y + h, x : x + w])
        self.samples.append((time_ms, state))
        return state

    def smoothed(self) -> list[tuple[int, str]]:
        """Return samples with each state replaced by its window's majority (unknowns filled)."""
        states = [s for _, s in self.samples]
        half = self.window // 2
        out = []
        for i, (t, _) in enumerate(self.samples):
            votes = Counter(s for s in states[max(0, i - half) : i + half + 1] if s != UNKNOWN)
            out.append((t, votes.most_common(1)[0][0] if votes else UNKNOWN))
        return out

    def timeline(self, end_ms: int) -> SignalTimeline:
        """Return the timeline read from the clip."""
        return timeline_from_samples(self.smoothed(), end_ms)
