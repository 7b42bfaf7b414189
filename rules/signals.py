"""Signal phases over a clip's time line: from the controller's metadata or read from the clip."""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from rules.errors import InvalidInput

GREEN, AMBER, RED, UNKNOWN = "green", "amber", "red", "unknown"
STATES = frozenset({GREEN, AMBER, RED})


@dataclass(frozen=True)
class Phase:
    """One signal state over [start_ms, end_ms)."""

    state: str
    start_ms: int
    end_ms: int


@dataclass(frozen=True)
class SignalTimeline:
    """Contiguous, sorted phases; adjacent phases of the same state are merged."""

    phases: tuple[Phase, ...]

    def phase_at(self, ms: float) -> Phase | None:
        """Return the phase covering the instant, or None outside the timeline."""
        starts = [p.start_ms for p in self.phases]
        i = bisect.bisect_right(starts, ms) - 1
        if i < 0 or ms >= self.phases[i].end_ms:
            return None
        return self.phases[i]

    def state_at(self, ms: float) -> str:
        """Return the signal state at the instant ('unknown' outside the timeline)."""
        phase = self.phase_at(ms)
        return phase.state if phase else UNKNOWN

    def to_json(self) -> list[dict[str, Any]]:
        """Return the phases in the clip-metadata form."""
        return [{"state": p.state, "start_ms": p.start_ms, "end_ms": p.end_ms} for p in self.phases]


def merged(phases: Iterable[Phase]) -> tuple[Phase, ...]:
    """Join adjacent phases of the same state so a red light has one start."""
    out: list[Phase] = []
    for p in phases:
        if out and out[-1].state == p.state and out[-1].end_ms == p.start_ms:
            out[-1] = Phase(p.state, out[-1].start_ms, p.end_ms)
        else:
            out.append(p)
    return tuple(out)


def _ms(item: dict[str, Any], field: str, index: int) -> int:
    """Return a non-negative integer millisecond value or raise naming it."""
    value = item.get(field)
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        raise InvalidInput(f"signal_phases[{index}]: '{field}' must be a number, got {value!r}")
    if value < 0:
        raise InvalidInput(f"signal_phases[{index}]: '{field}' is negative ({value})")
    return int(round(value))


def _phase(item: Any, index: int) -> Phase:
    """Validate one phase object."""
    if not isinstance(item, dict):
        raise InvalidInput(f"signal_phases[{index}]: expected an object")
    state = item.get("state")
    if state not in STATES:
        raise InvalidInput(
            f"signal_phases[{index}]: unknown state {state!r}; expected one of {sorted(STATES)}"
        )
    start, end = _ms(item, "start_ms", index), _ms(item, "end_ms", index)
    if end <= start:
        raise InvalidInput(f"signal_phases[{index}]: end_ms {end} is not after start_ms {start}")
    return Phase(state, start, end)


def parse_signal_phases(items: list[dict[str, Any]]) -> SignalTimeline:
    """Validate controller phases: known states, no negative times, no overlaps, no gaps."""
    if not isinstance(items, list) or not items:
        raise InvalidInput("signal_phases: expected a non-empty list of phases")
    phases = sorted((_phase(item, i) for i, item in enumerate(items)), key=lambda p: p.start_ms)
    for prev, cur in zip(phases, phases[1:], strict=False):
        if cur.start_ms < prev.end_ms:
            raise InvalidInput(
                f"signal_phases: {prev.state} phase {prev.start_ms}-{prev.end_ms} ms overlaps "
                f"{cur.state} phase {cur.start_ms}-{cur.end_ms} ms"
            )
        if cur.start_ms > prev.end_ms:
            raise InvalidInput(
                f"signal_phases: gap between {prev.end_ms} ms and {cur.start_ms} ms has no state"
            )
    return SignalTimeline(merged(phases))


def timeline_from_samples(samples: Iterable[tuple[int, str]], end_ms: int) -> SignalTimeline:
    """Build a timeline from (time_ms, state) samples read frame by frame; 'unknown' is a state."""
    phases: list[Phase] = []
    points = sorted(samples)
    for (t, state), nxt in zip(points, [p[0] for p in points[1:]] + [end_ms], strict=True):
        if nxt > t:
            phases.append(Phase(state, t, nxt))
    return SignalTimeline(merged(phases))
