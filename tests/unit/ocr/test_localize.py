"""Plate localisation on synthetic scenes (real-photo figures live in bench/ocr_localize.py)."""

from __future__ import annotations

import cv2
import numpy as np

from ocr.localize import _iou, find_plates
from synth import render


def _scene(seed: int) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    rng = np.random.default_rng(seed)
    scene = np.full((480, 640, 3), (90, 80, 70), np.uint8)
    cv2.rectangle(scene, (100, 120), (540, 420), (40, 40, 160), -1)  # a red car body
    text, style = render.random_plate(rng, "sindh")
    plate = cv2.resize(render.render_plate(text, style, rng), (160, 80))
    scene[300:380, 240:400] = plate
    return scene, (240, 300, 160, 80)


def test_finds_the_plate_on_a_car_first() -> None:
    for seed in range(3):
        scene, truth = _scene(seed)
        best = find_plates(scene)[0]
        assert _iou(best.box, truth) > 0.5
        x, y, w, h = best.box
        assert best.crop.shape[:2] == (h, w)


def test_candidates_are_best_first_and_limited() -> None:
    scene, _ = _scene(5)
    found = find_plates(scene, limit=3)
    assert 1 <= len(found) <= 3
    assert [c.score for c in found] == sorted((c.score for c in found), reverse=True)


def test_blank_image_has_no_plate() -> None:
    assert find_plates(np.full((300, 400, 3), 128, np.uint8)) == []
