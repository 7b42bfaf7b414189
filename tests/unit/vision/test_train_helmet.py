"""The helmet trainer's crop cutting: the pad range sets how much of the crop the head fills."""

from __future__ import annotations

import numpy as np

from vision.training.helmet_data import CONTEXT
from vision.training.train_helmet import augment, cut


def context_with_head(side: int = 120) -> np.ndarray:
    """Return a grey context crop whose centred head box (side / CONTEXT) is white."""
    context = np.full((side, side, 3), 60, np.uint8)
    box = round(side / CONTEXT)
    start = (side - box) // 2
    context[start : start + box, start : start + box] = 255
    return context


def head_share(pad: float, draws: int = 20) -> float:
    """Return the mean share of crop pixels covered by the head box at a fixed pad."""
    rng = np.random.default_rng(0)
    crops = [cut(context_with_head(), rng, 48, False, (pad, pad)) for _ in range(draws)]
    shares = [(crop > 150).all(2).mean() for crop in crops]
    return float(np.mean(shares))


def test_pad_range_sets_the_head_share() -> None:
    # The head box covers 1 / pad^2 of the crop, less a little where the centre jitter clips it.
    assert 0.55 < head_share(1.2) <= 1 / 1.2**2 + 0.03
    assert 0.22 < head_share(1.9) <= 1 / 1.9**2 + 0.03


def test_augment_keeps_size_and_range() -> None:
    rng = np.random.default_rng(1)
    crop = augment(context_with_head(), rng, 64, strong=True, pad=(1.4, 1.6))
    assert crop.shape == (64, 64, 3) and crop.min() >= 0 and crop.max() <= 255
