"""Reading the signal head drawn by the synthesiser, and smoothing readings into a timeline."""

from __future__ import annotations

import numpy as np
import pytest

from synth.scenes import SIGNAL_ROI, draw_signal
from vision.signal import SignalReader, read_lamp

SIZE = (640, 360)
ROI = (
    round(SIGNAL_ROI[0] * 640),
    round(SIGNAL_ROI[1] * 360),
    round(SIGNAL_ROI[2] * 640),
    round(SIGNAL_ROI[3] * 360),
)


def frame_with(state: str) -> np.ndarray:
    """Return a frame whose signal head shows `state`."""
    img = np.full((360, 640, 3), 100, np.uint8)
    draw_signal(img, state, SIZE)
    return img


@pytest.mark.parametrize("state", ["red", "amber", "green"])
def test_lit_lamp_is_read(state: str) -> None:
    x, y, w, h = ROI
    assert read_lamp(frame_with(state)[y : y + h, x : x + w]) == state


def test_dark_head_reads_unknown() -> None:
    assert read_lamp(np.full((60, 20, 3), 30, np.uint8)) == "unknown"


def test_reader_smooths_single_misreads_into_one_phase() -> None:
    reader = SignalReader(ROI)
    states = ["green"] * 10 + ["amber"] * 5 + ["red"] * 10
    states[3] = "red"  # a one-frame glitch
    for i, state in enumerate(states):
        reader.observe(frame_with(state), i * 40)
    reader.samples[20] = (800, "unknown")
    timeline = reader.timeline(1000)
    assert [p.state for p in timeline.phases] == ["green", "amber", "red"]
    assert timeline.state_at(500) == "amber" and timeline.state_at(999) == "red"
