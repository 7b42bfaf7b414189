"""The pretrained CenterNet behind the pipeline's Detector protocol: road users with labels.

`vision.detector.Detector` finds COCO persons, two-wheelers, cars, buses, trucks and signal
heads as float corner boxes. The pipeline wants what `BackgroundDetector` gives, integer
(x, y, w, h) boxes, and for two-wheelers one tall box holding the machine and its riders (the
helmet code reads heads at the top of a rider's box). So riders are folded into their
two-wheeler here, pedestrians and signal heads are dropped, and vehicles keep their labels.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import cv2
import numpy as np

from vision import detector as cnn
from vision.detect import Box, Detection

VEHICLES = frozenset({"car", "bus", "truck"})
TWO_WHEELERS = frozenset({"motorcycle", "bicycle"})
RIDER_LABEL = "motorcycle"  # a two-wheeler carrying its rider(s), as the helmet rule expects
# A person sits on a two-wheeler when the bottom of their box (feet, seat) lies inside its box
# or the two boxes overlap this much (IoU) or most of the machine hides behind the person
# (seen head-on, the rider covers the motorcycle).
RIDER_IOU = 0.3
RIDER_COVER = 0.6
# Two boxes of different classes on one object (a van as car and truck): the weaker goes.
DUPLICATE_IOU = 0.7
# The motion gate compares frames this wide in grey; a pixel changed by more than this many
# grey levels moved (compression noise on a still junction stays under it).
GATE_WIDTH = 160
GATE_LEVELS = 25

Corners = tuple[float, float, float, float]


def _area(b: Corners) -> float:
    """Return a corner box's area."""
    return max(0.0, b[2] - b[0]) * max(0.0, b[3] - b[1])


def _intersection(a: Corners, b: Corners) -> float:
    """Return the area two corner boxes share."""
    return _area((max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3])))


def corner_iou(a: Corners, b: Corners) -> float:
    """Return the intersection over union of two (x0, y0, x1, y1) boxes."""
    inter = _intersection(a, b)
    union = _area(a) + _area(b) - inter
    return inter / union if union > 0 else 0.0


def _bottom_inside(person: Corners, machine: Corners) -> bool:
    """Tell whether the bottom centre of a person's box lies inside a two-wheeler's box."""
    x, y = (person[0] + person[2]) / 2, person[3]
    return machine[0] <= x <= machine[2] and machine[1] <= y <= machine[3]


def rides(person: Corners, machine: Corners) -> bool:
    """Tell whether a person's box sits on a two-wheeler's box (a rider, not a pedestrian)."""
    if _intersection(person, machine) <= 0:
        return False
    hidden = _intersection(person, machine) / max(1e-6, _area(machine))
    return (
        _bottom_inside(person, machine)
        or corner_iou(person, machine) >= RIDER_IOU
        or hidden >= RIDER_COVER
    )


def _union(boxes: Sequence[Corners]) -> Corners:
    """Return the smallest corner box holding all the boxes."""
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def _riders(found: Sequence[cnn.Detection], machines: list[int]) -> dict[int, list[int]]:
    """Assign each person riding a two-wheeler to the one it overlaps most (index -> persons)."""
    seats: dict[int, list[int]] = {m: [] for m in machines}
    for p, person in enumerate(found):
        if person.kind != "person":
            continue
        under = [m for m in machines if rides(person.box, found[m].box)]
        if under:
            best = max(under, key=lambda m: corner_iou(person.box, found[m].box))
            seats[best].append(p)
    return seats


def to_pixels(box: Corners) -> Box:
    """Round a corner box to the pipeline's integer (x, y, w, h)."""
    x0, y0, x1, y1 = (round(v) for v in box)
    return x0, y0, max(1, x1 - x0), max(1, y1 - y0)


