"""Plate boxes fitted to the whole plate in small vehicle crops, with the recogniser's margin."""

from __future__ import annotations

import cv2
import numpy as np

from ocr.localize import MARGIN, _iou, find_plates
from synth import render


def _vehicle(style: str, body: tuple[int, int, int], seed: int, plate_w: int = 60) -> tuple:
    """Return a small rear-of-car crop with a plate_w-wide plate and the plate's true box."""
    rng = np.random.default_rng(seed)
    crop = np.full((110, 150, 3), (95, 100, 100), np.uint8)
    cv2.rectangle(crop, (0, 30), (149, 100), body, -1)
    cv2.rectangle(crop, (5, 40), (30, 50), (40, 40, 230), -1)  # lamps
    cv2.rectangle(crop, (120, 40), (145, 50), (40, 40, 230), -1)
    text, _ = render.random_plate(rng, style)
    plate = render.render_plate(text, style, rng)
    h = round(plate_w * plate.shape[0] / plate.shape[1])
    plate = cv2.resize(plate, (plate_w, h), interpolation=cv2.INTER_AREA)
    x, y = (150 - plate_w) // 2, 85 - h
    crop[y : y + h, x : x + plate_w] = plate
    return crop, (x, y, plate_w, h)


def _inside_share(box: tuple, truth: tuple) -> float:
    ix = max(0, min(box[0] + box[2], truth[0] + truth[2]) - max(box[0], truth[0]))
    iy = max(0, min(box[1] + box[3], truth[1] + truth[3]) - max(box[1], truth[1]))
    return ix * iy / (truth[2] * truth[3])


def test_small_plates_are_cut_whole_with_the_training_margin() -> None:
    cases = [("sindh", (40, 40, 160)), ("punjab", (170, 170, 175)), ("ict", (235, 235, 235))]
    for seed, (style, body) in enumerate(cases):
        crop, truth = _vehicle(style, body, seed)
        best = find_plates(crop, min_width=240)[0]
        assert _inside_share(best.box, truth) >= 0.95, (style, best.box, truth)
        assert _iou(best.box, truth) >= 0.7, (style, best.box, truth)
        assert best.box[2] <= truth[2] * (1 + 2 * MARGIN[0]) + 2


def test_punjab_green_strip_is_inside_the_crop() -> None:
    crop, truth = _vehicle("punjab", (30, 30, 35), 7, plate_w=70)
    best = find_plates(crop, min_width=240)[0]
    assert best.box[0] <= truth[0] + 1  # the strip is the plate's left fifth
    assert best.box[0] + best.box[2] >= truth[0] + truth[2] - 1


def test_enlarging_keeps_boxes_in_the_original_image() -> None:
    crop, _ = _vehicle("sindh", (60, 110, 60), 3)
    for c in find_plates(crop, min_width=480):
        x, y, w, h = c.box
        assert min(x, y) >= 0 and x + w <= crop.shape[1] and y + h <= crop.shape[0]
        assert c.crop.shape[:2] == (h, w)


def test_a_plate_at_night_is_found_and_cut_whole() -> None:
    crop, truth = _vehicle("punjab", (30, 30, 35), 11, plate_w=64)
    night = (crop.astype(np.float32) * 0.38).astype(np.uint8)
    best = find_plates(night, min_width=240)[0]
    assert _inside_share(best.box, truth) >= 0.9, (best.box, truth)
    assert _iou(best.box, truth) >= 0.6, (best.box, truth)
    assert best.crop.max() <= night.max()  # the crop is the image's own pixels, not lifted ones
