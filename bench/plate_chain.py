"""Where the plate chain loses violations on synthesised clips, stage by stage.

    nice -n 10 .venv/bin/python bench/plate_chain.py --seeds 800000 800016 [--verbose]
        [--dump bench/out/platechain/dump] [--size 1280x720] [--signal controller]
        [--model other.onnx] [--no-reader]

For every true violation `analyze_clip` finds (the violation detector's misses are counted apart),
the vehicle crops the pipeline kept for the track are set against the scene's ground-truth plate
boxes (`GroundTruth.plates`):

1. kept: the track kept vehicle crops;
2. visible: one kept crop shows the whole plate (>= 95% of its pixels);
3. size: the true plate's width in pixels in the best such crop;
4. localised: a plate crop handed to the reader overlaps the true plate (IoU >= 0.5);
5. oracle-readable: a plate crop handed to the reader is a plate crop as the recogniser is trained
   on (holds >= 90% of the plate, IoU >= 0.6): a perfect recogniser would read it;
6. recogniser on true boxes: the recogniser reads the true box (with the training margin) right
   in some crop, and the vote over those crops is right: the ceiling for the current model;
7. recogniser on handed crops: some single read is right;
8. end to end: the violation's plate is right (what bench/analyze_accuracy.py scores).

Seeds: 800000+ for development, 900000+ for benchmarks (do not tune on them), 10000-10599 are
training data.
"""

from __future__ import annotations

import argparse
import logging
import re
import statistics
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from analyze_accuracy import render_for_bench  # a sibling script: bench/ is on sys.path

from echallan.clips.findings import analyze_clip
from rules.calibration import parse_calibration
from synth.scenes import GroundTruth, _iou, match_violations
from vision import evidence

Box = tuple[int, int, int, int]
VISIBLE = 0.95
LOCALISED_IOU = 0.5
ORACLE_COVER, ORACLE_IOU = 0.9, 0.6
MARGIN = (0.045, 0.05)  # mean margin of the recogniser's training crops (training/ocr/synth.py)


@dataclass
class ChainRow:
    """One true violation followed along the plate chain."""

    seed: int
    rule: str
    kind: str
    style: str
    plate: str
    found: str
    crops: int = 0
    visible: int = 0  # kept crops showing the whole plate
    width: int = 0  # true plate width in the best visible crop (px)
    shots: int = 0  # plate crops handed to the reader
    localised: int = 0  # of the shots
    oracle: int = 0  # of the shots
    top_oracle: bool = False  # the first shot (shown as evidence) is oracle-readable
    truth_any: bool = False
    truth_vote: bool = False
    shots_right: int = 0
    widths: list[int] = field(default_factory=list)

    @property
    def right(self) -> bool:
        """Tell whether the end-to-end plate is right."""
        return plain(self.found) == plain(self.plate)


def plain(text: str | None) -> str:
    """Return a plate without separators, upper case."""
    return re.sub(r"[^A-Z0-9]", "", (text or "").upper())


def cover(box: Box, truth: Box) -> float:
    """Return the share of the true box inside `box`."""
    ix = max(0, min(box[0] + box[2], truth[0] + truth[2]) - max(box[0], truth[0]))
    iy = max(0, min(box[1] + box[3], truth[1] + truth[3]) - max(box[1], truth[1]))
    return ix * iy / max(1, truth[2] * truth[3])


def with_margin(image: np.ndarray, box: Box) -> np.ndarray:
    """Cut a box from an image with the recogniser's mean training margin."""
    x, y, w, h = box
    mx, my = MARGIN[0] * w, MARGIN[1] * h
    x0, y0 = max(0, round(x - mx)), max(0, round(y - my))
    return image[y0 : round(y + h + my), x0 : round(x + w + mx)]


def true_plates_in_crops(track: Any, crops: list, truth: GroundTruth, vid: int) -> list:
    """Return (frame, crop, true plate box in the crop or None) for each kept crop."""
    out = []
    for _, frame, crop in crops:
        obs = track.at_frame(frame)
        plate = truth.plates.get(vid, {}).get(frame)
        if obs is None or plate is None:
            out.append((frame, crop, None))
            continue
        x, y = obs.bbox[:2]
        box = (plate.box[0] - x, plate.box[1] - y, plate.box[2], plate.box[3])
        inside = cover((0, 0, crop.shape[1], crop.shape[0]), box)
        out.append((frame, crop, box if plate.visible * inside >= VISIBLE else None))
    return out


