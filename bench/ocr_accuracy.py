"""Plate recogniser accuracy on real Pakistani crops (pk-dev), by split part.

    .venv/bin/python bench/ocr_accuracy.py [--model STEM] [--width PX]

`--width` shrinks every crop to that many pixels wide first (INTER_AREA, aspect kept), as a
plate cut from a 720p junction frame is 40-90 px wide while pk-dev's crops are close-ups.

pk-dev is split by plate text (training/ocr/pk_dev_split.csv): the `train` part was used for
fine-tuning, the `heldout` part never was. Only the held-out figure says how well the model
reads plates it has not seen. pk-holdout is unlabelled and is not scored here.

`--jitter` reads each crop as evidence from clips is read (`PlateReader.read_steady`: the crop
and copies with its box moved by a few percent, voted).

`--floor` (default: the app's AUTO_ISSUE_MIN_PLATE_CONFIDENCE, 0.9 unless set) splits the reads
the way the issuance policy does: a valid read at or above the floor may be issued without an
officer's review, the rest are reviewed. The line "auto-issuable" says how many reads clear it
and how many of those are wrong: a wrong read there is a challan sent to the wrong owner.
Data: ../shared/data/plates/pk-dev (github.com/usmanweb/Pakistan-Vehicle-Number-Plate-Dataset).
"""

from __future__ import annotations

import argparse
import csv
import math
from pathlib import Path

import cv2
import numpy as np
from rapidfuzz.distance import Levenshtein

from echallan.config import Config
from ocr.plates import has_year
from ocr.reader import PlateRead, PlateReader

ROOT = Path(__file__).resolve().parents[1]
PK_DEV = ROOT.parent / "shared/data/plates/pk-dev"
SPLIT = ROOT / "training/ocr/pk_dev_split.csv"


def score(reads: list[PlateRead], truths: list[str]) -> dict[str, float]:
    """Return exact-match (after and before look-alike correction) and character accuracy."""
    n = len(truths)
    chars = sum(len(t) for t in truths)
    errors = sum(Levenshtein.distance(r.text, t) for r, t in zip(reads, truths, strict=True))
    return {
        "exact": sum(r.text == t for r, t in zip(reads, truths, strict=True)) / n,
        "exact_raw": sum(r.raw == t for r, t in zip(reads, truths, strict=True)) / n,
        "char_acc": 1 - errors / chars,
        "n": n,
    }


def wilson(successes: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """Return the 95% Wilson score interval of a proportion (small samples stay honest)."""
    if n == 0:
        return 0.0, 1.0
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def by_layout(rows: list[dict[str, str]], reads: list[PlateRead]) -> str:
    """Return exact-match counts for plates with a year (two dashes) and the rest."""
    parts = []
    for name, with_year in (("with year", True), ("others", False)):
        pairs = [
            (r, read)
            for r, read in zip(rows, reads, strict=True)
            if has_year(r["plate"]) == with_year
        ]
        right = sum(read.text == r["plate_text"] for r, read in pairs)
        parts.append(f"{name} {right}/{len(pairs)}")
    return ", ".join(parts)


def auto_issuable(reads: list[PlateRead], truths: list[str], floor: float) -> str:
    """Return how many reads clear the auto-issue floor, and how many of those are wrong."""
    cleared = [
        (r, t) for r, t in zip(reads, truths, strict=True) if r.valid and r.confidence >= floor
    ]
    wrong = sum(r.text != t for r, t in cleared)
    return (
        f"auto-issuable (valid, confidence >= {floor}): {len(cleared)}/{len(reads)}, wrong {wrong}"
    )


def crop(path: Path, width: int | None) -> Path | np.ndarray:
    """Return the crop's path, or the crop shrunk to `width` px wide."""
    if width is None:
        return path
    image = cv2.imread(str(path))
    if image is None:
        raise SystemExit(f"cannot read {path}")
    height = max(1, round(image.shape[0] * width / image.shape[1]))
    return cv2.resize(image, (width, height), interpolation=cv2.INTER_AREA)


def main() -> None:
    """Print accuracy per part and the held-out misreads."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", type=Path, help="model path without suffix (default: committed)")
    p.add_argument("--width", type=int, help="shrink crops to this width (px) before reading")
    p.add_argument(
        "--floor",
        type=float,
        default=Config.AUTO_ISSUE_MIN_PLATE_CONFIDENCE,
        help="auto-issue plate confidence floor (default: the app's setting)",
    )
    p.add_argument(
        "--misses",
        choices=("heldout", "train"),
        default="heldout",
        help="part whose misreads are listed (train: for a model trained with --real-part heldout)",
    )
    p.add_argument(
        "--jitter",
        action="store_true",
        help="read each crop as the clip pipeline reads evidence: with its box moved, voted",
    )
    args = p.parse_args()
    reader = PlateReader.from_model(args.model)
    read_crops = reader.read_steady if args.jitter else reader.read
    with SPLIT.open(newline="") as f:
        rows = list(csv.DictReader(f))
    for part in ("heldout", "train"):
        chosen = [r for r in rows if r["split"] == part]
        reads = read_crops([crop(PK_DEV / r["image_path"], args.width) for r in chosen])
        figures = score(reads, [r["plate_text"] for r in chosen])
        label = "HELD-OUT (never trained on)" if part == "heldout" else "TRAIN part (fine-tuned on)"
        print(f"pk-dev {label}: " + " ".join(f"{k}={v:.4g}" for k, v in figures.items()))
        low, high = wilson(round(figures["exact"] * figures["n"]), int(figures["n"]))
        print(f"  exact 95% interval {low:.3f}-{high:.3f}; by layout: {by_layout(chosen, reads)}")
        print("  " + auto_issuable(reads, [r["plate_text"] for r in chosen], args.floor))
        if part == args.misses:
            for r, read in zip(chosen, reads, strict=True):
                if read.text != r["plate_text"]:
                    print(
                        f"  miss {r['image_path']}: truth {r['plate_text']} read {read.raw}"
                        f" (confidence {read.confidence:.3f}, valid {read.valid})"
                    )


if __name__ == "__main__":
    main()
