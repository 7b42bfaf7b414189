"""The pretrained CenterNet: its file, its contract, and what it finds on real junction frames."""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from pathlib import Path

import cv2
import numpy as np
import pytest

from vision.detector import (
    INPUT_NAME,
    INPUT_SIZE,
    MODEL_PATH,
    MODEL_SHA256,
    OUTPUT_NAME,
    Detection,
    Detector,
)

CARD = MODEL_PATH.parent / "CENTERNET.md"


@pytest.fixture(scope="module")
def detector() -> Detector:
    return Detector.default()


def frame_of(path: Path, index: int) -> np.ndarray:
    """Decode frame `index` of a clip by reading every frame before it (seeking is inexact)."""
    capture = cv2.VideoCapture(str(path))
    for _ in range(index):
        capture.grab()
    ok, frame = capture.read()
    capture.release()
    assert ok, f"{path} has no frame {index}"
    return frame


def test_model_file_matches_the_sha256_in_the_card_and_the_code() -> None:
    digest = hashlib.sha256(MODEL_PATH.read_bytes()).hexdigest()
    card = re.search(r"`vision/models/centernet\.onnx`[^\n]*`([0-9a-f]{64})`", CARD.read_text())
    assert card is not None, "CENTERNET.md records no SHA-256 for centernet.onnx"
    assert digest == card.group(1) == MODEL_SHA256


def test_onnx_names_and_shapes_are_the_wrappers_contract(detector: Detector) -> None:
    (image,) = detector._session.get_inputs()
    (rows,) = detector._session.get_outputs()
    assert (image.name, image.shape, image.type) == (
        INPUT_NAME,
        [1, INPUT_SIZE, INPUT_SIZE, 3],
        "tensor(float)",
    )
    assert (rows.name, rows.shape, rows.type) == (OUTPUT_NAME, [1, 100, 6], "tensor(float)")


def test_a_blank_frame_gives_nothing_above_0_3(detector: Detector) -> None:
    for value in (0, 128, 255):
        assert detector.detect(np.full((720, 1280, 3), value, np.uint8)) == []


def test_y3_frame_90_gives_the_cars_waiting_before_the_stop_line(
    detector: Detector, shared_data: Path
) -> None:
    found = detector.detect(frame_of(shared_data / "videos" / "y3.mov", 90))
    assert all(isinstance(d, Detection) and d.score >= 0.3 for d in found)
    # The queue at the crossing: red hatchback, white saloon, taxi and red saloon, whose
    # bottoms lie below the zebra crossing (y about 260 in this 1280x720 frame), right of the kerb.
    queue = [d for d in found if d.kind == "car" and d.box[3] > 280 and 350 < d.box[0] < 1000]
    assert len(queue) >= 3, found
    for d in queue:
        x0, y0, x1, y1 = d.box
        assert 0 <= x0 < x1 <= 1280 and 0 <= y0 < y1 <= 720
        assert 60 < x1 - x0 < 500 and 40 < y1 - y0 < 300


def test_hanoi_frame_230_gives_riders_and_motorcycles(
    detector: Detector, shared_data: Path
) -> None:
    found = detector.detect(frame_of(shared_data / "videos" / "hanoi-16h30.25.9.22.mp4", 230))
    kinds = Counter(d.kind for d in found)
    assert kinds["motorcycle"] >= 3 and kinds["person"] >= 3, kinds


def test_letterbox_maps_boxes_back_to_the_same_cars(detector: Detector, shared_data: Path) -> None:
    frame = frame_of(shared_data / "videos" / "y3.mov", 90)
    padded = Detector(detector._session, letterbox=True).detect(frame)
    stretched = [d for d in detector.detect(frame) if d.kind == "car" and d.score > 0.55]
    for car in stretched:
        assert any(d.kind == "car" and iou(d.box, car.box) > 0.6 for d in padded), car


def iou(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    """Return the intersection over union of two (x0, y0, x1, y1) boxes."""
    w = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    h = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - w * h
    return w * h / union
