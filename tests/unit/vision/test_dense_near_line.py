"""Adaptive stride: the learned detector runs every frame while a followed box nears the line.

Pure: a scripted CNN (one car driving down toward a horizontal stop line, or standing far from
it) behind the real LearnedDetector, the real trackers and the pipeline's own hint.
"""

from __future__ import annotations

import numpy as np
import pytest

from rules.calibration import Calibration
from vision.bytetrack import ByteTracker, KalmanBox
from vision.detector import Detection as Found
from vision.learned import LearnedDetector
from vision.pipeline import MOTION, PipelineSettings, _densify, near_line
from vision.track import IouTracker

LINE_Y = 300.0
CAL = Calibration(
    "test", (640, 480), ((0.0, LINE_Y), (640.0, LINE_Y)), (0.0, 1.0), None, frozenset()
)
CAR_H = 40
SPEED = 5  # pixels a frame, down toward the line


class ScriptedCnn:
    """Returns one car whose bottom edge is at start + speed * frame; records the frames asked."""

    def __init__(self, speed: float = SPEED, start: float = 100.0) -> None:
        self.speed, self.start, self.asked = speed, start, []

    def detect(self, frame: np.ndarray) -> list[Found]:
        index = int(frame[0])  # the test's "frame" carries its index
        self.asked.append(index)
        bottom = self.start + self.speed * index
        return [Found("car", (200.0, bottom - CAR_H, 260.0, bottom), 0.9)]


def run(
    tracker, dense: bool, frames: int = 90, speed: float = SPEED, start: float = 100.0
) -> list[int]:
    """Drive detector and tracker as the pipeline's decode pass does; return the CNN's frames."""
    cnn = ScriptedCnn(speed, start)
    detector = LearnedDetector(model=cnn, stride=3)
    for index in range(frames):
        _densify(detector, tracker, index, CAL if dense else None)
        tracker.update(index, detector.detect(np.array([index])))
    return cnn.asked


def band(index: int) -> bool:
    """Tell whether the scripted car's bottom edge is within one box height of the line."""
    return abs(100 + SPEED * index - LINE_Y) <= CAR_H


@pytest.mark.parametrize("tracker", [lambda: ByteTracker(25.0), lambda: IouTracker(25.0)])
def test_the_detector_runs_every_frame_near_the_line_and_every_third_far_from_it(
    tracker,
) -> None:
    asked = run(tracker(), dense=True)
    near = [i for i in range(90) if band(i)]  # frames 32-48
    assert set(near) <= set(asked)
    far = [i for i in asked if abs(100 + SPEED * i - LINE_Y) > 2 * CAR_H]
    before = [i for i in far if i < near[0]]
    after = [i for i in far if i > near[-1]]
    assert before == list(range(0, before[-1] + 1, 3))
    assert np.all(np.diff(after) == 3)


def test_without_the_setting_the_stride_holds_near_the_line_too() -> None:
    asked = run(ByteTracker(25.0), dense=False)
    assert asked == list(range(0, 90, 3))


def test_a_car_standing_far_from_the_line_is_looked_at_every_third_frame() -> None:
    asked = run(ByteTracker(25.0), dense=True, speed=0.0)
    assert asked == list(range(0, 90, 3))


def test_a_car_standing_at_the_line_is_looked_at_every_third_frame() -> None:
    # A queue waiting at the line: near it, but not moving, so the stride holds.
    asked = run(ByteTracker(25.0), dense=True, speed=0.0, start=LINE_Y - 5)
    assert asked == list(range(0, 90, 3))


def test_near_line_is_one_box_height_either_side_of_the_line_when_moving() -> None:
    moving, standing = (0.0, 3.0), (0.0, 1.0)  # 3/40 and 1/40 of the height a frame
    assert near_line([((0, 220, 50, 40), moving)], CAL)  # bottom 260: 40 before the line
    assert near_line([((0, 300, 50, 40), moving)], CAL)  # bottom 340: 40 past it
    assert not near_line([((0, 219, 50, 40), moving)], CAL)
    assert not near_line([((0, 301, 50, 40), moving)], CAL)
    assert not near_line([((0, 260, 50, 40), standing)], CAL)
    assert not near_line([((0, 260, 50, 40), (0.0, -3.0))], CAL)  # backing away
    assert not near_line([], CAL)
    # Between looks 3 frames apart a standing box jitters by 1/20 of its height at most.
    assert near_line([((0, 260, 50, 40), standing)], CAL, gap=3)
    assert not near_line([((0, 260, 50, 40), (0.0, 0.6))], CAL, gap=3)


def test_peek_predicts_like_predict_without_moving_the_filter() -> None:
    kalman = KalmanBox((100, 100, 40, 40))
    kalman.predict(1)
    kalman.update((105, 110, 40, 40))
    state = kalman.x.copy()
    peeked = kalman.peek(3)
    assert np.array_equal(kalman.x, state)
    assert peeked == kalman.predict(3)


def test_dense_is_on_in_the_default_and_off_in_motion() -> None:
    assert PipelineSettings().dense_near_line is True
    assert MOTION.dense_near_line is False
