"""The head finder: its ONNX contract, heads found on real photos, and the pipeline's use of it."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import cv2
import numpy as np

from synth.scenes import VehicleSpec, moto_sprite
from training.vision.helmet_data import read_boxes
from vision.heads import HeadBox, HeadFinder, to_frame
from vision.helmet import HelmetClassifier, square_crop
from vision.pipeline import PipelineSettings, _Collector
from vision.track import LiveTrack


def test_the_model_takes_bgr_squares_and_gives_two_head_slots() -> None:
    finder = HeadFinder.default()
    assert finder.input_size == 64
    crops = [np.zeros((30, 30, 3), np.uint8), np.full((90, 90, 3), 200, np.uint8)]
    raw = finder.raw(crops)
    assert raw.shape == (2, 2, 4) and raw.min() >= 0.0 and raw.max() <= 1.0
    assert finder.raw([]).shape == (0, 2, 4)
    assert len(finder.find(crops)) == 2


def test_head_boxes_map_back_to_the_frame() -> None:
    head = to_frame(HeadBox(10, 20, 8, 0.9), (100, 50), scale=2.0)
    assert (head.cx, head.cy, head.side, head.score) == (120, 90, 16, 0.9)
    assert head.box == (112, 82, 16, 16)


def iou(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    """IoU of two (x, y, w, h) boxes."""
    w = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
    h = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
    inter = max(0.0, w) * max(0.0, h)
    return inter / (a[2] * a[3] + b[2] * b[3] - inter)


def test_heads_are_found_in_cuts_of_real_valid_photos(shared_data: Path) -> None:
    split = shared_data / "helmet" / "valid"
    cuts, truth = [], []
    for image_path in sorted((split / "images").glob("*"))[:40]:
        image = cv2.imread(str(image_path))
        boxes = read_boxes(split / "labels" / (image_path.stem + ".txt"), *image.shape[1::-1])
        for _, cx, cy, side in boxes[:1]:
            # The pipeline's cut: head a third of the square, centred, a third down.
            length = side * 3
            cuts.append(square_crop(image, cx, cy + length * (0.5 - 0.35), length))
            truth.append((length / 2 - side / 2, length * 0.35 - side / 2, side, side))
    found = HeadFinder.default().find(cuts)
    hits = [h is not None and iou(h.box, t) >= 0.4 for h, t in zip(found, truth, strict=True)]
    assert len(cuts) >= 30 and sum(hits) >= 0.7 * len(cuts)


def rider_frame(sprite_w: int, box_w: int) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """Draw a bare-headed rider (sprite_w wide) whose blob box is box_w wide (arms, mirrors)."""
    spec = VehicleSpec(1, "motorcycle", "green", "LEA1234", "punjab", (40, 40, 40), (), (False,))
    img, mask = moto_sprite(spec, sprite_w, np.random.default_rng(3))
    frame = np.full((360, 640, 3), 110, np.uint8)
    x0, y0 = 300 - sprite_w // 2, 100
    frame[y0 : y0 + img.shape[0], x0 : x0 + img.shape[1]][mask > 0] = img[mask > 0]
    shoulder = y0 + round(sprite_w * 0.55)
    cv2.line(frame, (300 - box_w // 2, shoulder), (300 + box_w // 2, shoulder), (30, 30, 30), 2)
    return frame, (300 - box_w // 2, y0, box_w, max(img.shape[0], round(box_w * 1.6)))


def helmet_reads(frame: np.ndarray, box: tuple[int, ...], settings: PipelineSettings) -> dict:
    """Run the collector on one frame with one rider box; return the track's helmet reads."""
    finder = HeadFinder.default() if settings.head_finder else None
    collector = _Collector(25.0, (640, 360), HelmetClassifier.default(), settings, finder)
    track = LiveTrack(1)
    track.add(0, box)
    collector.collect(0, frame, [(track, SimpleNamespace(bbox=box))])
    return collector.data[1].helmet


def test_a_head_measured_under_the_floor_is_not_judged() -> None:
    # A 64 px wide box passes the width estimate (0.35 x 64 = 22 px), but the head is ~11 px.
    small, box = rider_frame(26, 64)
    assert helmet_reads(small, box, PipelineSettings(head_finder=True)) == {}
    assert list(helmet_reads(small, box, PipelineSettings(head_finder=False))) == [0]
    # The same rider drawn large enough is judged.
    large, box = rider_frame(64, 64)
    assert list(helmet_reads(large, box, PipelineSettings(head_finder=True))) == [0]
