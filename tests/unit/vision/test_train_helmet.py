"""The helmet trainer's crop cutting: the pad range sets how much of the crop the head fills."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

# The trainer imports torch, which only the `train` extra installs (CI runs without it).
pytest.importorskip("torch", reason="torch is in the train extra only")

from training.vision.helmet_data import CONTEXT, as_objects, centre_crops  # noqa: E402
from training.vision.train_helmet import augment, cut, cut_native  # noqa: E402


def context_with_head(side: int = 120) -> np.ndarray:
    """Return a grey context crop whose centred head box (side / CONTEXT) is white."""
    context = np.full((side, side, 3), 60, np.uint8)
    box = round(side / CONTEXT)
    start = (side - box) // 2
    context[start : start + box, start : start + box] = 255
    return context


def head_share(
    pad: float, cutter: Callable[..., np.ndarray] = cut, side: int = 120, draws: int = 20
) -> float:
    """Return the mean share of crop pixels covered by the head box at a fixed pad."""
    rng = np.random.default_rng(0)
    crops = [cutter(context_with_head(side), rng, 48, False, (pad, pad)) for _ in range(draws)]
    shares = [(crop > 150).all(2).mean() for crop in crops]
    return float(np.mean(shares))


@pytest.mark.parametrize(("cutter", "side"), [(cut, 120), (cut_native, 120), (cut_native, 48)])
def test_pad_range_sets_the_head_share(cutter: Callable[..., np.ndarray], side: int) -> None:
    # The head box covers 1 / pad^2 of the crop, less a little where the centre jitter clips it
    # (and, on a small native context, give or take a pixel of rounding).
    assert 0.55 < head_share(1.2, cutter, side) <= 1 / 1.2**2 + 0.05
    assert 0.22 < head_share(1.9, cutter, side) <= 1 / 1.9**2 + 0.05


def test_native_contexts_of_any_size_give_evaluation_crops() -> None:
    contexts = as_objects([context_with_head(48), context_with_head(48), context_with_head(200)])
    assert contexts.shape == (3,)
    crops = centre_crops(contexts, 1.5, 64)
    assert crops.shape == (3, 64, 64, 3)
    # At pad 1.5 the head box fills the middle two thirds of every crop, whatever the context size.
    assert (crops[:, 32, 32] == 255).all() and (crops[:, 2, 2] == 60).all()


def test_augment_keeps_size_and_range() -> None:
    rng = np.random.default_rng(1)
    crop = augment(context_with_head(), rng, 64, strong=True, pad=(1.4, 1.6))
    assert crop.shape == (64, 64, 3) and crop.min() >= 0 and crop.max() <= 255


def test_native_augment_keeps_size_and_range() -> None:
    rng = np.random.default_rng(2)
    for side in (40, 260):
        crop = augment(context_with_head(side), rng, 64, strong=True, native=True)
        assert crop.shape == (64, 64, 3) and crop.min() >= 0 and crop.max() <= 255