def follow(row: ChainRow, track: Any, crops: list, truth: GroundTruth, vid: int, reader: Any):
    """Fill a row's stages from the track's kept crops."""
    located = true_plates_in_crops(track, crops, truth, vid)
    boxes = {frame: box for frame, _, box in located if box is not None}
    row.crops, row.visible = len(crops), len(boxes)
    row.widths = sorted((b[2] for b in boxes.values()), reverse=True)
    row.width = row.widths[0] if row.widths else 0
    shots = evidence.select_plates(crops, row.kind)
    row.shots = len(shots)
    oks = [_oracle(s, boxes) for s in shots]
    row.localised = sum(
        s.frame in boxes and _iou(s.box, boxes[s.frame]) >= LOCALISED_IOU for s in shots
    )
    row.oracle, row.top_oracle = sum(oks), bool(oks and oks[0])
    if reader is None:
        return shots, located
    truth_crops = [with_margin(c, b) for _, c, b in located if b is not None]
    if truth_crops:
        reads = reader.read(truth_crops)
        row.truth_any = any(plain(r.text) == plain(row.plate) for r in reads)
        from ocr.reader import vote

        best = vote(reads)
        row.truth_vote = best is not None and plain(best.text) == plain(row.plate)
    if shots:
        reads = reader.read([s.crop for s in shots])
        row.shots_right = sum(plain(r.text) == plain(row.plate) for r in reads)
    return shots, located


def _oracle(shot: Any, boxes: dict[int, Box]) -> bool:
    """Tell whether a handed plate crop is one a perfect recogniser would read."""
    box = boxes.get(shot.frame)
    if box is None:
        return False
    return cover(shot.box, box) >= ORACLE_COVER and _iou(shot.box, box) >= (ORACLE_IOU)


def dump(out: Path, row: ChainRow, vid: int, shots: list, located: list) -> None:
    """Write each kept crop with the true plate (green) and handed candidates (red) drawn."""
    for frame, crop, box in located:
        img = crop.copy()
        if box is not None:
            x, y, w, h = box
            cv2.rectangle(img, (x, y), (x + w - 1, y + h - 1), (0, 255, 0), 1)
        for s in shots:
            if s.frame == frame:
                x, y, w, h = s.box
                cv2.rectangle(img, (x, y), (x + w - 1, y + h - 1), (0, 0, 255), 1)
        name = f"{row.seed}_{row.rule}_v{vid}_{plain(row.plate)}_f{frame}.png"
        cv2.imwrite(str(out / name), img)


def run_seed(seed: int, args: argparse.Namespace, reader: Any) -> tuple[list[ChainRow], int]:
    """Render, analyse and follow every true violation of one clip; return rows and misses."""
    path, truth, phases = render_for_bench(seed, args, "chain")
    try:
        result = analyze_clip(path, parse_calibration(truth.calibration), phases, reader)
    finally:
        path.unlink()
    found = [v.to_json() for v in result.violations]
    matches, missed = match_violations(found, truth)
    vehicles = {v.vehicle_id: v for v in truth.vehicles}
    tracks = {t.track_id: t for t in result.tracks}
    rows = []
    for match, v in zip(matches, result.violations, strict=True):
        if not match.correct:
            continue
        car = vehicles[match.vehicle_id]
        row = ChainRow(seed, v.event.rule, v.event.kind, car.plate_style, car.plate, v.plate or "")
        crops = list(result.observation.crops.get(v.event.track_id, ()))
        shots, located = follow(row, tracks[v.event.track_id], crops, truth, car.vehicle_id, reader)
        if args.dump:
            dump(Path(args.dump), row, car.vehicle_id, shots, located)
        rows.append(row)
    return rows, len(missed)


def line(label: str, n: int, total: int) -> str:
    """Format one stage's count."""
    return f"  {label:58s} {n:4d}/{total:<4d} ({n / max(1, total):.3f})"


