"""Real-time factor of `analyze_clip` on one core, and its ratio to decode-only time.

Usage: .venv/bin/python bench/analyze_speed.py [--clip CLIP --camera CAM.json] [--repeat 3]
       [--plates] [--cpu 0] [--helmet-model other-helmet.onnx]
Without --clip it renders a 1280x720 25 fps synthetic junction clip (seed 900500, 14 s, mp4v).
OpenCV and onnxruntime run single-threaded; --cpu pins the process to one core as well.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import cv2

from echallan.clips.findings import analyze_clip
from rules.calibration import parse_calibration
from synth.scenes import random_scene_spec, render_scene
from vision import decode
from vision.helmet import HelmetClassifier


def decode_only(path: Path) -> tuple[int, float]:
    """Return (frames, seconds) to decode every frame to BGR."""
    info = decode.probe(path)
    start = time.perf_counter()
    count = sum(1 for _ in decode.frames(info))
    return count, time.perf_counter() - start


def synthetic_clip(work: Path) -> tuple[Path, dict]:
    """Render the benchmark's synthetic 720p clip (once) and return it with its calibration."""
    path = work / "speed_900500_1280x720.mp4"
    truth = render_scene(random_scene_spec(900500, size=(1280, 720)), path)
    return path, truth.calibration


def main() -> None:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clip")
    parser.add_argument("--camera")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--plates", action="store_true")
    parser.add_argument("--cpu", type=int)
    parser.add_argument("--helmet-model", help="another helmet ONNX model (default: committed)")
    parser.add_argument("--work", default="bench/out/work")
    args = parser.parse_args()
    if args.cpu is not None:
        os.sched_setaffinity(0, {args.cpu})
    cv2.setNumThreads(1)
    Path(args.work).mkdir(parents=True, exist_ok=True)
    if args.clip:
        path, raw = Path(args.clip), json.loads(Path(args.camera).read_text())
    else:
        path, raw = synthetic_clip(Path(args.work))
    cal = parse_calibration(raw)
    reader = None
    if args.plates:
        from ocr import PlateReader

        reader = PlateReader.default()
    helmets = HelmetClassifier(args.helmet_model) if args.helmet_model else None
    info = decode.probe(path)
    dec = min(decode_only(path)[1] for _ in range(args.repeat))
    times = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        result = analyze_clip(path, cal, None, plate_reader=reader, helmets=helmets)
        times.append(time.perf_counter() - start)
    best = min(times)
    duration = result.frames / info.fps
    print(
        f"clip {path.name}: {info.width}x{info.height} {info.fps:.2f} fps {info.fourcc}, "
        f"{result.frames} frames ({duration:.1f} s), {len(result.violations)} violations"
    )
    print(
        f"decode only : {dec:.2f} s  = {result.frames / dec:.0f} frames/s = "
        f"{duration / dec:.1f}x real time"
    )
    print(
        f"analysis    : {best:.2f} s  = {result.frames / best:.0f} frames/s = "
        f"{duration / best:.1f}x real time  (best of {args.repeat}; plates {bool(reader)})"
    )
    print(f"analysis / decode-only = {best / dec:.2f}")


if __name__ == "__main__":
    main()
