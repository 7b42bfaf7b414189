"""Print SHA-1 digests of a recipe's first training batches and its synthetic validation set.

Two checkouts that print the same digests feed a training run the same data, so a recipe can be
shown to rebuild a committed model without the two hours of training (ocr/models/RECIPE.md).
Digests depend on the installed fonts and on OpenCV and Pillow's drawing, so compare them on
one machine.

Usage: python -m training.ocr.digest [--look r7] [--seed 7] [--real-frac 0.10] [--batches 5]
"""

from __future__ import annotations

import argparse
import hashlib

import numpy as np

from synth import render
from training.ocr import train


def batches_digest(look: render.Look, seed: int, real_frac: float, batches: int) -> str:
    """Return the digest of the first training batches (64 each) a run with `seed` draws."""
    source = train.Batches(
        np.random.default_rng(seed), train.load_real("train"), real_frac, 0.0, look
    )
    digest = hashlib.sha1()
    for _ in range(batches):
        digest.update(source.next(64).x.numpy().tobytes())
    return digest.hexdigest()


def validation_digest(look: render.Look) -> str:
    """Return the digest of the fixed synthetic validation set's inputs."""
    inputs, _ = train.synthetic_validation(look)
    return hashlib.sha1(inputs.numpy().tobytes()).hexdigest()


def main() -> None:
    """Print both digests."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--look", default="r7", choices=sorted(render.LOOKS))
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--real-frac", type=float, default=0.10)
    parser.add_argument("--batches", type=int, default=5)
    args = parser.parse_args()
    look = render.LOOKS[args.look]
    print(f"batches {batches_digest(look, args.seed, args.real_frac, args.batches)}")
    print(f"synthetic validation {validation_digest(look)}")


if __name__ == "__main__":
    main()
