"""Cut rider head crops (as the pipeline cuts them) from synthetic scenes, for helmet training.

Usage: .venv/bin/python -m training.vision.synthetic_helmets --seeds 10000 10300 \
    --out runs/vision/helmet/synthetic.npz
Seeds 10000 and up are reserved for training; benchmarks use other seeds.
"""

from __future__ import annotations

import argparse
import logging

import cv2
import numpy as np

from synth.scenes import _Renderer, random_scene_spec
from training.vision.helmet_data import CONTEXT, CONTEXT_SIZE
from vision.helmet import HEAD_PAD, square_crop

log = logging.getLogger("synthetic_helmets")
# The pipeline's rider crop is a 0.8 w square; stored with the same context as real head crops.
CROP_SIDE = 0.8
CENTRE_Y = 0.34


def context_crop(frame: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
    """Return the stored-context square around a rider box's head region."""
    x, y, w, _ = box
    side = CROP_SIDE * w / HEAD_PAD * CONTEXT
    crop = square_crop(frame, x + w / 2, y + CENTRE_Y * w, side)
    return cv2.resize(crop, (CONTEXT_SIZE, CONTEXT_SIZE), interpolation=cv2.INTER_AREA)


def _jpeg(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Round-trip through JPEG at a random quality, like a compressed clip."""
    quality = int(rng.integers(30, 85))
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, quality])
    return cv2.imdecode(buf, cv2.IMREAD_COLOR) if ok else img


def scene_crops(seed: int, every: int, rng: np.random.Generator) -> tuple[list, list]:
    """Return (crops, labels) of every motorcycle fully in view, every `every` frames."""
    size = (1280, 720) if rng.random() < 0.6 else (960, 540)
    spec = random_scene_spec(seed, size=size)
    riders = {v.vehicle_id: v for v in spec.vehicles if v.kind == "motorcycle"}
    if not riders:
        return [], []
    renderer, crops, labels = _Renderer(spec), [], []
    frames = int(spec.duration_ms * spec.fps / 1000)
    for index in range(int(rng.integers(every)), frames, every):
        img, boxes = renderer.frame(index)
        for vid, (x, y, w, h) in boxes.items():
            inside = x > 2 and y > 2 and x + w < size[0] - 2 and y + h < size[1] - 2
            if vid in riders and inside and w >= 16:
                crops.append(_jpeg(context_crop(img, (x, y, w, h)), rng))
                labels.append(0 if all(riders[vid].helmets) else 1)
    return crops, labels


def main() -> None:
    """Render the scenes and save crops (x) with labels (y: 0 helmet, 1 none)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", nargs=2, type=int, default=[10000, 10300])
    parser.add_argument("--every", type=int, default=6)
    parser.add_argument("--out", default="runs/vision/helmet/synthetic.npz")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    rng = np.random.default_rng(args.seeds[0])
    xs, ys = [], []
    for seed in range(*args.seeds):
        crops, labels = scene_crops(seed, args.every, rng)
        xs += crops
        ys += labels
    np.savez_compressed(args.out, x=np.stack(xs), y=np.array(ys, np.int64))
    log.info("%d synthetic crops (%d without helmet) -> %s", len(ys), sum(ys), args.out)


if __name__ == "__main__":
    main()
