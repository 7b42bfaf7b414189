"""Detectors: background subtraction on a moving object; a YOLO ONNX graph built in the test."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import onnx
from onnx import TensorProto, helper

from vision.detect import BackgroundDetector, OnnxYoloDetector, letterbox


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
