"""Training cuts for the head finder: the square the pipeline cuts over a rider, with head boxes.

Real cuts come from the YOLO head boxes of ../shared/data/helmet (train/ for training, valid/ for
selection; test/ is never read here). Around every labelled head a wide context square is stored
once; a training cut is then drawn from it the way the pipeline would see that head: crop side =
head side / r (r in 0.15-0.6), head centre at x 0.3-0.7 and y 0.1-0.6 of the crop. Synthetic cuts
are the pipeline's own 0.8 w square over riders rendered by `synth.scenes` (training seeds
10000-10599), with head boxes taken from the sprite drawing.

Targets: up to SLOTS heads per cut, the one nearest ANCHOR (where the pipeline expects the rider's
head: top centre) first. A second head is kept because a pillion must wear a helmet too; heads
whose centre lies outside the crop's inner area, or smaller than MIN_REL of the crop, are not
targets (the pipeline would not mean them, and a head that small cannot be judged).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from training.vision.helmet_data import labelled_images
from vision.helmet import square_crop

SLOTS = 2
ANCHOR = (0.5, 0.4)  # where the rider's head sits in the pipeline's cut, relative to its side
INNER = (0.08, 0.92, 0.02, 0.85)  # x0, x1, y0, y1: a target head's centre lies in here
MIN_REL = 0.08  # smallest target head side relative to the crop side
CONTEXT_HEADS = 11.0  # real contexts are this many head sides wide (the widest cut needs ~10.7)
CONTEXT_PX = 320  # heads ~29 px: cuts with r up to 0.6 are not blurred by the storage
MAX_HEADS = 8  # other heads stored per context
R_RANGE = (0.15, 0.6)
# Head centre height in the cut. A blob box starts at the head's top, so in the pipeline's cut
# (top at y - 0.06 w) a head of 0.19-0.32 w sits at 0.19-0.28 of the side: the range reaches
# below the brief's 0.2 to keep such heads inside what was trained.
V_RANGE = (0.1, 0.6)
# Synthetic contexts: SYN_SPAN times the pipeline's cut side (0.8 w), centred on its cut centre;
# training cuts are widened up to SYN_ZOOM times (heads down to ~0.2 of the cut).
SYN_SPAN = 3.0
SYN_ZOOM = 2.5
SYN_PX = 160


@dataclass
class Contexts:
    """Stored context squares with every head box inside them (cx, cy, side, valid) in pixels."""

    images: np.ndarray  # (N, S, S, 3) uint8
    heads: np.ndarray  # (N, MAX_HEADS, 4) float32; row 0 is the head the context is centred on
    synthetic: bool


def _context_heads(boxes: list, centre: tuple[float, float], scale: float, size: int) -> np.ndarray:
    """Return the boxes in context pixels, the one at `centre` first, padded to MAX_HEADS."""
    cx, cy = centre
    rows = sorted(boxes, key=lambda b: (b[1] - cx) ** 2 + (b[2] - cy) ** 2)[:MAX_HEADS]
    out = np.zeros((MAX_HEADS, 4), np.float32)
    for i, (_, x, y, side) in enumerate(rows):
        out[i] = ((x - cx) * scale + size / 2, (y - cy) * scale + size / 2, side * scale, 1)
    return out


def real_contexts(split_dir: Path, size: int = CONTEXT_PX) -> Contexts:
    """Cut a context square around every labelled head of one split folder."""
    images, heads = [], []
    for image, boxes in labelled_images(split_dir):
        for _, cx, cy, side in boxes:
            crop = square_crop(image, cx, cy, side * CONTEXT_HEADS)
            images.append(cv2.resize(crop, (size, size), interpolation=cv2.INTER_AREA))
            heads.append(_context_heads(boxes, (cx, cy), size / crop.shape[0], size))
    return Contexts(np.stack(images), np.stack(heads), False)


def save(ctx: Contexts, path: Path) -> None:
    """Write contexts to a compressed npz."""
    np.savez_compressed(path, images=ctx.images, heads=ctx.heads, synthetic=ctx.synthetic)


def load(path: Path) -> Contexts:
    """Read contexts written by `save`."""
    z = np.load(path)
    return Contexts(z["images"], z["heads"], bool(z["synthetic"]))


def real_cut_square(ctx: Contexts, i: int, rng: np.random.Generator) -> tuple[float, ...]:
    """Draw the pipeline-like cut (x0, y0, side in context pixels) around context i's head."""
    cx, cy, side = ctx.heads[i, 0, :3]
    length = side / rng.uniform(*R_RANGE)
    u, v = 0.5 + rng.uniform(-0.2, 0.2), rng.uniform(*V_RANGE)
    return cx - u * length, cy - v * length, length