def report(rows: list[ChainRow], missed: int, with_reader: bool) -> None:
    """Print the chain's figures."""
    n = len(rows)
    print(f"true violations found: {n} (missed by the violation detector, not counted: {missed})")
    print(line("1 vehicle crops kept", sum(r.crops > 0 for r in rows), n))
    print(
        line(
            f"2 whole plate visible in a kept crop (>= {VISIBLE:.0%})",
            sum(r.visible > 0 for r in rows),
            n,
        )
    )
    widths = [r.width for r in rows if r.visible]
    if widths:
        q = statistics.quantiles(widths, n=10) if len(widths) > 1 else widths * 9
        print(
            f"  3 true plate width in the best visible crop: median {statistics.median(widths):.0f}"
            f" px, p10 {q[0]:.0f}, p90 {q[-1]:.0f}; under 60 px: {sum(w < 60 for w in widths)}"
        )
    print(
        line(
            f"4 localised: a handed crop with IoU >= {LOCALISED_IOU}",
            sum(r.localised > 0 for r in rows),
            n,
        )
    )
    print(
        line(
            "5 oracle-readable: a handed crop the recogniser is trained on",
            sum(r.oracle > 0 for r in rows),
            n,
        )
    )
    print(
        line(
            "  5b ... and the first handed crop (the evidence image) is one",
            sum(r.top_oracle for r in rows),
            n,
        )
    )
    shots, good = sum(r.shots for r in rows), sum(r.oracle for r in rows)
    print(line("  5c handed crops that are oracle-readable (of all handed)", good, shots))
    if with_reader:
        print(
            line(
                "6 recogniser on true boxes: some crop read right",
                sum(r.truth_any for r in rows),
                n,
            )
        )
        print(
            line("  6b ... voted over the visible crops: right", sum(r.truth_vote for r in rows), n)
        )
        print(
            line(
                "7 recogniser on handed crops: some crop read right",
                sum(r.shots_right > 0 for r in rows),
                n,
            )
        )
        print(line("8 end to end: the violation's plate is right", sum(r.right for r in rows), n))
    _breakdown(rows, "kind")
    _breakdown(rows, "style")


def _breakdown(rows: list[ChainRow], attr: str) -> None:
    """Print the main stages per vehicle kind or plate style."""
    for kind in sorted({getattr(r, attr) for r in rows}):
        sub = [r for r in rows if getattr(r, attr) == kind]
        print(
            f"  {kind}: {len(sub)} violations, visible {sum(r.visible > 0 for r in sub)}, "
            f"oracle {sum(r.oracle > 0 for r in sub)}, "
            f"truth-vote {sum(r.truth_vote for r in sub)}, right {sum(r.right for r in sub)}"
        )


def main() -> None:
    """Run the diagnostic over a seed range."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--seeds", nargs=2, type=int, default=[800000, 800016])
    parser.add_argument("--signal", choices=["controller", "clip"], default="controller")
    parser.add_argument("--size", default="1280x720")
    parser.add_argument("--no-reader", action="store_true")
    parser.add_argument(
        "--model", help="an ONNX plate model (its .yaml beside it); default: ocr/models"
    )
    parser.add_argument("--verbose", action="store_true")
    parser.add_argument("--dump", help="folder for kept crops with true and handed boxes drawn")
    parser.add_argument("--work", default="bench/out/platechain")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    for folder in (args.work, args.dump):
        if folder:
            Path(folder).mkdir(parents=True, exist_ok=True)
    reader = None
    if not args.no_reader:
        from ocr import PlateReader

        reader = PlateReader.from_model(args.model)
    rows, missed = [], 0
    for seed in range(*args.seeds):
        seed_rows, seed_missed = run_seed(seed, args, reader)
        rows += seed_rows
        missed += seed_missed
        if args.verbose:
            for r in seed_rows:
                d = {k: v for k, v in asdict(r).items() if k != "widths"}
                print(d, "widths", r.widths)
    print(f"{args.seeds[1] - args.seeds[0]} clips from seed {args.seeds[0]}, {args.size}")
    report(rows, missed, reader is not None)


if __name__ == "__main__":
    main()
