"""Plate localisation hit rate on OpenALPR's EU benchmark photos (boxes given) and synthetic scenes.

    .venv/bin/python bench/ocr_localize.py

A hit is a candidate overlapping the true plate box with IoU >= 0.3 (the crop is then padded and
read by the recogniser). Prints top-1 and top-5 hit rates and the time per image.
Data: ../shared/data/plates/openalpr-eu (github.com/openalpr/benchmarks, AGPL-3.0).
"""

from __future__ import annotations

import time
from pathlib import Path

import cv2
import numpy as np

from ocr import render
from ocr.localize import _iou, find_plates

DATA = Path(__file__).resolve().parents[2] / "shared/data/plates/openalpr-eu"


def eu_cases() -> list[tuple[np.ndarray, tuple[int, int, int, int]]]:
    """Return (image, true box) for every OpenALPR EU photo."""
    cases = []
    for label in sorted(DATA.glob("*.txt")):
        fields = label.read_text().split()
        if len(fields) < 5:
            continue
        image = cv2.imread(str(DATA / fields[0]))
        if image is not None:
            cases.append((image, tuple(int(v) for v in fields[1:5])))
    return cases


def synthetic_cases(n: int = 60) -> list[tuple[np.ndarray, tuple[int, int, int, int]]]:
    """Return synthetic scenes: a rendered plate pasted on a textured car-like background."""
    rng = np.random.default_rng(99)
    cases = []
    for _ in range(n):
        scene = np.full((480, 640, 3), rng.integers(20, 200, size=3), np.uint8)
        scene = cv2.GaussianBlur(
            scene + rng.integers(0, 40, scene.shape, dtype=np.uint8), (0, 0), 3
        )
        text, style = render.random_plate(rng)
        plate = render.render_plate(text, style, rng)
        width = int(rng.integers(90, 220))
        plate = cv2.resize(plate, (width, round(width * plate.shape[0] / plate.shape[1])))
        y, x = int(rng.integers(150, 400)), int(rng.integers(10, 640 - width - 10))
        h = min(plate.shape[0], 480 - y)
        scene[y : y + h, x : x + width] = plate[:h]
        cases.append((scene, (x, y, width, h)))
    return cases


def hit_rates(cases: list) -> tuple[float, float, float]:
    """Return (top-1 hit rate, top-5 hit rate, ms per image)."""
    top1 = top5 = 0
    started = time.perf_counter()
    for image, truth in cases:
        boxes = [c.box for c in find_plates(image)]
        top1 += bool(boxes) and _iou(boxes[0], truth) >= 0.3
        top5 += any(_iou(b, truth) >= 0.3 for b in boxes)
    ms = 1000 * (time.perf_counter() - started) / len(cases)
    return top1 / len(cases), top5 / len(cases), ms


def main() -> None:
    """Print the figures."""
    for name, cases in (("openalpr-eu", eu_cases()), ("synthetic", synthetic_cases())):
        top1, top5, ms = hit_rates(cases)
        print(f"{name}: n={len(cases)} top1={top1:.3f} top5={top5:.3f} {ms:.1f} ms/image")


if __name__ == "__main__":
    main()
