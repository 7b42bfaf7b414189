"""Plate recogniser reads of rendered plates: right, auto-issuable, and wrong yet auto-issuable.

    .venv/bin/python bench/ocr_rendered.py --seeds 6161 9191 --model r7=ocr/models/pk_plate_cnn \
        --model other=/path/to/stem [--list]

pk-dev holds 46 unseen real plates; a wrong read above the auto-issue floor is rare there, so
two models that both have none cannot be told apart. This bench counts such reads on thousands
of rendered plates, drawn afresh from two seeds:
- 400 plates per set, half of them two-line Punjab, painted in the clip synthesiser's look
  (`scene`) and in the committed model's training look (`r7`), shrunk to 70 and 110 px wide
  (a junction camera's plate) and lightly blurred;
- 800 crops with the training recipe's camera augmentation (`training.ocr.synth`).
Every model reads the same crops. Use seeds no model or rule was tuned on; the figures in
ocr/models/RECIPE.md name theirs. `--list` prints each confident wrong read.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator

import cv2
import numpy as np

from echallan.config import Config
from ocr.reader import PlateRead, PlateReader
from synth import render
from training.ocr import synth

PLATES_PER_SET = 400
AUGMENTED = 800
WIDTHS = (70, 110)
LOOKS = {"scene": render.SCENE_LOOK, "r7": render.R7_LOOK}


def small_plates(seed: int, look: render.Look, width: int) -> tuple[list[np.ndarray], list[str]]:
    """Return rendered plates (every other one Punjab two-line) shrunk to `width`, and texts."""
    rng = np.random.default_rng(seed)
    crops, texts = [], []
    for i in range(PLATES_PER_SET):
        text, style = render.random_plate(rng, "punjab" if i % 2 else None)
        plate = render.render_plate(text, style, rng, look)
        height = round(plate.shape[0] * width / plate.shape[1])
        small = cv2.resize(plate, (width, height), interpolation=cv2.INTER_AREA)
        crops.append(cv2.GaussianBlur(small, (3, 3), 0.6))
        texts.append(text)
    return crops, texts


def rendered_sets(plate_seed: int, augment_seed: int) -> Iterator[tuple[str, list, list[str]]]:
    """Yield (name, crops, texts) for every set the bench reads."""
    for name, look in LOOKS.items():
        for width in WIDTHS:
            yield f"{name}-{width}px", *small_plates(plate_seed, look, width)
    rng = np.random.default_rng(augment_seed)
    samples = [synth.synthetic_sample(rng, render.R7_LOOK) for _ in range(AUGMENTED)]
    yield "augmented", [s[0] for s in samples], [s[1] for s in samples]


def tally(reads: list[PlateRead], texts: list[str], floor: float) -> tuple[int, int, list]:
    """Return (right, auto-issuable, the wrong auto-issuable reads as (truth, read))."""
    right = sum(r.text == t for r, t in zip(reads, texts, strict=True))
    auto = [(t, r) for r, t in zip(reads, texts, strict=True) if r.valid and r.confidence >= floor]
    return right, len(auto), [(t, r) for t, r in auto if r.text != t]


def main() -> None:
    """Print each set's figures per model, then each model's totals."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seeds", type=int, nargs=2, required=True, metavar=("PLATES", "AUGMENTED"))
    p.add_argument("--model", action="append", required=True, help="NAME=model path sans suffix")
    p.add_argument("--floor", type=float, default=Config.AUTO_ISSUE_MIN_PLATE_CONFIDENCE)
    p.add_argument("--list", action="store_true", help="print every confident wrong read")
    args = p.parse_args()
    if any("=" not in m for m in args.model):
        p.error("--model takes NAME=PATH")
    readers = {n: PlateReader.from_model(s) for n, s in (m.split("=", 1) for m in args.model)}
    totals = {name: [0, 0, 0, 0] for name in readers}  # plates, right, auto, wrong
    for set_name, crops, texts in rendered_sets(*args.seeds):
        line = f"{set_name:12s}"
        for name, reader in readers.items():
            right, auto, wrong = tally(reader.read(crops), texts, args.floor)
            line += f" | {name}: right {right}/{len(texts)} auto {auto} wrong {len(wrong)}"
            for i, v in enumerate((len(texts), right, auto, len(wrong))):
                totals[name][i] += v
            if args.list:
                for truth, read in wrong:
                    print(f"  {name} {set_name}: {truth} read {read.text} at {read.confidence:.3f}")
        print(line)
    for name, (plates, right, auto, wrong) in totals.items():
        print(
            f"{name}: {plates} plates, right {right}, auto-issuable {auto}, wrong of those {wrong}"
        )


if __name__ == "__main__":
    main()
