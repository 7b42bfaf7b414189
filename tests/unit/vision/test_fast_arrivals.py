"""Round 3 of the adoption rule: fast arrivals at the line and crossings over a detector miss.

Pure: a scripted CNN behind the real LearnedDetector and ByteTracker (as in
test_dense_near_line.py), and the red-light rule on hand-made tracks.
"""

from __future__ import annotations

import numpy as np

from rules.calibration import Calibration
from rules.signals import Phase, SignalTimeline
from rules.tracks import Observation, Track
from rules.violations import RuleSettings, crossing_seen, red_light
from vision.bytetrack import ByteTracker
from vision.detector import Detection as Found
from vision.learned import LearnedDetector
from vision.pipeline import PipelineSettings, _densify, newcomer_near_line

LINE_Y = 300.0
CAL = Calibration(
    "test", (640, 480), ((0.0, LINE_Y), (640.0, LINE_Y)), (0.0, 1.0), None, frozenset()
)
CAR_H = 40
FAST = 15  # pixels a frame: 45 between two looks 3 frames apart, more than the box's height


class FastCar:
    """One car driving down toward the line at FAST pixels a frame, from bottom edge 150."""

    def detect(self, frame: np.ndarray) -> list[Found]:
        bottom = 150.0 + FAST * int(frame[0])
        return [Found("car", (200.0, bottom - CAR_H, 260.0, bottom), 0.9)]


def followed(newcomers: bool) -> list:
    """Run the strided detector and ByteTrack over the fast car; return the reported tracks."""
    detector = LearnedDetector(model=FastCar(), stride=3)
    tracker = ByteTracker(25.0)
    for index in range(20):
        _densify(detector, tracker, index, CAL, newcomers)
        tracker.update(index, detector.detect(np.array([index])))
    return tracker.tracks()


def test_a_fast_car_is_followed_over_the_line_when_newcomers_get_dense_looks() -> None:
    tracks = followed(newcomers=True)
    crossing = [t for t in tracks if t.boxes[0][1] + CAR_H < LINE_Y < t.boxes[-1][1] + CAR_H]
    assert len(crossing) == 1


def test_without_it_the_fast_car_is_never_confirmed() -> None:
    # Its box moves more than its height between looks 3 frames apart: the zero-speed
    # prediction of a one-hit track never overlaps the next box, so no track is born.
    assert followed(newcomers=False) == []


def test_a_newcomer_counts_within_one_box_height_of_the_line() -> None:
    assert newcomer_near_line([(0, 220, 50, 40)], CAL)  # bottom 260: 40 before the line
    assert not newcomer_near_line([(0, 219, 50, 40)], CAL)
    assert not newcomer_near_line([], CAL)


def obs(frame: int, bottom: float, fps: float = 6.0) -> Observation:
    """A 30x70 rider box at `frame` whose bottom edge is at `bottom`."""
    return Observation(frame, round(frame * 1000 / fps), (300, round(bottom) - 70, 30, 70))


def test_a_crossing_over_a_miss_counts_when_both_looks_are_at_the_line() -> None:
    s = RuleSettings()
    assert crossing_seen(obs(10, LINE_Y - 5), obs(13, LINE_Y + 15), CAL, s)  # 500 ms, at it
    assert not crossing_seen(obs(10, LINE_Y - 40), obs(13, LINE_Y + 15), CAL, s)  # far before
    assert not crossing_seen(obs(10, LINE_Y - 5), obs(13, LINE_Y + 40), CAL, s)  # far past
    assert not crossing_seen(obs(10, LINE_Y - 5), obs(17, LINE_Y + 5), CAL, s)  # 1167 ms
    off = RuleSettings(crossing_reach=0.0)
    assert not crossing_seen(obs(10, LINE_Y - 5), obs(13, LINE_Y + 15), CAL, off)
    assert crossing_seen(obs(10, LINE_Y - 40), obs(11, LINE_Y + 40), CAL, off)  # 167 ms


def test_a_rider_missed_at_the_line_is_still_flagged_on_red() -> None:
    # 6 fps: looks at f0-f4 behind the line, missed at f5-f6, seen past it from f7.
    bottoms = {0: 260, 1: 270, 2: 280, 3: 288, 4: 296, 7: 312, 8: 320, 9: 328}
    track = Track(1, "motorcycle", tuple(obs(f, b) for f, b in bottoms.items()))
    red = SignalTimeline((Phase("red", 0, 10_000),))
    assert red_light(track, CAL, red) is not None
    assert red_light(track, CAL, red, RuleSettings(crossing_reach=0.0)) is None


def test_both_are_on_in_the_default() -> None:
    assert PipelineSettings().dense_on_new is True
    assert PipelineSettings().rules.crossing_reach == 0.5
