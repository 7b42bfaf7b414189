"""A ByteTrack-style tracker: Kalman motion model, two-stage association, a lost-track buffer.

Written here rather than taken from a package (checked 2026-12-07 with `pip install --dry-run`):
`trackers` 2.6.1 (Apache-2.0) pulls opencv-python (not headless), supervision, matplotlib and
av; `supervision` 0.31.2 (its ByteTrack) pulls matplotlib, scipy and av; `boxmot` 25.0.0 is
AGPL-3.0 and pulls torch; `norfair` 2.3.0 (BSD-3) pulls filterpy, scipy and matplotlib, pins
numpy 1.26 and has no two-stage (high/low score) association. None is small and numpy-only.

The algorithm follows Zhang et al., "ByteTrack" (ECCV 2022): every track's box is predicted by
a constant-velocity Kalman filter on (centre x, centre y, width, height); detections scoring at
least `high_score` are matched first to every track, including lost ones; the weaker ones are
then matched to the tracks still unmatched (an occluded car scores low but is still there);
a track unmatched for up to `buffer_s` coasts on its prediction and can be found again. The
matching is greedy by IoU, best pair first (no SciPy: with tens of boxes a frame it is what
the Hungarian method gives in all but contrived ties).

Tracks come out as `vision.track.LiveTrack`, the same as `IouTracker`, so the pipeline,
rules and evidence code take either. Their boxes are the detections' (the evidence), never the
filter's estimate.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from vision.detect import Box, Detection
from vision.track import IouTracker, LiveTrack, iou

# Process and measurement noise relative to the box height, as in ByteTrack's filter.
POSITION_NOISE = 1 / 20
VELOCITY_NOISE = 1 / 160


@dataclass(frozen=True)
class ByteTrackSettings:
    """Association thresholds and how long a lost track is kept."""

    # The learned detector keeps boxes from 0.3 (its min_score) and scores real riders 0.3-0.4:
    # on the development clips 0.45/0.5 kept 3 of hanoi-16h15's ~170 motorcycle tracks and
    # youtube's one, 0.35 kept 97; at 0.3 every box is "high" and the second stage waits for
    # a detector that passes weaker boxes (bench/tracker_replay.py, 2026-12-07).
    high_score: float = 0.3
    new_track_score: float = 0.3  # a detection this sure starts a track
    match_iou: float = 0.2  # first stage (high-score detections, all tracks)
    low_match_iou: float = 0.5  # second stage: a weak box must sit squarely on the prediction
    tentative_iou: float = 0.3  # a one-hit track confirmed by the next update's detection
    buffer_s: float = 1.0  # a lost track coasts this long before it is finished
    min_hits: int = 4  # as IouTracker: shorter tracks are not reported


def _to_state(box: Box) -> np.ndarray:
    """Return (cx, cy, w, h) of an (x, y, w, h) box."""
    x, y, w, h = box
    return np.array([x + w / 2, y + h / 2, w, h], dtype=float)


def _to_box(z: np.ndarray) -> Box:
    """Return the integer (x, y, w, h) box of a (cx, cy, w, h) vector."""
    cx, cy, w, h = (float(v) for v in z[:4])
    w, h = max(1.0, w), max(1.0, h)
    return round(cx - w / 2), round(cy - h / 2), round(w), round(h)


class KalmanBox:
    """A constant-velocity Kalman filter on a box's centre and size (8 states, frames as time)."""

    def __init__(self, box: Box) -> None:
        z = _to_state(box)
        self.x = np.concatenate([z, np.zeros(4)])
        h = z[3]
        std = [2 * POSITION_NOISE * h] * 4 + [10 * VELOCITY_NOISE * h] * 4
        self.P = np.diag(np.square(std))

    def predict(self, dt: float) -> Box:
        """Move the state `dt` frames on and return the predicted box."""
        F = np.eye(8)
        F[:4, 4:] = dt * np.eye(4)
        h = max(1.0, self.x[3])
        q = [POSITION_NOISE * h] * 4 + [VELOCITY_NOISE * h] * 4
        self.x = F @ self.x
        self.P = F @ self.P @ F.T + max(1.0, dt) * np.diag(np.square(q))
        return _to_box(self.x)

    def peek(self, dt: float) -> Box:
        """Return the box `dt` frames on without moving the state (predict() moves it)."""
        x = self.x.copy()
        x[:4] += dt * x[4:]
        return _to_box(x)

    def update(self, box: Box) -> None:
        """Correct the state with a measured box."""
        H = np.eye(4, 8)
        r = np.diag(np.square([POSITION_NOISE * max(1.0, self.x[3])] * 4))
        S = H @ self.P @ H.T + r
        K = self.P @ H.T @ np.linalg.inv(S)
        self.x = self.x + K @ (_to_state(box) - H @ self.x)
        self.P = (np.eye(8) - K @ H) @ self.P

    def box(self) -> Box:
        """Return the current estimate as a box."""
        return _to_box(self.x)


@dataclass
class _Track:
    """A followed object: its filter, its output track and when it was last seen."""

    live: LiveTrack
    kalman: KalmanBox
    confirmed: bool = False
    predicted: Box = (0, 0, 0, 0)
    at: int = 0  # the frame the filter's state stands at
    hits: list[int] = field(default_factory=list)


