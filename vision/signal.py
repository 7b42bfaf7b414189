"""Reading the signal head in its calibrated ROI: which lamp (red, amber, green) is lit."""

from __future__ import annotations

from collections import Counter

import cv2
import numpy as np

from rules.signals import AMBER, GREEN, RED, UNKNOWN, SignalTimeline, timeline_from_samples

LAMPS = (RED, AMBER, GREEN)  # top to bottom (left to right on a horizontal head)
# The lit lamp must be this much brighter than the next brightest lamp.
MIN_CONTRAST = 1.35
MIN_BRIGHTNESS = 80


def read_lamp(roi: np.ndarray) -> str:
    """Return the state shown by a signal head crop, or 'unknown' when no lamp stands out."""
    if roi.size == 0:
        return UNKNOWN
    value = cv2.cvtColor(roi, cv2.COLOR_BGR2HSV)[:, :, 2]
    vertical = roi.shape[0] >= roi.shape[1]
    cells = np.array_split(value, 3, axis=0 if vertical else 1)
    # A lamp's brightness: the 90th percentile ignores the dark housing around the disc.
    levels = [float(np.percentile(c, 90)) if c.size else 0.0 for c in cells]
    order = np.argsort(levels)[::-1]
    top, second = levels[order[0]], levels[order[1]]
    if top < MIN_BRIGHTNESS or top < MIN_CONTRAST * max(second, 1.0):
        return UNKNOWN
    return LAMPS[int(order[0])]


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
