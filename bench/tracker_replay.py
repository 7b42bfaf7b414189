"""Compare trackers on the real clips over the same recorded learned detections.

Usage: nice .venv/bin/python bench/tracker_replay.py [--clips y3 ...] [--trackers iou bytetrack]
       [--learned-stride K] [--motion-gate SHARE] [--dense-near-line] [--dense-on-new]
       [--crossing-reach SHARE] [--high-score S] [--new-track-score S] [--cache DIR] [--data DIR]
The CNN runs once per clip (its detections are kept in --cache, outside the repository); each
tracker then gets the same boxes through the whole pipeline, so the tracks, findings and label
scores differ by the tracker alone, and the tracker's own time is printed apart from the CNN's.
With --dense-near-line the frames the CNN runs on depend on the recording run's tracker
(ByteTrack's predictions): only the bytetrack replay is then the pipeline as it would run.
Fragments: tracks per clip (one vehicle followed by several tracks inflates it) and the median
track length in detection frames.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import pickle
import statistics
import time
from collections import Counter
from pathlib import Path

import cv2
import numpy as np
from real_clips import CLIPS, print_score  # run as a script: bench/ is on sys.path

from echallan.clips.findings import analyze_clip
from rules.calibration import parse_calibration
from rules.violations import RuleSettings
from vision import bytetrack
from vision.detect import Detection
from vision.learned import LearnedDetector
from vision.pipeline import PipelineSettings

ROOT = Path(__file__).resolve().parent


class Recorder:
    """The learned detector, keeping what it returns."""

    def __init__(self, inner: LearnedDetector) -> None:
        self.inner, self.found, self.seconds, self.cpu = inner, [], 0.0, 0.0
        self.stride = inner.stride

    @property
    def dense(self) -> bool:
        """The pipeline's near-the-line hint, passed to the wrapped detector."""
        return self.inner.dense

    @dense.setter
    def dense(self, value: bool) -> None:
        self.inner.dense = value

    def detect(self, frame: np.ndarray) -> list[Detection]:
        """Detect and record."""
        start, cpu = time.perf_counter(), time.process_time()
        out = self.inner.detect(frame)
        self.seconds += time.perf_counter() - start
        self.cpu += time.process_time() - cpu
        self.found.append(out)
        return out


class Replay:
    """A detector that returns recorded detections in order."""

    def __init__(self, found: list[list[Detection]]) -> None:
        self.found = iter(found)

    def detect(self, frame: np.ndarray) -> list[Detection]:
        """Return the next recorded frame's detections."""
        return next(self.found)


class TimedTrackers:
    """Wraps vision.bytetrack.new_tracker to sum the time spent in update()."""

    seconds = 0.0

    def __init__(self, byte: bytetrack.ByteTrackSettings) -> None:
        self.original, self.byte = bytetrack.new_tracker, byte

    def __call__(self, name: str, fps: float):
        """Build the tracker (ByteTrack with the bench's settings) with a timed update."""
        if name == "bytetrack":
            tracker = bytetrack.ByteTracker(fps, self.byte)
        else:
            tracker = self.original(name, fps)
        update = tracker.update

        def timed(frame, dets):
            start = time.perf_counter()
            out = update(frame, dets)
            TimedTrackers.seconds += time.perf_counter() - start
            return out

        tracker.update = timed
        return tracker


def recorded(name: str, args: argparse.Namespace, cal) -> tuple[list, float, int, float]:
    """Return the clip's learned detections (cached), the CNN seconds, how often it ran and
    its CPU seconds (load from other processes does not count in them)."""
    dense = "_dense" if args.dense_near_line else ""
    dense += "_new" if args.dense_on_new else ""
    cache = Path(args.cache) / f"{name}_k{args.learned_stride}_g{args.motion_gate}{dense}.pkl"
    if cache.is_file():
        return pickle.loads(cache.read_bytes())
    learned = LearnedDetector(stride=args.learned_stride, motion_gate=args.motion_gate)
    recorder = Recorder(learned)
    settings = PipelineSettings(
        dense_near_line=args.dense_near_line, dense_on_new=args.dense_on_new
    )
    analyze_clip(Path(args.data) / CLIPS[name][0], cal, None, detector=recorder, settings=settings)
    value = (recorder.found, recorder.seconds, learned.runs, recorder.cpu)
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_bytes(pickle.dumps(value))
    return value


def run(name: str, args: argparse.Namespace) -> None:
    """Record once, then run every tracker over the recording and print one line each."""
    cal_path = ROOT / "calibrations" / CLIPS[name][1]
    cal = parse_calibration(json.loads(cal_path.read_text()))
    found, cnn_s, runs, cnn_cpu = recorded(name, args, cal)
    print(f"== {name}: {len(found)} detection frames, CNN ran {runs} times, {cnn_s:.1f} s")
    for tracker in args.trackers:
        TimedTrackers.seconds = 0.0
        settings = PipelineSettings(
            detector="learned",
            tracker=tracker,
            rules=RuleSettings(crossing_reach=args.crossing_reach),
        )
        start, cpu = time.perf_counter(), time.process_time()
        result = analyze_clip(
            Path(args.data) / CLIPS[name][0], cal, None, detector=Replay(found), settings=settings
        )
        wall, cpu = time.perf_counter() - start, time.process_time() - cpu
        lengths = [len(t.observations) for t in result.tracks] or [0]
        clip_s = result.frames / result.fps
        kinds = dict(sorted(Counter(t.kind for t in result.tracks).items()))
        print(
            f"   {tracker:9s} tracks {len(result.tracks):3d} median length "
            f"{statistics.median(lengths):5.1f} tracker {1000 * TimedTrackers.seconds:7.1f} ms "
            f"pipeline without CNN {wall:5.1f} s; with CNN {clip_s / (wall + cnn_s):4.2f}x real"
            f" ({clip_s / (cpu + cnn_cpu):4.2f}x on CPU time; load {os.getloadavg()[0]:.2f})"
        )
        print(f"      {kinds}")
        for v in result.violations:
            e = v.event
            print(f"      {e.rule:9s} track {e.track_id:4d} frame {e.frame:4d} bbox {list(e.bbox)}")
        print_score(name, result)


def main() -> None:
    """Run the chosen clips."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", nargs="+", choices=sorted(CLIPS), default=list(CLIPS))
    parser.add_argument("--trackers", nargs="+", default=list(bytetrack.TRACKERS))
    parser.add_argument("--learned-stride", type=int, default=1)
    parser.add_argument("--motion-gate", type=float, default=0.0)
    parser.add_argument("--dense-near-line", action="store_true")
    parser.add_argument("--dense-on-new", action="store_true", help="PipelineSettings.dense_on_new")
    parser.add_argument("--crossing-reach", type=float, default=RuleSettings.crossing_reach)
    parser.add_argument("--high-score", type=float, default=bytetrack.ByteTrackSettings.high_score)
    parser.add_argument(
        "--new-track-score", type=float, default=bytetrack.ByteTrackSettings.new_track_score
    )
    parser.add_argument("--cache", default="bench/out/tracker-cache")
    parser.add_argument("--data", default=str(ROOT.parent.parent / "shared" / "data" / "videos"))
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    cv2.setNumThreads(1)
    import vision.pipeline

    byte = bytetrack.ByteTrackSettings(
        high_score=args.high_score, new_track_score=args.new_track_score
    )
    vision.pipeline.new_tracker = TimedTrackers(byte)  # the pipeline's own factory, timed
    for name in args.clips:
        run(name, args)


if __name__ == "__main__":
    main()
