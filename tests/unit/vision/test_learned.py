"""The CenterNet behind the pipeline: rider folding (pure) and a real clip (y3.mov)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from echallan.clips.findings import analyze_clip
from rules.calibration import parse_calibration
from rules.violations import signed_distance
from vision.detect import Detection
from vision.detector import Detection as Found
from vision.learned import LearnedDetector, fold_riders, rides
from vision.pipeline import (
    PipelineSettings,
    _Collector,
    _labelled_kind,
    _to_track,
)
from vision.track import LiveTrack

ROOT = Path(__file__).resolve().parents[3]


def test_a_rider_and_a_pillion_fold_into_one_tall_motorcycle_box() -> None:
    found = [
        Found("motorcycle", (100.0, 150.0, 140.0, 220.0), 0.6),
        Found("person", (102.0, 80.0, 138.0, 190.0), 0.7),  # rider: feet on the machine
        Found("person", (110.0, 70.0, 140.0, 180.0), 0.4),  # pillion behind
    ]
    assert fold_riders(found) == [Detection((100, 70, 40, 150), 0.6, "motorcycle")]


def test_a_cyclist_becomes_a_motorcycle_box_and_an_empty_bicycle_stays_a_bicycle() -> None:
    found = [
        Found("bicycle", (0.0, 60.0, 40.0, 100.0), 0.5),
        Found("person", (5.0, 0.0, 35.0, 80.0), 0.8),
        Found("bicycle", (300.0, 60.0, 340.0, 100.0), 0.45),
    ]
    assert fold_riders(found) == [
        Detection((0, 0, 40, 100), 0.5, "motorcycle"),
        Detection((300, 60, 40, 40), 0.45, "bicycle"),
    ]


def test_pedestrians_and_signal_heads_are_dropped_vehicles_keep_their_labels() -> None:
    found = [
        Found("person", (500.0, 100.0, 530.0, 190.0), 0.9),  # beside the car, on no two-wheeler
        Found("traffic_light", (10.0, 10.0, 20.0, 40.0), 0.8),
        Found("car", (300.0, 120.0, 480.0, 200.0), 0.7),
        Found("bus", (600.0, 50.0, 900.0, 250.0), 0.6),
        Found("truck", (950.0, 50.0, 1100.0, 200.0), 0.5),
    ]
    assert [d.label for d in fold_riders(found)] == ["car", "bus", "truck"]
    assert fold_riders(found)[0].bbox == (300, 120, 180, 80)


def test_a_person_walking_past_a_motorcycle_is_not_its_rider() -> None:
    machine = (100.0, 150.0, 140.0, 220.0)
    assert rides((102.0, 80.0, 138.0, 190.0), machine)
    assert not rides((141.0, 90.0, 170.0, 220.0), machine)  # beside it, not touching
    assert not rides((135.0, 100.0, 165.0, 225.0), machine)  # brushes its side, feet beside


def test_each_person_rides_one_two_wheeler_the_one_it_overlaps_most() -> None:
    found = [
        Found("motorcycle", (100.0, 150.0, 140.0, 220.0), 0.6),
        Found("motorcycle", (130.0, 150.0, 170.0, 220.0), 0.5),
        Found("person", (128.0, 80.0, 168.0, 190.0), 0.7),  # sits on the second
    ]
    boxes = {d.score: d for d in fold_riders(found)}
    assert boxes[0.6] == Detection((100, 150, 40, 70), 0.6, "motorcycle")
    assert boxes[0.5] == Detection((128, 80, 42, 140), 0.5, "motorcycle")


def test_a_second_class_on_the_same_vehicle_is_dropped() -> None:
    found = [
        Found("car", (300.0, 120.0, 480.0, 200.0), 0.7),
        Found("truck", (302.0, 118.0, 482.0, 204.0), 0.4),
    ]
    assert [d.label for d in fold_riders(found)] == ["car"]


class _Counting:
    """A stand-in CenterNet that finds one car and counts its runs."""

    def __init__(self) -> None:
        self.runs = 0

    def detect(self, frame: np.ndarray) -> list[Found]:
        self.runs += 1
        return [Found("car", (10.0, 10.0, 50.0, 30.0), 0.9)]


def test_the_stride_runs_the_model_on_every_nth_call_only() -> None:
    model = _Counting()
    learned = LearnedDetector(model, stride=3)  # type: ignore[arg-type]
    frame = np.zeros((64, 64, 3), np.uint8)
    seen = [len(learned.detect(frame)) for _ in range(7)]
    assert seen == [1, 0, 0, 1, 0, 0, 1]
    assert model.runs == 3


def test_a_track_takes_the_label_most_of_its_detections_carried() -> None:
    assert _labelled_kind(["car", "truck", "car", "bus", "car"]) == "car"
    assert _labelled_kind(["truck", "car"]) == "truck"  # a tie goes to the first seen


def test_labels_seen_by_the_collector_decide_the_kind_over_the_box_shape() -> None:
    collector = _Collector(25.0, (640, 360), None, PipelineSettings())
    frame = np.zeros((360, 640, 3), np.uint8)
    track = LiveTrack(1)
    for i in range(15):  # tall and fast: the shape guess says motorcycle
        box = (100 + 20 * i, 100, 20, 60)
        track.add(i, box)
        label = "bicycle" if i == 0 else "truck"
        collector.collect(i, frame, [(track, Detection(box, 0.9, label))])
    assert _to_track(track, 25.0, collector.data[1]).kind == "truck"
    unlabelled = _Collector(25.0, (640, 360), None, PipelineSettings())
    for i, box in enumerate(track.boxes):
        unlabelled.collect(i, frame, [(track, Detection(box))])  # motion: label "vehicle"
    assert _to_track(track, 25.0, unlabelled.data[1]).kind == "motorcycle"


def test_an_unknown_detector_setting_is_refused(shared_data: Path) -> None:
    cal = parse_calibration(json.loads((ROOT / "bench" / "calibrations" / "y3.json").read_text()))
    with pytest.raises(ValueError, match="unknown detector"):
        analyze_clip(
            shared_data / "videos" / "y3.mov",
            cal,
            None,
            settings=PipelineSettings(detector="yolo"),
        )


def test_y3_learned_finds_the_cars_queued_before_the_stop_line(shared_data: Path) -> None:
    cal = parse_calibration(json.loads((ROOT / "bench" / "calibrations" / "y3.json").read_text()))
    result = analyze_clip(
        shared_data / "videos" / "y3.mov",
        cal,
        None,
        settings=PipelineSettings(detector="learned", tracker="iou", learned_stride=1),
    )
    queued = [
        t
        for t in result.tracks
        if t.kind == "car"
        and len(t.observations) >= 50
        and signed_distance(t.observations[0].ground, cal) < 0
    ]
    # By eye: four cars wait at the crossing from the first frame (CENTERNET.md, frame 90).
    assert len(queued) >= 4
    assert {t.kind for t in result.tracks} <= {"car", "bus", "truck", "motorcycle", "bicycle"}
