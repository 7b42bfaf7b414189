"""A small IoU tracker with constant-velocity prediction: detections per frame -> tracks."""

from __future__ import annotations

from dataclasses import dataclass, field

from vision.detect import Box, Detection


def iou(a: Box, b: Box) -> float:
    """Return the intersection over union of two (x, y, w, h) boxes."""
    ix = max(0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = a[2] * a[3] + b[2] * b[3] - inter
    return inter / union if union > 0 else 0.0


@dataclass
class LiveTrack:
    """A track being followed: its boxes by frame and its recent velocity."""

    track_id: int
    frames: list[int] = field(default_factory=list)
    boxes: list[Box] = field(default_factory=list)
    velocity: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)
    merged: list[bool] = field(default_factory=list)  # the box also held another tracked object

    def predict(self, frame: int) -> Box:
        """Return where the box should be in `frame` if it keeps moving as it did."""
        gap = frame - self.frames[-1]
        x, y, w, h = self.boxes[-1]
        # Only the position is extrapolated: a size trend over a long gap predicts nonsense.
        return round(x + self.velocity[0] * gap), round(y + self.velocity[1] * gap), w, h

    def add(self, frame: int, box: Box, merged: bool = False) -> None:
        """Append a matched box and update the velocity (smoothed)."""
        if self.frames:
            gap = max(1, frame - self.frames[-1])
            step = [(b - a) / gap for a, b in zip(self.boxes[-1], box, strict=True)]
            weight = 0.5 if len(self.frames) > 1 else 1.0
            self.velocity = tuple(
                (1 - weight) * v + weight * s for v, s in zip(self.velocity, step, strict=True)
            )
        self.frames.append(frame)
        self.boxes.append(box)
        self.merged.append(merged)


@dataclass(frozen=True)
class TrackerSettings:
    """Matching thresholds and how long a lost track may coast."""

    min_iou: float = 0.15
    max_centre_gap: float = 0.6  # of the predicted box's larger side, for fast small objects
    max_area_ratio: float = 3.0  # how much a box may change size from one match to the next
    max_missed_s: float = 0.6
    min_hits: int = 4
    merge_cover: float = 0.5  # share of a predicted box inside a detection that holds it


def covered(inner: Box, outer: Box) -> float:
    """Return the share of `inner`'s area that lies inside `outer`."""
    ix = max(0, min(inner[0] + inner[2], outer[0] + outer[2]) - max(inner[0], outer[0]))
    iy = max(0, min(inner[1] + inner[3], outer[1] + outer[3]) - max(inner[1], outer[1]))
    return ix * iy / max(1, inner[2] * inner[3])


def _centre_distance(a: Box, b: Box) -> float:
    """Return the distance between box centres."""
    return (
        (a[0] + a[2] / 2 - b[0] - b[2] / 2) ** 2 + (a[1] + a[3] / 2 - b[1] - b[3] / 2) ** 2
    ) ** 0.5


class IouTracker:
    """Greedy IoU matching (then centre distance) of detections to predicted track boxes."""

    def __init__(self, fps: float, settings: TrackerSettings | None = None) -> None:
        self.s = settings or TrackerSettings()
        self.max_missed = max(2, round(self.s.max_missed_s * fps))
        self.active: list[LiveTrack] = []
        self.finished: list[LiveTrack] = []
        self.next_id = 1

    def _pairs(self, frame: int, dets: list[Detection]) -> list[tuple[float, int, int]]:
        """Return candidate (score, track index, detection index) pairs, best first."""
        pairs = []
        for ti, track in enumerate(self.active):
            pred = track.predict(frame)
            for di, det in enumerate(dets):
                overlap = iou(pred, det.bbox)
                if overlap >= self.s.min_iou and self._alike(pred, det.bbox):
                    pairs.append((overlap + 1.0, ti, di))
                elif self._near_and_alike(pred, det.bbox):
                    pairs.append((1.0 - _centre_distance(pred, det.bbox) / max(pred[2:]), ti, di))
        return sorted(pairs, reverse=True)

    def _alike(self, pred: Box, box: Box) -> bool:
        """Tell whether two boxes are of a similar size (blobs merging or splitting are not)."""
        ratio = (box[2] * box[3]) / max(1, pred[2] * pred[3])
        return 1 / self.s.max_area_ratio <= ratio <= self.s.max_area_ratio

    def _near_and_alike(self, pred: Box, box: Box) -> bool:
        """Tell whether a box lies close to a prediction and is of a similar size."""
        near = _centre_distance(pred, box) <= self.s.max_centre_gap * max(pred[2:])
        return near and self._alike(pred, box)

    def _merged(self, frame: int, dets: list[Detection]) -> set[int]:
        """Return the detections holding two or more followed objects (blobs that merged)."""
        preds = [t.predict(frame) for t in self.active if len(t.frames) >= 2]
        return {
            di
            for di, det in enumerate(dets)
            if sum(covered(p, det.bbox) >= self.s.merge_cover for p in preds) >= 2
        }

    def update(self, frame: int, dets: list[Detection]) -> list[tuple[LiveTrack, Detection]]:
        """Match this frame's detections; return (track, detection) for every match or birth.

        A detection holding two followed objects goes to the best-matching one, marked merged:
        its box is not that object's own (the rules and helmet reads skip it).
        """
        used_t, used_d, matched = set(), set(), []
        merged = self._merged(frame, dets)
        for _, ti, di in self._pairs(frame, dets):
            if ti not in used_t and di not in used_d:
                used_t.add(ti)
                used_d.add(di)
                self.active[ti].add(frame, dets[di].bbox, di in merged)
                matched.append((self.active[ti], dets[di]))
        for di, det in enumerate(dets):
            if di not in used_d:
                track = LiveTrack(self.next_id)
                self.next_id += 1
                track.add(frame, det.bbox, di in merged)
                self.active.append(track)
                matched.append((track, det))
        self._retire(frame)
        return matched

    def _retire(self, frame: int) -> None:
        """Move tracks unseen for too long to the finished list."""
        keep = []
        for track in self.active:
            (keep if frame - track.frames[-1] <= self.max_missed else self.finished).append(track)
        self.active = keep

    def tracks(self) -> list[LiveTrack]:
        """Return every track with enough hits, active or finished, by id."""
        every = self.finished + self.active
        return sorted(
            (t for t in every if len(t.frames) >= self.s.min_hits), key=lambda t: t.track_id
        )
