"""Find riders' heads in the square cut over the top of a two-wheeler's box (project ONNX model).

The helmet classifier is trained on head boxes padded x1.2-1.9; the square over a rider's box
shows the head at an unknown size and place (real riders' boxes hold arms, mirrors, pillions).
The head finder measures the head(s) there so the pipeline can refuse heads too small to judge
and re-cut the classifier's crop around the measured head. Model recipe: training/vision/RECIPE.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from vision.helmet import to_input
from vision.onnx import cpu_session

MODEL_PATH = Path(__file__).parent / "models" / "head_finder.onnx"
# A slot whose present probability is below this holds no head.
PRESENT = 0.5


@dataclass(frozen=True)
class HeadBox:
    """A square head box: centre and side in pixels (of a crop or a frame), and its score."""

    cx: float
    cy: float
    side: float
    score: float  # probability that the slot holds a head the pipeline means

    @property
    def box(self) -> tuple[float, float, float, float]:
        """Return the box as (x, y, w, h)."""
        half = self.side / 2
        return (self.cx - half, self.cy - half, self.side, self.side)


def to_frame(head: HeadBox, origin: tuple[float, float], scale: float = 1.0) -> HeadBox:
    """Map a head found in a crop back to frame pixels: crop pixel p is frame origin + p * scale."""
    x0, y0 = origin
    return HeadBox(x0 + head.cx * scale, y0 + head.cy * scale, head.side * scale, head.score)


class HeadFinder:
    """Run the head-finder ONNX model on BGR crops (any size: each is resized to the input)."""

    def __init__(self, model_path: Path | str = MODEL_PATH, threads: int = 1) -> None:
        self._session = cpu_session(model_path, threads)
        model_input = self._session.get_inputs()[0]
        self._input = model_input.name
        self.input_size = int(model_input.shape[-1])

    @classmethod
    def default(cls) -> HeadFinder:
        """Load the model committed with the project."""
        return cls(MODEL_PATH)

    def raw(self, crops: Sequence[np.ndarray]) -> np.ndarray:
        """Return the model's (N, slots, 4) rows: present, centre x, centre y, side (relative)."""
        if not len(crops):
            return np.zeros((0, 2, 4), np.float32)
        return self._session.run(None, {self._input: to_input(crops, self.input_size)})[0]

    def find_all(self, crops: Sequence[np.ndarray]) -> list[list[HeadBox]]:
        """Return every head found in each crop (rider first, then a pillion), in crop pixels."""
        out = []
        for crop, rows in zip(crops, self.raw(crops), strict=True):
            h, w = crop.shape[:2]
            out.append(
                [
                    HeadBox(float(x * w), float(y * h), float(s * (w + h) / 2), float(p))
                    for p, x, y, s in rows
                    if p >= PRESENT
                ]
            )
        return out

    def find(self, crops: Sequence[np.ndarray]) -> list[HeadBox | None]:
        """Return the head the pipeline means (the rider's) in each crop, None where none is."""
        return [heads[0] if heads else None for heads in self.find_all(crops)]
