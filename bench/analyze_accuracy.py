"""Per-rule precision and recall, and plate accuracy, of `analyze_clip` on synthesised clips.

Usage: .venv/bin/python bench/analyze_accuracy.py --seeds 900000 900040 [--signal clip]
       [--no-plates] [--size 1280x720] [--work bench/out/work] [--model other.onnx]
       [--helmet-model other-helmet.onnx]
Seeds 900000+ are kept for measurement: never used while developing the synthesiser or rules.
The last line counts true violations whose plate is wrong yet read at or above the app's
auto-issue plate floor (AUTO_ISSUE_MIN_PLATE_CONFIDENCE, 0.9 unless set): challans that would
reach the wrong owner without an officer's review.
"""

from __future__ import annotations

import argparse
import logging
import re
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from echallan.clips.findings import analyze_clip
from echallan.config import Config
from rules.calibration import parse_calibration
from rules.signals import parse_signal_phases
from synth.scenes import match_violations, random_scene_spec, render_scene
from vision.helmet import HelmetClassifier
from vision.pipeline import MOTION

RULES = ("red_light", "wrong_way", "no_helmet")
AUTO_ISSUE_FLOOR = Config.AUTO_ISSUE_MIN_PLATE_CONFIDENCE


def plain(text: str | None) -> str:
    """Return a plate without separators, upper case."""
    return re.sub(r"[^A-Z0-9]", "", (text or "").upper())


def render_for_bench(seed: int, args: argparse.Namespace, prefix: str) -> tuple[Path, Any, Any]:
    """Render one seed's scene; return (clip path, ground truth, controller phases or None)."""
    w, h = (int(v) for v in args.size.split("x"))
    path = Path(args.work) / f"{prefix}_{seed}_{w}x{h}.mp4"
    truth = render_scene(random_scene_spec(seed, size=(w, h)), path)
    phases = None
    if args.signal == "controller":
        phases = parse_signal_phases(truth.metadata["signal_phases"])
    return path, truth, phases


def run_one(
    seed: int, args: argparse.Namespace, reader: object, helmets: HelmetClassifier | None
) -> tuple[list, list, float]:
    """Render, analyse and score one clip."""
    path, truth, phases = render_for_bench(seed, args, "scene")
    start = time.perf_counter()
    cal = parse_calibration(truth.calibration)
    # The scenes are drawn for the motion pipeline (vision.pipeline.MOTION).
    result = analyze_clip(path, cal, phases, plate_reader=reader, helmets=helmets, settings=MOTION)
    elapsed = time.perf_counter() - start
    matches, missed = match_violations([v.to_json() for v in result.violations], truth)
    if not args.keep:
        path.unlink()
    return matches, missed, elapsed


def report(all_matches: list, all_missed: list) -> None:
    """Print precision, recall and plate accuracy per rule."""
    tp, fp, fn, plates = defaultdict(int), defaultdict(int), defaultdict(int), defaultdict(int)
    for m in all_matches:
        (tp if m.correct else fp)[m.rule] += 1
        plates[m.rule] += m.correct and plain(m.plate_found) == plain(m.plate_true)
    for t in all_missed:
        fn[t.rule] += 1
    for rule in RULES:
        p = tp[rule] / max(1, tp[rule] + fp[rule])
        r = tp[rule] / max(1, tp[rule] + fn[rule])
        print(
            f"{rule:10s} TP {tp[rule]:4d} FP {fp[rule]:3d} FN {fn[rule]:3d}  "
            f"precision {p:.3f} recall {r:.3f}  plate correct {plates[rule]}/{tp[rule]}"
        )
    total_tp = sum(tp.values())
    print(
        f"plates correct on {sum(plates.values())}/{total_tp} true violations "
        f"({sum(plates.values()) / max(1, total_tp):.3f})"
    )
    confident = [m for m in all_matches if m.correct and m.plate_confidence >= AUTO_ISSUE_FLOOR]
    wrong = [m for m in confident if plain(m.plate_found) != plain(m.plate_true)]
    print(
        f"plate confidence >= {AUTO_ISSUE_FLOOR} on {len(confident)}/{total_tp} true violations,"
        f" wrong plate on {len(wrong)} of them"
    )
    for m in wrong:
        print(f"  {m.rule}: read {m.plate_found} at {m.plate_confidence:.3f}, plate {m.plate_true}")


def main() -> None:
    """Run the benchmark over a seed range."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", nargs=2, type=int, default=[900000, 900040])
    parser.add_argument("--signal", choices=["controller", "clip"], default="controller")
    parser.add_argument("--size", default="1280x720")
    parser.add_argument("--no-plates", action="store_true")
    parser.add_argument("--model", help="another ONNX plate model (its .yaml beside it)")
    parser.add_argument("--helmet-model", help="another helmet ONNX model (default: committed)")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--verbose", action="store_true")
    parser.add_argument("--work", default="bench/out/work")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    Path(args.work).mkdir(parents=True, exist_ok=True)
    reader = None
    if not args.no_plates:
        from ocr import PlateReader

        reader = PlateReader.from_model(args.model)
    helmets = HelmetClassifier(args.helmet_model) if args.helmet_model else None
    all_matches, all_missed, seconds = [], [], 0.0
    for seed in range(*args.seeds):
        matches, missed, elapsed = run_one(seed, args, reader, helmets)
        all_matches += matches
        all_missed += missed
        seconds += elapsed
        if args.verbose:
            wrong = [m for m in matches if not m.correct]
            print(seed, "FP", wrong, "FN", missed)
    print(
        f"{args.seeds[1] - args.seeds[0]} clips, signal from {args.signal}, "
        f"analysis {seconds:.1f} s"
    )
    report(all_matches, all_missed)


if __name__ == "__main__":
    main()