def synthetic_cut_square(ctx: Contexts, i: int, rng: np.random.Generator) -> tuple[float, ...]:
    """Draw the pipeline's 0.8 w cut, jittered, and often widened from the same top edge.

    Sprites fill their box, so their heads are always ~0.5 of the cut; real boxes also hold
    arms, mirrors and pillions. Widening the cut (as a wider box would) keeps the finder
    measuring synthetic heads instead of learning one size for them.
    """
    size = ctx.images.shape[1]
    base = size / SYN_SPAN
    length = base * float(np.exp(rng.uniform(np.log(0.85), np.log(SYN_ZOOM))))
    cx = size / 2 + rng.normal(0, 0.05) * base
    top = size / 2 - base / 2 + rng.normal(0, 0.05) * base
    return cx - length / 2, top, length


def negative_cut_square(ctx: Contexts, i: int, rng: np.random.Generator) -> tuple[float, ...]:
    """Draw a cut below the head (a body, a vehicle, road): no head the pipeline means."""
    cx, cy, side = ctx.heads[i, 0, :3]
    length = side / rng.uniform(*R_RANGE)
    return cx - rng.uniform(0.3, 0.7) * length, cy + rng.uniform(0.6, 1.2) * side, length


def targets(heads: np.ndarray, square: tuple[float, ...], flip: bool) -> np.ndarray:
    """Return (SLOTS, 4) rows (present, cx, cy, side) relative to the cut square."""
    x0, y0, length = square
    rel = (heads[:, :3] - np.array([x0, y0, 0], np.float32)) / length
    if flip:
        rel[:, 0] = 1 - rel[:, 0]
    keep = (
        (heads[:, 3] > 0)
        & (rel[:, 0] >= INNER[0])
        & (rel[:, 0] <= INNER[1])
        & (rel[:, 1] >= INNER[2])
        & (rel[:, 1] <= INNER[3])
        & (rel[:, 2] >= MIN_REL)
    )
    rel = rel[keep]
    order = np.argsort((rel[:, 0] - ANCHOR[0]) ** 2 + (rel[:, 1] - ANCHOR[1]) ** 2)
    out = np.zeros((SLOTS, 4), np.float32)
    for slot, j in enumerate(order[:SLOTS]):
        out[slot] = (1, *rel[j])
    return out


def cut(image: np.ndarray, square: tuple[float, ...], size: int, flip: bool) -> np.ndarray:
    """Resample the square (x0, y0, side) of a context image to size x size pixels."""
    x0, y0, length = square
    scale = size / length
    m = np.array([[scale, 0, -x0 * scale], [0, scale, -y0 * scale]], np.float32)
    crop = cv2.warpAffine(
        image, m, (size, size), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )
    return np.ascontiguousarray(crop[:, ::-1]) if flip else crop


def sample(
    ctx: Contexts, i: int, rng: np.random.Generator, size: int, negative: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Draw one training cut of context i: (BGR crop, SLOTS x 4 targets)."""
    if negative:
        square = negative_cut_square(ctx, i, rng)
    elif ctx.synthetic:
        square = synthetic_cut_square(ctx, i, rng)
    else:
        square = real_cut_square(ctx, i, rng)
    flip = bool(rng.random() < 0.5)
    return cut(ctx.images[i], square, size, flip), targets(ctx.heads[i], square, flip)
