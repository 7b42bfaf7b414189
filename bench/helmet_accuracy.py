"""Helmet classifier accuracy on rider head crops from ../shared/data/helmet (test/ by default).

Usage: .venv/bin/python bench/helmet_accuracy.py [--split test] [--model vision/models/helmet.onnx]
Crops are the labelled head boxes padded as at training time (vision.helmet.head_crop). test/ is
evaluation only: nothing was tuned on it. Source: Roboflow "Helmet and no helmet rider
detection" (CC BY 4.0), see ../shared/data/README.md.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from training.vision.helmet_data import labelled_images
from vision.helmet import MODEL_PATH, HelmetClassifier, head_crop

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "helmet"


def crops(split: Path) -> tuple[list[np.ndarray], list[int]]:
    """Return the head crops and labels (0 helmet, 1 none) of a split."""
    images, labels = [], []
    for image, boxes in labelled_images(split):
        for cls, cx, cy, side in boxes:
            images.append(head_crop(image, (cx - side / 2, cy - side / 2, side, side)))
            labels.append(cls)
    return images, labels


def main() -> None:
    """Print accuracy, per-class recall and speed."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--split", default="test")
    parser.add_argument("--model", default=str(MODEL_PATH))
    parser.add_argument("--data", default=str(DATA))
    args = parser.parse_args()
    split = Path(args.data) / args.split
    if not split.is_dir():
        raise SystemExit(f"helmet data not found at {split} (see ../shared/data/README.md)")
    images, labels = crops(split)
    classifier = HelmetClassifier(args.model)
    start = time.perf_counter()
    reads = classifier.classify(images)
    elapsed = time.perf_counter() - start
    truth = np.array(labels)
    pred = np.array([0 if r.helmet else 1 for r in reads])
    print(f"helmet/{args.split}: {len(labels)} head crops from {split}")
    print(f"accuracy {float((pred == truth).mean()):.4f}")
    for cls, name in ((0, "helmet"), (1, "no helmet")):
        mask = truth == cls
        print(
            f"  {name:9s}: {int(mask.sum())} crops, recall {float((pred[mask] == cls).mean()):.4f}"
        )
    print(f"{len(labels) / elapsed:.0f} crops/s on one thread (batch of {len(labels)})")
    print(f"{single_crop_ms(classifier, images):.3f} ms per crop one at a time (median)")
    print(f"model {Path(args.model).stat().st_size / 1e6:.2f} MB, input {classifier.input_size} px")


def single_crop_ms(classifier: HelmetClassifier, images: list[np.ndarray]) -> float:
    """Return the median time of classifying one crop per call, as the pipeline does per rider."""
    times = []
    for image in images[:200]:
        start = time.perf_counter()
        classifier.classify([image])
        times.append(time.perf_counter() - start)
    return float(np.median(times) * 1000)


if __name__ == "__main__":
    main()
