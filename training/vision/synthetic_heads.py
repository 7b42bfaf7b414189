"""Cut context squares over riders in synthetic scenes, with the drawn heads as boxes.

Usage: .venv/bin/python -m training.vision.synthetic_heads --seeds 10000 10500 --every 20 \
    --out runs/vision/heads/synthetic_train.npz
Seeds 10000-10599 are reserved for training (benchmarks use 900000+). The head boxes come from
the sprite drawing (`synth.scenes._head` is wrapped to record where each head is drawn), mapped
through the sprite's scale and placement in each frame. Contexts are SYN_SPAN times the
pipeline's cut (0.8 w square at y + 0.34 w), so training can jitter the cut.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

import cv2
import numpy as np

from synth import scenes
from training.vision import head_data
from vision.helmet import square_crop

log = logging.getLogger("synthetic_heads")
CROP_SIDE, CENTRE_Y = 0.8, 0.34  # the pipeline's rider_head_crop
HELMET_SIDE, BARE_SIDE = 2.6, 2.2  # drawn head box side in head radii (helmet shell; face + ears)


def recorded_heads(spec: scenes.SceneSpec) -> tuple[scenes._Renderer, dict[int, list]]:
    """Build the scene's renderer; return it with each rider's heads (cx, cy, side) per vehicle."""
    drawn: list[tuple[float, float, float]] = []
    original = scenes._head

    def record(img, mask, c, r, helmet, rng) -> None:
        drawn.append((c[0], c[1], r * (HELMET_SIDE if helmet else BARE_SIDE)))
        original(img, mask, c, r, helmet, rng)

    scenes._head = record
    try:
        renderer = scenes._Renderer(spec)
    finally:
        scenes._head = original
    heads, k = {}, 0
    for v in spec.vehicles:  # sprites are drawn in this order, one head per seat
        if v.kind == "motorcycle":
            heads[v.vehicle_id] = drawn[k : k + len(v.helmets)]
            k += len(v.helmets)
    return renderer, heads


def frame_heads(spec, renderer, vehicle, sprite_heads, t_ms) -> list[tuple[float, float, float]]:
    """Map a rider's sprite heads into frame pixels at time t (as _Renderer.frame places it)."""
    pos = vehicle.position(t_ms)
    w, h = spec.size
    base = renderer.sprites[vehicle.vehicle_id][0]
    s = scenes._scale(pos[1])
    sw, sh = max(2, round(base.shape[1] * s)), max(2, round(base.shape[0] * s))
    x0, y0 = round(pos[0] * w) - sw // 2, round(pos[1] * h) - sh
    fx, fy = sw / base.shape[1], sh / base.shape[0]
    return [(x0 + cx * fx, y0 + cy * fy, side * fx) for cx, cy, side in sprite_heads]


def _jpeg(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Round-trip through JPEG at a random quality, like a compressed clip."""
    quality = int(rng.integers(30, 85))
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, quality])
    return cv2.imdecode(buf, cv2.IMREAD_COLOR) if ok else img


def scene_contexts(seed: int, every: int, rng: np.random.Generator) -> tuple[list, list]:
    """Return context squares and head rows of every rider fully in view, every `every` frames."""
    size = (1280, 720) if rng.random() < 0.5 else ((960, 540) if rng.random() < 0.5 else (640, 360))
    spec = scenes.random_scene_spec(seed, size=size)
    riders = {v.vehicle_id: v for v in spec.vehicles if v.kind == "motorcycle"}
    if not riders:
        return [], []
    renderer, heads = recorded_heads(spec)
    images, rows = [], []
    for index in range(int(rng.integers(every)), int(spec.duration_ms * spec.fps / 1000), every):
        img, boxes = renderer.frame(index)
        for vid, (x, y, w, h) in boxes.items():
            inside = x > 2 and y > 2 and x + w < size[0] - 2 and y + h < size[1] - 2
            if vid not in riders or not inside or w < 16:
                continue
            cx, cy, side = x + w / 2, y + CENTRE_Y * w, CROP_SIDE * w * head_data.SYN_SPAN
            crop = square_crop(img, cx, cy, side)
            px = head_data.SYN_PX
            images.append(_jpeg(cv2.resize(crop, (px, px), interpolation=cv2.INTER_AREA), rng))
            found = frame_heads(spec, renderer, riders[vid], heads[vid], index * 1000 / spec.fps)
            boxes_in = [(0, hx, hy, hs) for hx, hy, hs in found]
            rows.append(head_data._context_heads(boxes_in, (cx, cy), px / crop.shape[0], px))
    return images, rows


def main() -> None:
    """Render the scenes and save the contexts."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", nargs=2, type=int, default=[10000, 10500])
    parser.add_argument("--every", type=int, default=20)
    parser.add_argument("--out", default="runs/vision/heads/synthetic_train.npz")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    rng = np.random.default_rng(args.seeds[0])
    images, rows = [], []
    for seed in range(*args.seeds):
        more, more_rows = scene_contexts(seed, args.every, rng)
        images += more
        rows += more_rows
    ctx = head_data.Contexts(np.stack(images), np.stack(rows), True)
    head_data.save(ctx, Path(args.out))
    log.info("%d synthetic rider contexts -> %s", len(images), args.out)


if __name__ == "__main__":
    main()
