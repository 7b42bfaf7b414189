"""Cut head crops with context from the YOLO-labelled helmet data set (class 0 helmet, 1 none)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import cv2
import numpy as np

from vision.helmet import square_crop

# Crops are stored with this much context around the head box so training can jitter the pad.
CONTEXT = 2.4
CONTEXT_SIZE = 96
MIN_BOX_PX = 6
Box = tuple[int, float, float, float]  # class, centre x, centre y, side (pixels)


def read_boxes(label_path: Path, width: int, height: int) -> list[Box]:
    """Return (class, centre x, centre y, side) in pixels for every YOLO box in a label file."""
    boxes = []
    for line in label_path.read_text().splitlines():
        parts = line.split()
        if len(parts) < 5:
            continue
        cls, x, y, w, h = int(parts[0]), *map(float, parts[1:5])
        side = max(w * width, h * height)
        if side >= MIN_BOX_PX and cls in (0, 1):
            boxes.append((cls, x * width, y * height, side))
    return boxes


def labelled_images(split_dir: Path) -> Iterator[tuple[np.ndarray, list[Box]]]:
    """Yield (BGR image, its head boxes) for every readable, labelled image of a split folder."""
    for image_path in sorted((split_dir / "images").glob("*")):
        image = cv2.imread(str(image_path))
        label_path = split_dir / "labels" / (image_path.stem + ".txt")
        if image is not None and label_path.exists():
            yield image, read_boxes(label_path, image.shape[1], image.shape[0])


def context_crops(split_dir: Path) -> Iterator[tuple[np.ndarray, int]]:
    """Yield (context crop at the image's own resolution, class) for every head of a split."""
    for image, boxes in labelled_images(split_dir):
        for cls, cx, cy, side in boxes:
            yield square_crop(image, cx, cy, side * CONTEXT), cls


def split_crops(split_dir: Path, size: int = CONTEXT_SIZE) -> tuple[np.ndarray, np.ndarray]:
    """Return context crops (N, size, size, 3) uint8 and labels (N,) for one split folder."""
    crops, labels = [], []
    for crop, cls in context_crops(split_dir):
        crops.append(cv2.resize(crop, (size, size), interpolation=cv2.INTER_AREA))
        labels.append(cls)
    return np.stack(crops), np.array(labels, np.int64)


def native_crops(split_dir: Path, cap: int) -> tuple[np.ndarray, np.ndarray]:
    """Return context crops at the image's own resolution (shrunk to `cap` px if larger), labels.

    The crops are a 1-D object array of (side, side, 3) uint8 arrays, sides differing: a training
    crop cut from them is resampled once, as the pipeline's crop is, not twice.
    """
    crops, labels = [], []
    for crop, cls in context_crops(split_dir):
        if crop.shape[0] > cap:
            crop = cv2.resize(crop, (cap, cap), interpolation=cv2.INTER_AREA)
        crops.append(crop)
        labels.append(cls)
    return as_objects(crops), np.array(labels, np.int64)


def as_objects(crops: Sequence[np.ndarray]) -> np.ndarray:
    """Return a 1-D object array holding the crops (numpy would stack equal shapes)."""
    out = np.empty(len(crops), object)
    for i, crop in enumerate(crops):
        out[i] = crop
    return out


def centre_crops(context: Sequence[np.ndarray], pad: float = 1.5, size: int = 48) -> np.ndarray:
    """Cut the deterministic evaluation crop (head box x pad) out of stored context crops."""
    out = []
    for c in context:
        centre, side = c.shape[0] / 2, c.shape[0] / CONTEXT * pad
        crop = square_crop(c, centre, centre, side)
        out.append(cv2.resize(crop, (size, size), interpolation=cv2.INTER_AREA))
    return np.stack(out)
