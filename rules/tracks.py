"""Tracks as values: what vision hands to the rules (boxes over time, helmet scores per frame)."""

from __future__ import annotations

from dataclasses import dataclass

Box = tuple[int, int, int, int]  # x, y, w, h in frame pixels


@dataclass(frozen=True)
class Observation:
    """A track seen in one frame; `no_helmet` is P(no helmet) for the riders' heads, if read.

    `merged`: the box also held another followed object (blobs touching), so its size and
    ground point are not this vehicle's own.
    """

    frame: int
    time_ms: int
    bbox: Box
    no_helmet: float | None = None
    merged: bool = False

    @property
    def ground(self) -> tuple[float, float]:
        """Return the bottom-centre of the box: where the vehicle touches the road."""
        x, y, w, h = self.bbox
        return x + w / 2, y + h


@dataclass(frozen=True)
class Track:
    """One vehicle (car, motorcycle...) followed through a clip, observations in frame order."""

    track_id: int
    kind: str
    observations: tuple[Observation, ...]

    def own(self) -> Track:
        """Return the track without the observations whose box it shared with another object."""
        if not any(o.merged for o in self.observations):
            return self
        return Track(self.track_id, self.kind, tuple(o for o in self.observations if not o.merged))

    def at_frame(self, frame: int) -> Observation | None:
        """Return the observation in the given frame, if any."""
        for obs in self.observations:
            if obs.frame == frame:
                return obs
        return None
