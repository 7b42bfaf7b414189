"""Run `analyze_clip` on the real clips with the motion detector and the learned CenterNet.

Usage: nice .venv/bin/python bench/learned_vs_motion.py [--clips y3 ...] [--detectors motion
       learned] [--trackers iou bytetrack] [--learned-stride K] [--motion-gate SHARE] [--data DIR]
For each clip (bench/real_clips.py CLIPS) and detector it prints the tracks by kind, every
violation (rule, track id, frame, bbox), the wall time and the speed as x real time (the clip's
duration over the wall time: above 1 is faster than the camera films). Plate reading is off;
the helmet and head models run as in production. Whether a finding is right is judged by eye.

Run 2026-12-07 (2 shared cores, nice 10, 1 ONNX thread): motion finds nothing on any clip,
4.5-20x real time; learned runs 0.9-1.0x real time on the 720p/450p clips, 1.8-2.1x on
the 6 fps Hanoi clips. y3 learned red light #1 frame 102 (red hatchback past the line on red):
by eye the runner motion misses. The Hanoi learned findings (3 red light, 3 wrong way on
16h30, 2 red light on 16h15) and y2 #10, youtube #11 are not yet judged.
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from collections import Counter
from pathlib import Path

import cv2
from real_clips import CLIPS, print_score  # run as a script: bench/ is on sys.path

from echallan.clips.findings import analyze_clip
from rules.calibration import parse_calibration
from vision.pipeline import PipelineSettings

ROOT = Path(__file__).resolve().parent


def run(name: str, settings: PipelineSettings, data: Path) -> None:
    """Analyse one clip with one detector and tracker and print one block."""
    detector, tracker = settings.detector, settings.tracker
    video, camera = CLIPS[name]
    cal = parse_calibration(json.loads((ROOT / "calibrations" / camera).read_text()))
    start = time.perf_counter()
    result = analyze_clip(data / video, cal, None, settings=settings)
    wall = time.perf_counter() - start
    kinds = dict(sorted(Counter(t.kind for t in result.tracks).items()))
    real = result.frames / result.fps / wall
    print(
        f"{name:12s} {detector:7s} {tracker:9s} {result.frames:5d} frames {wall:6.1f} s "
        f"{real:5.2f}x real tracks {len(result.tracks):3d} {kinds}"
    )
    for v in result.violations:
        e = v.event
        print(f"{'':21s}{e.rule:9s} track {e.track_id:4d} frame {e.frame:4d} bbox {list(e.bbox)}")
    print_score(name, result)


def main() -> None:
    """Run every chosen clip with every chosen detector."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", nargs="+", choices=sorted(CLIPS), default=list(CLIPS))
    parser.add_argument("--detectors", nargs="+", default=["motion", "learned"])
    parser.add_argument("--trackers", nargs="+", default=["iou"])
    parser.add_argument("--learned-stride", type=int, default=PipelineSettings().learned_stride)
    parser.add_argument("--motion-gate", type=float, default=PipelineSettings().motion_gate)
    parser.add_argument("--data", type=Path, default=ROOT.parent.parent / "shared" / "data")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    cv2.setNumThreads(1)
    for name in args.clips:
        for detector in args.detectors:
            for tracker in args.trackers:
                settings = PipelineSettings(
                    detector=detector,
                    tracker=tracker,
                    learned_stride=args.learned_stride,
                    motion_gate=args.motion_gate,
                )
                run(name, settings, args.data / "videos")


if __name__ == "__main__":
    main()
