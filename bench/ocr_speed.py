"""Plate recogniser speed on one core: batched, unbatched, wrapper vs raw session, size, RSS.

    taskset -c 0 .venv/bin/python bench/ocr_speed.py [--batch 64] [--seconds 5]

Inputs are real pk-dev crops of their natural sizes (the wrapper converts and resizes them),
cycled to fill the batch; the raw figure runs the same batch, already resized, straight through
the onnxruntime session fast-plate-ocr holds.
"""

from __future__ import annotations

import argparse
import os
import resource
import time
from pathlib import Path

import cv2
import numpy as np

from ocr.reader import DEFAULT_MODEL, MODELS, PlateReader, to_gray

PK_DEV = Path(__file__).resolve().parents[2] / "shared/data/plates/pk-dev"


def rate(fn, items: int, seconds: float) -> float:  # noqa: ANN001 - any callable
    """Return items per second of fn() over about `seconds` (after a warm-up)."""
    for _ in range(3):
        fn()
    runs, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        fn()
        runs += 1
    return runs * items / (time.perf_counter() - started)


def main() -> None:
    """Print the figures."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--seconds", type=float, default=5.0)
    p.add_argument("--model", type=Path, help="model path without suffix (default: committed)")
    args = p.parse_args()
    load = ", ".join(f"{v:.2f}" for v in os.getloadavg())
    print(f"cpu affinity: {sorted(os.sched_getaffinity(0))}; load average {load} (shared machine)")
    stem = args.model or MODELS / DEFAULT_MODEL
    reader = PlateReader.from_model(stem, threads=1)
    crops = [cv2.imread(str(f)) for f in sorted(PK_DEV.glob("*.jpg"))]
    batch = [to_gray(crops[i % len(crops)]) for i in range(args.batch)]
    cfg = reader.recognizer.config
    ready = np.stack([cv2.resize(g, (cfg.img_width, cfg.img_height))[..., None] for g in batch])
    session = reader.recognizer.model
    wrapped = rate(lambda: reader.read(batch), args.batch, args.seconds)
    raw = rate(lambda: session.run(None, {"input": ready}), args.batch, args.seconds)
    single = rate(lambda: reader.read(batch[:1]), 1, args.seconds)
    size = stem.with_suffix(".onnx").stat().st_size
    print(f"batched (batch {args.batch}, PlateReader.read): {wrapped:.0f} plates/s")
    print(f"raw onnxruntime session, same batch pre-resized: {raw:.0f} plates/s")
    print(f"wrapper cost: wrapper time / raw time = {raw / wrapped:.2f}x")
    print(f"unbatched (one crop per call): {single:.0f} plates/s")
    print(f"model file: {size / 1e6:.2f} MB")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of this process: {peak:.0f} MB")


if __name__ == "__main__":
    main()
