"""A small IoU tracker with constant-velocity prediction: detections per frame -> tracks."""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import islice

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
    merged: list[bool] = field(default_factory=list)  # the box also held another object
    own_velocity: tuple[float, float] = (0.0, 0.0)  # from the object's own boxes only
    grown_frames: int = 0  # frames in a row matched to a box that grew around the object

    def predict(self, frame: int) -> Box:
        """Return where the box should be in `frame` if it keeps moving as it did."""
        gap = frame - self.frames[-1]
        x, y, w, h = self.boxes[-1]
        # Only the position is extrapolated: a size trend over a long gap predicts nonsense.
        return round(x + self.velocity[0] * gap), round(y + self.velocity[1] * gap), w, h

    def in_blob(self) -> bool:
        """Tell whether the last box held another object too (so it is not this one's own)."""
        return bool(self.merged) and self.merged[-1] and not all(self.merged)

    def last_own(self) -> int:
        """Return the index of the last box that was the object's own (none: ValueError)."""
        return max(i for i, m in enumerate(self.merged) if not m)

    def predict_own(self, frame: int) -> Box:
        """Return where the object's own box should be in `frame`.

        Its last own box moved on at its own velocity, kept inside the predicted blob while it
        is in one: leaving a blob, the object is the part that kept its own size and course,
        not the part the blob overlaps most.
        """
        last = self.last_own()
        gap = frame - self.frames[last]
        x, y, w, h = self.boxes[last]
        x, y = x + self.own_velocity[0] * gap, y + self.own_velocity[1] * gap
        if self.merged[-1]:
            bx, by, bw, bh = self.predict(frame)
            x, y = _clamp(x, bx, bw - w), _clamp(y, by, bh - h)
        return round(x), round(y), w, h

    def add(self, frame: int, box: Box, merged: bool = False) -> None:
        """Append a matched box and update the velocities (smoothed)."""
        if self.frames:
            gap = max(1, frame - self.frames[-1])
            step = [(b - a) / gap for a, b in zip(self.boxes[-1], box, strict=True)]
            self.velocity = _smoothed(self.velocity, step, first=len(self.frames) == 1)
        if not merged:
            self._update_own_velocity(frame, box)
        self.frames.append(frame)
        self.boxes.append(box)
        self.merged.append(merged)

    def _update_own_velocity(self, frame: int, box: Box) -> None:
        """Smooth the own velocity with the step from the last own box to this one."""
        if all(self.merged):  # no own box yet
            return
        last = self.last_own()
        gap = max(1, frame - self.frames[last])
        step = [(box[k] - self.boxes[last][k]) / gap for k in (0, 1)]
        self.own_velocity = _smoothed(self.own_velocity, step, first=self.merged.count(False) == 1)


def _smoothed(velocity: tuple[float, ...], step: list[float], first: bool) -> tuple[float, ...]:
    """Return the velocity moved halfway to the latest step (all the way for the first step)."""
    weight = 1.0 if first else 0.5
    return tuple((1 - weight) * v + weight * s for v, s in zip(velocity, step, strict=True))


def _clamp(value: float, low: float, room: float) -> float:
    """Return `value` kept within [low, low + room] (the middle of it if room is negative)."""
    if room < 0:
        return low + room / 2
    return min(max(value, low), low + room)


@dataclass(frozen=True)
class TrackerSettings:
    """Matching thresholds and how long a lost track may coast."""

    min_iou: float = 0.15
    max_centre_gap: float = 0.6  # of the predicted box's larger side, for fast small objects
    max_area_ratio: float = 3.0  # how much a box may change size from one match to the next
    max_missed_s: float = 0.6
    min_hits: int = 4
    merge_cover: float = 0.5  # share of a predicted box inside a detection that holds it
    # A box that suddenly holds the object's whole predicted box and this much more area has
    # taken in something else (a rider right behind, never seen alone): not the object's own.
    grown_area: float = 1.8
    grown_cover: float = 0.8
    # ... unless it stays so this long: then the object itself looks bigger (a blob that was
    # split in parts joined up), and the grown box becomes its own.
    max_grown_s: float = 0.4
    steady_boxes: int = 4  # own boxes of one size (within steady_area) before growth counts
    steady_area: float = 1.3


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
        self.max_grown = max(1, round(self.s.max_grown_s * fps))
        self.active: list[LiveTrack] = []
        self.finished: list[LiveTrack] = []
        self.next_id = 1

    def _pairs(self, frame: int, dets: list[Detection]) -> list[tuple[float, int, int]]:
        """Return candidate (score, track index, detection index) pairs, best first."""
        pairs = []
        for ti, track in enumerate(self.active):
            pred = track.predict(frame)
            own = track.predict_own(frame) if track.in_blob() else None
            for di, det in enumerate(dets):
                own_overlap = None if own is None else self._fitting_overlap(own, det.bbox)
                if own_overlap is not None:
                    # its own box again: ranked above any match with the blob
                    pairs.append((own_overlap + 2.0, ti, di))
                    continue
                overlap = self._fitting_overlap(pred, det.bbox)
                if overlap is not None:
                    pairs.append((overlap + 1.0, ti, di))
                elif self._near_and_alike(pred, det.bbox):
                    pairs.append((1.0 - _centre_distance(pred, det.bbox) / max(pred[2:]), ti, di))
        return sorted(pairs, reverse=True)

    def _fitting_overlap(self, pred: Box, box: Box) -> float | None:
        """Return the IoU of a box that overlaps a prediction enough and is of a similar size."""
        overlap = iou(pred, box)
        return overlap if overlap >= self.s.min_iou and self._alike(pred, box) else None

    def _grown(self, track: LiveTrack, frame: int, box: Box) -> bool:
        """Tell whether `box` grew around the track's own box by taking in something else."""
        if track.grown_frames >= self.max_grown or not self._steady(track):
            return False
        own = track.predict_own(frame) if track.in_blob() else track.predict(frame)
        area = box[2] * box[3] / max(1, own[2] * own[3])
        return area >= self.s.grown_area and covered(own, box) >= self.s.grown_cover

    def _steady(self, track: LiveTrack) -> bool:
        """Tell whether the track's last own boxes kept one size.

        An object still coming into view, or one the background is only now giving up (a rider
        who waited at the line), grows because more of it shows: that growth is its own.
        """
        latest_first = zip(reversed(track.boxes), reversed(track.merged), strict=True)
        own = (b[2] * b[3] for b, merged in latest_first if not merged)
        recent = list(islice(own, self.s.steady_boxes))  # the last ones only, not the history
        if len(recent) < self.s.steady_boxes:
            return False
        return max(recent) <= self.s.steady_area * max(1, min(recent))

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
                track, box = self.active[ti], dets[di].bbox
                grown = self._grown(track, frame, box)
                track.grown_frames = track.grown_frames + 1 if grown else 0
                track.add(frame, box, di in merged or grown)
                matched.append((track, dets[di]))
        for di, det in enumerate(dets):
            if di not in used_d:
                track = LiveTrack(self.next_id)
                self.next_id += 1
                track.add(frame, det.bbox, di in merged)
                self.active.append(track)
                matched.append((track, det))
        self._retire(frame)
        return matched

    def predictions(self, frame: int) -> list[tuple[Box, tuple[float, float]]]:
        """Return each followed track's box predicted for `frame` and its velocity (a frame)."""
        return [(t.predict(frame), (t.velocity[0], t.velocity[1])) for t in self.active]

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