def fold_riders(found: Sequence[cnn.Detection]) -> list[Detection]:
    """Turn CenterNet road users into pipeline detections, best first.

    Cars, buses and trucks stay as they are; a two-wheeler and the persons riding it become one
    box over both, labelled motorcycle; a two-wheeler nobody rides keeps its own label and box;
    persons on no two-wheeler (pedestrians) and signal heads are dropped.
    """
    machines = [i for i, d in enumerate(found) if d.kind in TWO_WHEELERS]
    out = [(d.score, d.box, d.kind) for d in found if d.kind in VEHICLES]
    for m, persons in _riders(found, machines).items():
        machine = found[m]
        if not persons:
            out.append((machine.score, machine.box, machine.kind))
            continue
        box = _union([machine.box, *(found[p].box for p in persons)])
        out.append((machine.score, box, RIDER_LABEL))
    return [Detection(to_pixels(b), s, k) for s, b, k in _distinct(out)]


def _distinct(items: list[tuple[float, Corners, str]]) -> list[tuple[float, Corners, str]]:
    """Drop boxes that repeat a better-scoring one of another class (best first, stable)."""
    kept: list[tuple[float, Corners, str]] = []
    for item in sorted(items, key=lambda i: -i[0]):
        if all(corner_iou(item[1], k[1]) < DUPLICATE_IOU for k in kept):
            kept.append(item)
    return kept


@functools.cache
def shared_model() -> cnn.Detector:
    """Open the committed CenterNet once per process (8 MB, ~0.3 s to load)."""
    return cnn.Detector.default()


class LearnedDetector:
    """The pipeline's Detector on the pretrained CenterNet (labels: car, bus, truck, ...)."""

    def __init__(
        self, model: cnn.Detector | None = None, stride: int = 1, motion_gate: float = 0.0
    ) -> None:
        """Wrap a CenterNet `Detector`; run it on every `stride`-th call only.

        `motion_gate` > 0: on a call the stride runs, the CNN is skipped too when less than
        that share of the (downscaled) frame changed since its last run.
        """
        self.model = model or shared_model()
        self.stride = max(1, stride)
        self.motion_gate = motion_gate
        # Set by the pipeline before a call: a followed vehicle is near the stop line, so the
        # CNN runs on this call whatever the stride (PipelineSettings.dense_near_line).
        self.dense = False
        self.calls = 0
        self.runs = 0  # how many times the CNN ran (the gate and stride skip the rest)
        self._seen: np.ndarray | None = None  # the small grey frame of the last CNN run
        self._last: list[Detection] = []

    def detect(self, frame: np.ndarray) -> list[Detection]:
        """Return this frame's road users; nothing on the calls the stride skips.

        While `dense` is set every call runs the CNN (and the motion gate is not asked).

        An empty frame lets the tracker coast on its prediction: repeating the last boxes
        would tell it everything stood still. Where the gate finds nothing moved, that is
        true, so there the last boxes are repeated.
        """
        run = self.dense or self.calls % self.stride == 0
        self.calls += 1
        if not run:
            return []
        small = self._small(frame) if self.motion_gate > 0 else None
        if small is not None and not self.dense and self._still(small):
            return list(self._last)
        self.runs += 1
        self._seen, self._last = small, fold_riders(self.model.detect(frame))
        return self._last

    @staticmethod
    def _small(frame: np.ndarray) -> np.ndarray:
        """Return the frame shrunk to GATE_WIDTH, grey and slightly blurred."""
        height = max(1, round(frame.shape[0] * GATE_WIDTH / frame.shape[1]))
        grey = cv2.cvtColor(cv2.resize(frame, (GATE_WIDTH, height)), cv2.COLOR_BGR2GRAY)
        return cv2.GaussianBlur(grey, (3, 3), 0)

    def _still(self, small: np.ndarray) -> bool:
        """Tell whether less than the gate's share of pixels changed since the last CNN run."""
        if self._seen is None:
            return False
        moved = cv2.absdiff(small, self._seen) > GATE_LEVELS
        return float(moved.mean()) < self.motion_gate
