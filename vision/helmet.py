"""Helmet classification of riders' head crops with the project's own small ONNX model."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from vision.onnx import cpu_session

log = logging.getLogger(__name__)

MODEL_PATH = Path(__file__).parent / "models" / "helmet.onnx"
# Input side used when a model does not fix one in its input shape (models state their own).
INPUT_SIZE = 48
# Head boxes are padded by this factor: crops show some shoulders and background, as in training.
HEAD_PAD = 1.5


@dataclass(frozen=True)
class HelmetRead:
    """One classifier answer: is a helmet worn, and how sure the model is of that answer."""

    helmet: bool
    confidence: float


def square_origin(cx: float, cy: float, side: float) -> tuple[int, int]:
    """Return the frame pixel that `square_crop` puts at the crop's top-left corner."""
    half = side / 2
    return int(round(cx - half)), int(round(cy - half))


def square_crop(image: np.ndarray, cx: float, cy: float, side: float) -> np.ndarray:
    """Cut a square centred on (cx, cy), padding with edge pixels where it leaves the image."""
    x0, y0 = square_origin(cx, cy, side)
    size = max(2, int(round(side)))
    h, w = image.shape[:2]
    pad = max(0, -x0, -y0, x0 + size - w, y0 + size - h)
    if pad:
        image = cv2.copyMakeBorder(image, pad, pad, pad, pad, cv2.BORDER_REPLICATE)
        x0, y0 = x0 + pad, y0 + pad
    return image[y0 : y0 + size, x0 : x0 + size]


def head_crop(image: np.ndarray, box: Sequence[float], pad: float = HEAD_PAD) -> np.ndarray:
    """Cut the padded square around a head box (x, y, w, h) the way the model was trained."""
    x, y, w, h = box
    return square_crop(image, x + w / 2, y + h / 2, max(w, h) * pad)


def to_input(crops: Sequence[np.ndarray], size: int = INPUT_SIZE) -> np.ndarray:
    """Turn BGR crops into the model's float NCHW batch in [0, 1]."""
    batch = np.empty((len(crops), 3, size, size), np.float32)
    for i, crop in enumerate(crops):
        small = cv2.resize(crop, (size, size), interpolation=cv2.INTER_AREA)
        batch[i] = small.transpose(2, 0, 1) / 255.0
    return batch


class HelmetClassifier:
    """Classify head crops as helmet / no helmet with an ONNX model (class 0 helmet, 1 none)."""

    def __init__(self, model_path: Path | str = MODEL_PATH, threads: int = 1) -> None:
        self._session = cpu_session(model_path, threads)
        model_input = self._session.get_inputs()[0]
        self._input = model_input.name
        side = model_input.shape[-1]
        self.input_size = side if isinstance(side, int) else INPUT_SIZE

    @classmethod
    def default(cls) -> HelmetClassifier:
        """Load the model committed with the project."""
        return cls(MODEL_PATH)

    def probabilities(self, crops: Sequence[np.ndarray]) -> np.ndarray:
        """Return P(no helmet) for each BGR head crop."""
        if not crops:
            return np.zeros(0, np.float32)
        logits = self._session.run(None, {self._input: to_input(crops, self.input_size)})[0]
        logits = logits - logits.max(axis=1, keepdims=True)
        probs = np.exp(logits)
        return (probs[:, 1] / probs.sum(axis=1)).astype(np.float32)

    def classify(self, images: Sequence[np.ndarray]) -> list[HelmetRead]:
        """Classify BGR head crops; confidence is the probability of the answer given."""
        reads = []
        for p_none in self.probabilities(images):
            helmet = bool(p_none < 0.5)
            reads.append(HelmetRead(helmet, float(1 - p_none if helmet else p_none)))
        return reads