def greedy_pairs(
    tracks: list[_Track], dets: list[Detection], min_iou: float
) -> list[tuple[int, int]]:
    """Return (track index, detection index) pairs, best IoU first, each side used once."""
    scored = [
        (iou(t.predicted, d.bbox), ti, di)
        for ti, t in enumerate(tracks)
        for di, d in enumerate(dets)
    ]
    used_t, used_d, out = set(), set(), []
    for overlap, ti, di in sorted(scored, reverse=True):
        if overlap < min_iou:
            break
        if ti not in used_t and di not in used_d:
            used_t.add(ti)
            used_d.add(di)
            out.append((ti, di))
    return out


class ByteTracker:
    """ByteTrack association of scored detections to Kalman-predicted tracks."""

    def __init__(self, fps: float, settings: ByteTrackSettings | None = None) -> None:
        self.s = settings or ByteTrackSettings()
        self.buffer = max(2, round(self.s.buffer_s * fps))
        self.active: list[_Track] = []  # confirmed, tracked or lost within the buffer
        self.tentative: list[_Track] = []  # one hit, waiting for the next update
        self.finished: list[LiveTrack] = []
        self.next_id = 1

    def update(self, frame: int, dets: list[Detection]) -> list[tuple[LiveTrack, Detection]]:
        """Match this frame's detections; return (track, detection) for every match or birth."""
        for t in self.active + self.tentative:
            t.predicted = t.kalman.predict(frame - t.at)
            t.at = frame
        high = [d for d in dets if d.score >= self.s.high_score]
        low = [d for d in dets if d.score < self.s.high_score]
        matched = self._match(frame, self.active, high, self.s.match_iou)
        # Second stage: only tracks seen last update (not long lost) take a weak box.
        taken = {id(t.live) for t, _ in matched}
        recent = [t for t in self.active if id(t.live) not in taken and self._recent(t, frame)]
        matched += self._match(frame, recent, low, self.s.low_match_iou)
        left = [d for d in high if all(d is not m for _, m in matched)]
        if dets:  # an empty frame is one the detector skipped (stride): no verdict on it
            matched += self._confirm(frame, left)
        left = [d for d in left if all(d is not m for _, m in matched)]
        matched += self._births(frame, left)
        self._retire(frame)
        return [(t.live, d) for t, d in matched]

    def _recent(self, track: _Track, frame: int) -> bool:
        """Tell whether the track was matched within the last detection interval or two."""
        return frame - track.live.frames[-1] <= self.buffer // 4 + 1

    def _match(
        self, frame: int, tracks: list[_Track], dets: list[Detection], min_iou: float
    ) -> list[tuple[_Track, Detection]]:
        """Match detections to tracks by IoU with their predictions and update the matched."""
        out = []
        for ti, di in greedy_pairs(tracks, dets, min_iou):
            track, det = tracks[ti], dets[di]
            track.kalman.update(det.bbox)
            track.live.add(frame, det.bbox)
            out.append((track, det))
        return out

    def _confirm(self, frame: int, dets: list[Detection]) -> list[tuple[_Track, Detection]]:
        """Confirm tentative tracks matched again; drop the rest (one-off false boxes)."""
        matched = self._match(frame, self.tentative, dets, self.s.tentative_iou)
        for track, _ in matched:
            track.confirmed = True
            self.active.append(track)
        self.tentative = []
        return matched

    def _births(self, frame: int, dets: list[Detection]) -> list[tuple[_Track, Detection]]:
        """Start a tentative track on each confident unmatched detection."""
        out = []
        for det in dets:
            if det.score < self.s.new_track_score:
                continue
            live = LiveTrack(self.next_id)
            self.next_id += 1
            live.add(frame, det.bbox)
            track = _Track(live, KalmanBox(det.bbox), at=frame, predicted=det.bbox)
            self.tentative.append(track)
            out.append((track, det))
        return out

    def _retire(self, frame: int) -> None:
        """Finish tracks lost for longer than the buffer."""
        keep = []
        for t in self.active:
            if frame - t.live.frames[-1] <= self.buffer:
                keep.append(t)
            else:
                self.finished.append(t.live)
        self.active = keep

    def predictions(self, frame: int) -> list[tuple[Box, tuple[float, float]]]:
        """Return each confirmed track's box predicted for `frame` and its bottom centre's
        velocity (pixels a frame), leaving the filters as they are."""
        out = []
        for t in self.active:
            x = t.kalman.x
            out.append((t.kalman.peek(frame - t.at), (float(x[4]), float(x[5] + x[7] / 2))))
        return out

    def newcomers(self) -> list[Box]:
        """Return the boxes of the tentative tracks (one hit so far: no velocity known yet)."""
        return [t.predicted for t in self.tentative]

    def tracks(self) -> list[LiveTrack]:
        """Return every track with enough hits, active or finished, by id."""
        every = self.finished + [t.live for t in self.active]
        return sorted(
            (t for t in every if len(t.frames) >= self.s.min_hits), key=lambda t: t.track_id
        )


TRACKERS = ("iou", "bytetrack")


def new_tracker(name: str, fps: float) -> IouTracker | ByteTracker:
    """Build the tracker `PipelineSettings.tracker` names."""
    if name == "bytetrack":
        return ByteTracker(fps)
    if name != "iou":
        raise ValueError(f"unknown tracker {name!r}: expected one of {', '.join(TRACKERS)}")
    return IouTracker(fps)
