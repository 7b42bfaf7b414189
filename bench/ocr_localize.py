"""Plate localisation hit rate on OpenALPR's EU benchmark photos (boxes given) and synthetic scenes.

    .venv/bin/python bench/ocr_localize.py

A hit is a candidate overlapping the true plate box with IoU >= 0.3 (the crop is then padded and
read by the recogniser). Prints top-1 and top-5 hit rates and the localiser's time per image,
and "read": the hit rate of the candidate `ocr.photo` keeps (every candidate read; the first, in
the localiser's order, that reads as a valid Pakistani plate with confidence >= 0.5, else the
first guess), which is what `echallan read-plates --localize` prints. Real EU plates read as no
Pakistani layout, so there it mostly keeps the first guess; the set with a rendered Pakistani
plate pasted over each EU plate is the case where the reads can overrule the localiser.
Data: ../shared/data/plates/openalpr-eu (github.com/openalpr/benchmarks, AGPL-3.0).
"""

from __future__ import annotations

import time
from pathlib import Path

import cv2
import numpy as np

from ocr.localize import PlateCandidate, _iou, find_plates
from ocr.photo import read_candidates
from ocr.reader import PlateReader
from synth import render

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


def pasted_cases() -> list[tuple[np.ndarray, tuple[int, int, int, int]]]:
    """Return the EU photos with a rendered Pakistani plate pasted over each real plate.

    Real cars, real backgrounds and real distractors (badges, signs, grilles), with a plate the
    recogniser can read: the case for choosing among candidates by their reads.
    """
    rng = np.random.default_rng(7)
    cases = []
    for image, (x, y, w, h) in eu_cases():
        text, style = render.random_plate(rng)
        plate = render.render_plate(text, style, rng, render.SCENE_LOOK)
        height = round(w * plate.shape[0] / plate.shape[1])
        top = max(0, min(image.shape[0] - height, y + h // 2 - height // 2))
        width = min(w, image.shape[1] - x)
        pasted = image.copy()
        patch = cv2.resize(plate, (w, height), interpolation=cv2.INTER_AREA)[: image.shape[0]]
        pasted[top : top + patch.shape[0], x : x + width] = patch[:, :width]
        cases.append((pasted, (x, top, width, patch.shape[0])))
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
        plate = render.render_plate(text, style, rng, render.SCENE_LOOK)
        width = int(rng.integers(90, 220))
        plate = cv2.resize(plate, (width, round(width * plate.shape[0] / plate.shape[1])))
        y, x = int(rng.integers(150, 400)), int(rng.integers(10, 640 - width - 10))
        h = min(plate.shape[0], 480 - y)
        scene[y : y + h, x : x + width] = plate[:h]
        cases.append((scene, (x, y, width, h)))
    return cases


def localise(cases: list) -> tuple[list[list[PlateCandidate]], float]:
    """Return every case's plate candidates and the localiser's ms per image."""
    started = time.perf_counter()
    candidates = [find_plates(image) for image, _ in cases]
    return candidates, 1000 * (time.perf_counter() - started) / len(cases)


def hit_rates(cases: list, candidates: list[list[PlateCandidate]]) -> tuple[float, float]:
    """Return (top-1 hit rate, top-5 hit rate)."""
    top1 = top5 = 0
    for (_, truth), found in zip(cases, candidates, strict=True):
        boxes = [c.box for c in found]
        top1 += bool(boxes) and _iou(boxes[0], truth) >= 0.3
        top5 += any(_iou(b, truth) >= 0.3 for b in boxes)
    return top1 / len(cases), top5 / len(cases)


def read_hit_rate(cases: list, candidates: list, reader: PlateReader) -> float:
    """Return how often the candidate kept by reading them all is the true plate."""
    located = read_candidates(reader, candidates)
    hits = sum(
        found is not None and _iou(found.box, truth) >= 0.3
        for found, (_, truth) in zip(located, cases, strict=True)
    )
    return hits / len(cases)


def main() -> None:
    """Print the figures."""
    reader = PlateReader.default()
    sets = {
        "openalpr-eu": eu_cases(),
        "openalpr-eu, Pakistani plate pasted": pasted_cases(),
        "synthetic": synthetic_cases(),
    }
    for name, cases in sets.items():
        candidates, ms = localise(cases)
        top1, top5 = hit_rates(cases, candidates)
        read = read_hit_rate(cases, candidates, reader)
        print(
            f"{name}: n={len(cases)} top1={top1:.3f} top5={top5:.3f} read={read:.3f}"
            f" {ms:.1f} ms/image (localiser only)"
        )


if __name__ == "__main__":
    main()
