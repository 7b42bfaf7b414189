"""A pretrained COCO detector (MobileNetV3 CenterNet, ONNX) for road users in BGR frames.

The model and its contract are described in `vision/models/CENTERNET.md`; the recipe that built
it from the npm package is `training/detector/convert_centernet.py`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from vision.onnx import cpu_session

MODEL_PATH = Path(__file__).parent / "models" / "centernet.onnx"
# Recorded in vision/models/CENTERNET.md; a test keeps the two and the file in step.
MODEL_SHA256 = "ead3ffee9462949f5d800d7670fbc2900078a3cec2448fda379ccfb9569e3f67"
INPUT_NAME = "images"
OUTPUT_NAME = "detections"
INPUT_SIZE = 512
# COCO's 80-class list counted from 0 (person = 0): the model's class column indexes it so,
# checked on real frames (y3.mov frame 90 gives class 2, its cars).
KINDS = {
    0: "person",
    1: "bicycle",
    2: "car",
    3: "motorcycle",
    5: "bus",
    7: "truck",
    9: "traffic_light",
}


@dataclass(frozen=True)
class Detection:
    """One road user in a frame: kind, box (x0, y0, x1, y1) in frame pixels, score."""

    kind: str
    box: tuple[float, float, float, float]
    score: float


@dataclass(frozen=True)
class _Placement:
    """How a frame was fitted into the model's square input: scale and offset per axis."""

    scale_x: float
    scale_y: float
    offset_x: float = 0.0
    offset_y: float = 0.0

    def to_frame(self, x0: float, y0: float, x1: float, y1: float) -> tuple[float, ...]:
        """Map a box from input pixels back to frame pixels."""
        return (
            (x0 - self.offset_x) / self.scale_x,
            (y0 - self.offset_y) / self.scale_y,
            (x1 - self.offset_x) / self.scale_x,
            (y1 - self.offset_y) / self.scale_y,
        )


class Detector:
    """Find persons, two-wheelers, cars, buses, trucks and signal heads in BGR frames."""

    def __init__(self, session: Any, min_score: float = 0.3, letterbox: bool = False) -> None:
        """Wrap an onnxruntime session of the CenterNet contract (see CENTERNET.md)."""
        self._session = session
        self.min_score = min_score
        self.letterbox = letterbox

    @classmethod
    def default(cls, threads: int = 1, min_score: float = 0.3, letterbox: bool = False):
        """Open the committed model with `threads` intra-op threads."""
        return cls(cpu_session(MODEL_PATH, threads), min_score, letterbox)

    def detect(self, frame_bgr: np.ndarray) -> list[Detection]:
        """Return the road users scoring at least `min_score`, best first."""
        image, placement = self._fit(frame_bgr)
        batch = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)[None].astype(np.float32)
        rows = self._session.run([OUTPUT_NAME], {INPUT_NAME: batch})[0][0]
        return self._decode(rows, placement, frame_bgr.shape)

    def _fit(self, frame: np.ndarray) -> tuple[np.ndarray, _Placement]:
        """Resize the frame to the input square: stretched (as the package feeds it) or padded."""
        height, width = frame.shape[:2]
        if not self.letterbox:
            placement = _Placement(INPUT_SIZE / width, INPUT_SIZE / height)
            return cv2.resize(frame, (INPUT_SIZE, INPUT_SIZE)), placement
        scale = INPUT_SIZE / max(width, height)
        new_w, new_h = round(width * scale), round(height * scale)
        off_x, off_y = (INPUT_SIZE - new_w) // 2, (INPUT_SIZE - new_h) // 2
        image = np.full((INPUT_SIZE, INPUT_SIZE, 3), 114, np.uint8)
        resized = cv2.resize(frame, (new_w, new_h), interpolation=cv2.INTER_AREA)
        image[off_y : off_y + new_h, off_x : off_x + new_w] = resized
        return image, _Placement(scale, scale, off_x, off_y)

    def _decode(self, rows: np.ndarray, placement: _Placement, shape) -> list[Detection]:
        """Turn model rows (x0, y0, x1, y1, score, class) into clipped frame detections."""
        height, width = shape[:2]
        found = []
        for x0, y0, x1, y1, score, klass in rows:
            kind = KINDS.get(int(klass))
            if kind is None or score < self.min_score:
                continue
            box = placement.to_frame(float(x0), float(y0), float(x1), float(y1))
            clipped = (
                min(max(box[0], 0.0), width),
                min(max(box[1], 0.0), height),
                min(max(box[2], 0.0), width),
                min(max(box[3], 0.0), height),
            )
            found.append(Detection(kind, clipped, float(score)))
        return sorted(found, key=lambda d: d.score, reverse=True)
