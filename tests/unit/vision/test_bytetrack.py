"""The ByteTrack-style tracker keeps identities through occlusion, queues and crossings."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from echallan.clips.findings import analyze_clip
from rules.calibration import parse_calibration
from rules.violations import signed_distance
from vision.bytetrack import ByteTracker, ByteTrackSettings, KalmanBox, new_tracker
from vision.detect import Detection
from vision.detector import Detection as Found
from vision.learned import LearnedDetector
from vision.pipeline import PipelineSettings
from vision.track import IouTracker

ROOT = Path(__file__).resolve().parents[3]


def _ids_by_frame(tracker: ByteTracker, frames, dets_at) -> dict[int, list[int]]:
    """Feed the tracker and return, per frame, the ids of the tracks matched in it."""
    out = {}
    for f in frames:
        out[f] = [t.track_id for t, _ in tracker.update(f, dets_at(f))]
    return out


def test_the_filter_learns_the_velocity_and_predicts_ahead() -> None:
    kalman = KalmanBox((0, 100, 40, 30))
    for f in range(1, 10):
        kalman.predict(1)
        kalman.update((10 * f, 100, 40, 30))
    assert abs(kalman.predict(5)[0] - 140) <= 4  # 90 + 5 frames at 10 px a frame


def test_a_car_hidden_for_five_frames_keeps_its_id() -> None:
    tracker = ByteTracker(fps=25)

    def dets(f: int) -> list[Detection]:
        hidden = 10 <= f < 15  # behind a bus: the detector sees nothing
        return [] if hidden else [Detection((100 + 12 * f, 300, 80, 50), 0.8, "car")]

    _ids_by_frame(tracker, range(30), dets)
    (track,) = tracker.tracks()
    assert track.frames[0] == 0 and track.frames[-1] == 29
    assert 10 not in track.frames and 15 in track.frames


def test_a_weakly_seen_occluded_car_is_held_by_the_second_stage() -> None:
    tracker = ByteTracker(fps=25, settings=ByteTrackSettings(high_score=0.45, new_track_score=0.5))

    def dets(f: int) -> list[Detection]:
        score = 0.2 if 8 <= f < 16 else 0.8  # half hidden: below high_score
        return [Detection((200 + 6 * f, 300, 80, 50), score, "car")]

    _ids_by_frame(tracker, range(24), dets)
    (track,) = tracker.tracks()
    assert track.frames == list(range(24))  # the weak boxes joined it, no new track


def test_a_stop_and_go_queue_keeps_every_car_its_own_id() -> None:
    tracker = ByteTracker(fps=25)

    def y(car: int, f: int) -> int:
        """Three cars 70 px apart: moving, stopped at the line for 40 frames, moving again."""
        moving = min(f, 20) + max(0, f - 60)
        return 500 - 70 * car - 4 * moving

    def dets(f: int) -> list[Detection]:
        return [Detection((300, y(c, f), 90, 60), 0.7, "car") for c in range(3)]

    _ids_by_frame(tracker, range(100), dets)
    tracks = tracker.tracks()
    assert len(tracks) == 3
    assert all(t.frames == list(range(100)) for t in tracks)
    for t in tracks:  # each track stays in its own lane of the queue
        offsets = {b[1] - y(0, f) for f, b in zip(t.frames, t.boxes, strict=True)}
        assert len(offsets) == 1


def test_two_crossing_cars_keep_their_ids() -> None:
    tracker = ByteTracker(fps=25)

    def dets(f: int) -> list[Detection]:
        return [
            Detection((100 + 10 * f, 300, 80, 50), 0.8, "car"),  # left to right
            Detection((500 - 10 * f, 310, 80, 50), 0.7, "car"),  # right to left
        ]

    ids = _ids_by_frame(tracker, range(40), dets)
    assert len(tracker.tracks()) == 2
    first = next(t for t in tracker.tracks() if t.boxes[0][0] == 100)
    # after the crossing (frame 20) the left-to-right track still has the rightward boxes
    assert first.boxes[-1][0] == 100 + 10 * 39
    assert all(len(v) == 2 for v in ids.values())


def test_a_one_off_false_box_starts_no_track() -> None:
    tracker = ByteTracker(fps=25)
    tracker.update(0, [Detection((10, 10, 30, 30), 0.9, "car")])
    for f in range(1, 10):
        tracker.update(f, [Detection((400, 300, 30, 30), 0.9, "car")])  # another, far away
    assert [t.boxes[0] for t in tracker.tracks()] == [(400, 300, 30, 30)]


def test_the_tracker_setting_chooses_and_refuses() -> None:
    assert isinstance(new_tracker("iou", 25), IouTracker)
    assert isinstance(new_tracker("bytetrack", 25), ByteTracker)
    with pytest.raises(ValueError, match="unknown tracker"):
        new_tracker("sort", 25)


def test_y3_bytetrack_keeps_the_front_car_as_one_track(shared_data: Path) -> None:
    cal = parse_calibration(json.loads((ROOT / "bench" / "calibrations" / "y3.json").read_text()))
    settings = PipelineSettings(detector="learned", tracker="bytetrack")
    result = analyze_clip(shared_data / "videos" / "y3.mov", cal, None, settings=settings)
    # By eye: the red hatchback waits first in the queue and crosses the line on red (frame ~102).
    crossers = [
        t
        for t in result.tracks
        if t.kind == "car"
        and signed_distance(t.observations[0].ground, cal)
        < 0
        < signed_distance(t.observations[-1].ground, cal)
    ]
    assert len(crossers) == 1
    (front,) = crossers
    assert front.observations[0].frame <= 10  # one track from the clip's start past the line


class _CountingModel:
    """A CenterNet stand-in: one car wherever, counting how often it is asked."""

    def __init__(self) -> None:
        self.calls = 0

    def detect(self, frame: np.ndarray) -> list[Found]:
        """Return one car box."""
        self.calls += 1
        return [Found("car", (10.0, 10.0, 60.0, 40.0), 0.8)]


def test_the_stride_runs_the_cnn_every_kth_frame_and_leaves_the_rest_empty() -> None:
    model = _CountingModel()
    learned = LearnedDetector(model, stride=3)
    frame = np.zeros((90, 160, 3), np.uint8)
    found = [learned.detect(frame) for _ in range(9)]
    assert model.calls == 3
    assert [bool(f) for f in found] == [True, False, False] * 3


def test_the_motion_gate_repeats_the_boxes_while_nothing_moves() -> None:
    model = _CountingModel()
    learned = LearnedDetector(model, motion_gate=0.001)
    still = np.full((90, 160, 3), 100, np.uint8)
    moved = still.copy()
    moved[20:50, 30:80] = 200  # a car drives in
    outputs = [learned.detect(f) for f in (still, still, still, moved, moved)]
    assert model.calls == 2 and learned.runs == 2  # the first frame, then the change
    assert all(o == outputs[0] for o in outputs)  # the still frames repeat the last boxes


def test_tracks_are_born_and_kept_when_the_detector_runs_every_third_frame() -> None:
    tracker = ByteTracker(fps=25)
    for f in range(30):
        box = (100 + 8 * f, 300, 80, 50)
        tracker.update(f, [Detection(box, 0.8, "car")] if f % 3 == 0 else [])
    (track,) = tracker.tracks()
    assert track.frames == list(range(0, 30, 3))
