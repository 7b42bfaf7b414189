"""Choosing the plate among a photo's candidates by what they read as."""

from __future__ import annotations

import numpy as np

from ocr.localize import PlateCandidate
from ocr.photo import BELIEVABLE, best_read
from ocr.reader import PlateRead, make_read


def candidates(n: int) -> list[PlateCandidate]:
    """Return n candidates, best first by the localiser, each with its own box."""
    crop = np.zeros((20, 40, 3), np.uint8)
    return [PlateCandidate((10 * i, 0, 40, 20), crop, 1.0 - i / 10) for i in range(n)]


def read(raw: str, confidence: float) -> PlateRead:
    """Return a read of `raw` at `confidence`, checked against the plate rules."""
    return make_read(raw, tuple(0.9 for _ in raw), confidence, None)


def test_a_believable_read_overrides_the_localisers_ranking() -> None:
    found = candidates(3)
    reads = [read("HELLOWORLD", 0.95), read("AZU290", BELIEVABLE), read("BGC771", 0.99)]
    chosen = best_read(found, reads)
    assert chosen is not None and chosen.box == found[1].box and chosen.read.text == "AZU290"


def test_with_no_believable_read_the_localisers_first_guess_stands() -> None:
    found = candidates(3)
    reads = [read("XQ", 0.2), read("AZU290", BELIEVABLE - 0.01), read("ZZZZZZZZ", 0.99)]
    chosen = best_read(found, reads)
    assert chosen is not None and chosen.box == found[0].box


def test_no_candidates_means_no_read() -> None:
    assert best_read([], []) is None
