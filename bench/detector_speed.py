"""Speed of the pretrained CenterNet on real 720p frames, against decoding alone.

Usage: .venv/bin/python bench/detector_speed.py [--clip ../shared/data/videos/y3.mov]
       [--frames 60] [--threads 1]
Prints decode-only frames/s, detector ms/frame (resize + inference + decoding rows),
how many times slower detection is than decoding, and the process's peak RSS.
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

import cv2

from vision.detector import Detector

ROOT = Path(__file__).resolve().parents[1]
CLIP = ROOT.parent / "shared" / "data" / "videos" / "y3.mov"


def decoded(clip: Path, limit: int) -> tuple[list, float]:
    """Return up to `limit` BGR frames of the clip and the seconds spent decoding them."""
    capture = cv2.VideoCapture(str(clip))
    frames, start = [], time.perf_counter()
    while len(frames) < limit:
        ok, frame = capture.read()
        if not ok:
            break
        frames.append(frame)
    return frames, time.perf_counter() - start


def main() -> None:
    """Measure and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clip", type=Path, default=CLIP)
    parser.add_argument("--frames", type=int, default=60)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    if not args.clip.is_file():
        raise SystemExit(f"clip not found: {args.clip} (see ../shared/data/README.md)")
    cv2.setNumThreads(1)
    frames, decode_s = decoded(args.clip, args.frames)
    detector = Detector.default(threads=args.threads)
    detector.detect(frames[0])  # first run allocates; not part of the steady state
    start = time.perf_counter()
    found = sum(len(detector.detect(frame)) for frame in frames)
    detect_s = time.perf_counter() - start
    height, width = frames[0].shape[:2]
    print(f"clip {args.clip.name} {width}x{height}, {len(frames)} frames, {args.threads} thread(s)")
    print(f"decode only: {len(frames) / decode_s:.0f} frames/s")
    print(f"detect: {1000 * detect_s / len(frames):.1f} ms/frame, {found} detections >= 0.3")
    print(f"detect/decode time ratio: {detect_s / decode_s:.1f}x")
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
