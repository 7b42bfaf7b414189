"""Read the plate in whole-vehicle photos: find candidates, read them all, keep the best read.

The localiser ranks plate-like regions by how they look; the recogniser knows whether a region
reads as a plate. Every candidate is read (five at most per photo, in one batch) and the first,
in the localiser's order, whose read fits a Pakistani layout with some confidence is kept; with
none such, the localiser's first guess. Confidence alone is no guide: on plates the model cannot
read (the EU photos of `bench/ocr_localize.py`) a badge or a sign often reads more confidently
than the plate, so the highest-confidence read would throw good guesses away.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ocr.localize import PlateCandidate, find_plates
from ocr.reader import PlateRead, PlateReader

# A read at least this confident that fits a layout overrides the localiser's ranking. Chosen on
# the openalpr-eu development photos (bench/ocr_localize.py; 0.5 of four rules tried).
BELIEVABLE = 0.5


@dataclass(frozen=True)
class LocatedRead:
    """A plate read and where its crop was cut from in the photo (x, y, w, h)."""

    read: PlateRead
    box: tuple[int, int, int, int]


def read_photos(reader: PlateReader, photos: Sequence[np.ndarray]) -> list[LocatedRead | None]:
    """Return, per photo, its most believable plate read with its box (None: no candidate)."""
    return read_candidates(reader, [find_plates(photo) for photo in photos])


def read_candidates(
    reader: PlateReader, candidates: Sequence[Sequence[PlateCandidate]]
) -> list[LocatedRead | None]:
    """Read every photo's candidates in one batch; return each photo's most believable read."""
    reads = iter(reader.read([c.crop for found in candidates for c in found]))
    return [best_read(found, [next(reads) for _ in found]) for found in candidates]


def best_read(found: Sequence[PlateCandidate], reads: Sequence[PlateRead]) -> LocatedRead | None:
    """Return the first believable read in the localiser's order, else the first candidate's."""
    if not found:
        return None
    believable = (i for i, r in enumerate(reads) if r.valid and r.confidence >= BELIEVABLE)
    best = next(believable, 0)
    return LocatedRead(reads[best], found[best].box)
