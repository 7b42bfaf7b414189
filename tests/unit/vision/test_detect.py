"""Detectors: background subtraction on a moving object; a YOLO ONNX graph built in the test."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import onnx
from onnx import TensorProto, helper

from vision.detect import BackgroundDetector, OnnxYoloDetector, exposure_gain, letterbox


def test_background_detector_finds_a_moving_car_and_ignores_the_signal_roi() -> None:
    det = BackgroundDetector(fps=25, frame_size=(640, 360), ignore=[(560, 10, 40, 100)])
    rng = np.random.default_rng(0)
    found = []
    for i in range(60):
        frame = np.full((360, 640, 3), 100, np.uint8) + rng.integers(0, 4, (360, 640, 3), np.uint8)
        if i >= 30:
            cv2.rectangle(frame, (200, 300 - 4 * i), (280, 360 - 4 * i), (30, 30, 200), -1)
            cv2.rectangle(frame, (570, 20), (590, 90), (0, 0, 255) if i % 10 < 5 else (0, 0, 0), -1)
        found = det.detect(frame)
    assert len(found) == 1
    x, y, w, h = found[0].bbox
    assert abs(x - 200) <= 6 and abs(w - 80) <= 10 and abs(y - (300 - 4 * 59)) <= 8


def constant_yolo(path: Path, rows: np.ndarray, size: int = 640) -> Path:
    """Write a YOLO-shaped ONNX graph: input images (1,3,S,S), output = rows (1, 4+C, N)."""
    const = helper.make_tensor("rows", TensorProto.FLOAT, rows.shape, rows.flatten().tolist())
    zero = helper.make_tensor("zero", TensorProto.FLOAT, [], [0.0])
    nodes = [
        helper.make_node("ReduceMean", ["images"], ["mean"], keepdims=0),
        helper.make_node("Mul", ["mean", "zero"], ["nothing"]),
        helper.make_node("Add", ["rows", "nothing"], ["output0"]),
    ]
    graph = helper.make_graph(
        nodes,
        "yolo_stub",
        [helper.make_tensor_value_info("images", TensorProto.FLOAT, [1, 3, size, size])],
        [helper.make_tensor_value_info("output0", TensorProto.FLOAT, list(rows.shape))],
        initializer=[const, zero],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return path


def test_letterbox_keeps_aspect_and_centres() -> None:
    canvas, scale, pad = letterbox(np.zeros((720, 1280, 3), np.uint8), 640)
    assert canvas.shape == (640, 640, 3) and scale == 0.5 and pad == (0, 140)
    assert canvas[0, 0, 0] == 114 and canvas[320, 320, 0] == 0


def test_yolo_detector_decodes_undoes_letterbox_and_suppresses(tmp_path: Path) -> None:
    # Columns: (cx, cy, w, h, car score, motorcycle score) in letterboxed 640x640 pixels.
    boxes = [
        (320, 320, 100, 50, 0.9, 0.05),  # a car
        (322, 321, 100, 50, 0.6, 0.05),  # the same car again, weaker: suppressed
        (100, 400, 20, 60, 0.1, 0.8),  # a motorcycle
        (500, 200, 40, 40, 0.1, 0.2),  # below the score threshold
    ]
    rows = np.array(boxes, np.float32).T[None]
    model = constant_yolo(tmp_path / "yolo.onnx", rows)
    detector = OnnxYoloDetector(model, labels=("car", "motorcycle"))
    found = detector.detect(np.zeros((720, 1280, 3), np.uint8))
    assert [d.label for d in found] == ["car", "motorcycle"]
    assert found[0].bbox == (540, 310, 200, 100)
    assert found[1].bbox == (180, 460, 40, 120)  # (370 - 140 pad) / 0.5
    assert abs(found[0].score - 0.9) < 1e-6


def test_yolo_preprocess_is_rgb_nchw_unit_range(tmp_path: Path) -> None:
    model = constant_yolo(tmp_path / "yolo.onnx", np.zeros((1, 5, 3), np.float32))
    detector = OnnxYoloDetector(model)
    frame = np.zeros((100, 200, 3), np.uint8)
    frame[:, :, 0] = 255  # blue in BGR
    blob, scale, pad = detector.preprocess(frame)
    assert blob.shape == (1, 3, 640, 640) and blob.dtype == np.float32
    assert blob[0, 2, 320, 320] == 1.0 and blob[0, 0, 320, 320] == 0.0  # blue is the last channel
    assert scale == 3.2 and pad == (0, 160)
    assert detector.detect(frame) == []


def _road(rng: np.random.Generator, level: int = 100) -> np.ndarray:
    """Return a 640x360 textured road frame (texture keeps brightness ratios meaningful)."""
    base = np.tile(np.linspace(level - 40, level + 60, 640, dtype=np.float32), (360, 1))
    noise = rng.normal(0, 1.5, (360, 640))
    return np.clip(base + noise, 0, 255).astype(np.uint8)[:, :, None].repeat(3, axis=2)


def test_exposure_gain_ignores_vehicles_and_sees_a_global_change() -> None:
    rng = np.random.default_rng(1)
    reference = _road(rng)
    with_car = reference.copy()
    cv2.rectangle(with_car, (100, 100), (400, 300), (250, 250, 250), -1)  # a big white van
    assert abs(exposure_gain(with_car, reference) - 1.0) < 0.01
    darker = (reference.astype(np.float32) * 0.8).astype(np.uint8)
    assert abs(exposure_gain(darker, reference) - 0.8) < 0.02


def test_an_exposure_jump_does_not_flood_the_mask() -> None:
    det = BackgroundDetector(fps=12.5, frame_size=(640, 360))
    rng = np.random.default_rng(2)
    found = []
    for i in range(40):
        frame = _road(rng)
        if i >= 25:  # the camera's automatic gain brightens the whole view by 12 %
            frame = cv2.convertScaleAbs(frame, alpha=1.12)
        cv2.rectangle(frame, (300, 330 - 6 * i), (360, 360 - 6 * i), (30, 30, 200), -1)
        found = det.detect(frame)
    assert det.changes == 0
    assert len(found) == 1 and abs(found[0].bbox[1] - (330 - 6 * 39)) <= 8


def test_seeding_makes_a_car_waiting_at_the_start_foreground_and_leaves_no_ghost() -> None:
    rng = np.random.default_rng(3)

    def frame_at(i: int) -> np.ndarray:
        """A car waits at y 250-310 for 12 frames, then drives up and out of view."""
        frame = _road(rng)
        top = 250 - max(0, i - 12) * 15
        if top > -60:
            cv2.rectangle(frame, (200, max(0, top)), (300, top + 60), (40, 40, 180), -1)
        return frame

    frames = [frame_at(i) for i in range(40)]
    seeded = BackgroundDetector(fps=12.5, frame_size=(640, 360))
    seeded.seed(frames[::3])
    first = seeded.detect(frames[0])
    assert [d.bbox for d in first] and abs(first[0].bbox[1] - 250) <= 6
    plain = BackgroundDetector(fps=12.5, frame_size=(640, 360))
    for frame in frames[1:]:
        seeded.detect(frame)
        late = plain.detect(frame)
    assert seeded.detect(frames[-1]) == []  # the car has left: nothing where it stood
    assert late  # unseeded, the model learnt the waiting car as road: its ghost stays
