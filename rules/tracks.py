"""Tracks as values: what vision hands to the rules (boxes over time, helmet scores per frame)."""

from __future__ import annotations

from dataclasses import dataclass

Box = tuple[int, int, int, int]  # x, y, w, h in frame pixels


@dataclass(frozen=True)
class Observation:
    """A track seen in one frame; `no_helmet` is P(no helmet) for the riders' heads, if read."""

    frame: int
    time_ms: int
    bbox: Box
    no_helmet: float | None = None

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

    def at_frame(self, frame: int) -> Observation | None:
        """Return the observation in the given frame, if any."""
        for obs in self.observations:
            if obs.frame == frame:
                return obs
        return None
