"""The three camera offences as pure functions over tracks, calibration and signal timeline."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from rules.calibration import Calibration
from rules.signals import RED, UNKNOWN, SignalTimeline
from rules.tracks import Box, Observation, Track

RED_LIGHT, WRONG_WAY, NO_HELMET = "red_light", "wrong_way", "no_helmet"


@dataclass(frozen=True)
class RuleSettings:
    """Thresholds of the rules; defaults suit a fixed junction camera at 6-30 fps."""

    min_before_line: int = 2  # observations behind the line before a crossing counts
    line_margin: float = 0.05  # fraction of the stop line's length it may be missed by
    wrong_way_cos: float = -0.6  # displacement against approach at least this strongly
    wrong_way_min_distance: float = 0.12  # fraction of the frame's smaller side
    wrong_way_min_ms: int = 600
    wrong_way_consistency: float = 0.7  # share of steps that run against approach
    # Who can drive the wrong way: a walker (tall, slow: kind "person") on the lanes cannot.
    wrong_way_kinds: frozenset[str] = frozenset({"car", "motorcycle"})
    helmet_kinds: frozenset[str] = frozenset({"motorcycle"})  # who must wear a helmet
    helmet_min_frames: int = 4
    helmet_min_share: float = 0.6  # share of read frames that say "no helmet"
    helmet_min_confidence: float = 0.65  # mean P(no helmet) over read frames
    evidence_gap_ms: int = 500  # how far before/after the offence the evidence frames lie
    min_top_share: float = 0.1  # a box's top must move this share of its bottom's motion
    lawful_cos: float = 0.5  # a crossing runs at least this closely along approach
    max_crossing_gap_ms: int = 300  # the crossing must be seen, not bridged over a long gap
    # A longer gap (up to max_bridged_gap_ms) still counts as a seen crossing when the boxes
    # on both sides of it stand within this share of the box's height of the line: the
    # vehicle was seen at the line, before and after, and only a detector miss or two (one
    # frame at 6 fps is 167 ms) lies between. 0: off. 0.5 adopted by round 3 of the rule in
    # bench/REAL_CLIPS.md (the Hanoi riders at 6 fps are missed by the detector a frame or two
    # at the line; their tracks carry them over the gap).
    crossing_reach: float = 0.5
    max_bridged_gap_ms: int = 1000
    max_size_change: float = 2.0  # box area max/min around a crossing (merging blobs exceed it)
    # Box shape (height / width) max/min around a crossing: a car's box that turns into a rider's
    # (a track jumping between merged blobs) is two objects, not one vehicle crossing.
    max_shape_change: float = 1.5
    edge_margin: int = 2  # pixels: a box this close to the frame's edge is cut off by it


@dataclass(frozen=True)
class ViolationEvent:
    """One offence by one track, with the frames a reviewing officer needs to see."""

    rule: str
    track_id: int
    kind: str
    frame: int
    time_ms: int
    bbox: Box
    signal_state: str
    evidence_frames: tuple[int, int, int]  # before, at, after
    confidence: float


def _unit_normal(cal: Calibration) -> tuple[float, float]:
    """Return the stop line's unit normal pointing the lawful way (past the line)."""
    (x0, y0), (x1, y1) = cal.stop_line
    length = math.hypot(x1 - x0, y1 - y0)
    nx, ny = -(y1 - y0) / length, (x1 - x0) / length
    if nx * cal.approach[0] + ny * cal.approach[1] < 0:
        nx, ny = -nx, -ny
    return nx, ny


def signed_distance(point: tuple[float, float], cal: Calibration) -> float:
    """Return how far past the stop line (positive) or before it (negative) a point lies."""
    nx, ny = _unit_normal(cal)
    (x0, y0), _ = cal.stop_line
    return (point[0] - x0) * nx + (point[1] - y0) * ny


def in_lanes(point: tuple[float, float], cal: Calibration) -> bool:
    """Tell whether a point lies in the calibrated lanes (everywhere when none are drawn)."""
    if not cal.lanes:
        return True
    inside = False
    poly = cal.lanes
    for (x0, y0), (x1, y1) in zip(poly, poly[1:] + poly[:1], strict=True):
        if (y0 > point[1]) != (y1 > point[1]):
            x_cross = x0 + (point[1] - y0) * (x1 - x0) / (y1 - y0)
            inside ^= point[0] < x_cross
    return inside


def _within_line(point: tuple[float, float], cal: Calibration, margin: float) -> bool:
    """Tell whether a point's projection falls on the stop line segment (plus a margin)."""
    (x0, y0), (x1, y1) = cal.stop_line
    dx, dy = x1 - x0, y1 - y0
    t = ((point[0] - x0) * dx + (point[1] - y0) * dy) / (dx * dx + dy * dy)
    return -margin <= t <= 1 + margin


def crossing_index(track: Track, cal: Calibration, settings: RuleSettings) -> int | None:
    """Return the index of the first observation past the stop line after enough behind it."""
    obs = track.observations
    behind = 0
    for i, o in enumerate(obs):
        d = signed_distance(o.ground, cal)
        if d < 0:
            behind += 1
            continue
        if behind >= settings.min_before_line and signed_distance(obs[i - 1].ground, cal) < 0:
            cross = _interpolate(obs[i - 1].ground, o.ground, cal)
            if _within_line(cross, cal, settings.line_margin) and in_lanes(cross, cal):
                return i
        return None
    return None


def _interpolate(a: tuple[float, float], b: tuple[float, float], cal: Calibration) -> tuple:
    """Return the point where segment a-b meets the stop line's infinite extension."""
    da, db = signed_distance(a, cal), signed_distance(b, cal)
    t = da / (da - db) if da != db else 0.0
    return a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])


def _along(a: Observation, b: Observation, cal: Calibration, top: bool = False) -> float:
    """Return how far a box's bottom (or top) centre moved from a to b along approach."""
    dy_top = b.bbox[1] - a.bbox[1] if top else b.ground[1] - a.ground[1]
    dx = b.ground[0] - a.ground[0]
    return dx * cal.approach[0] + dy_top * cal.approach[1]


def moved_whole(a: Observation, b: Observation, cal: Calibration, share: float) -> bool:
    """Tell whether a box travelled as a whole from a to b (a blob that only grows does not)."""
    ground, top = _along(a, b, cal), _along(a, b, cal, top=True)
    if ground == 0:
        return False
    return top / ground >= share


def crossing_time_ms(track: Track, index: int, cal: Calibration) -> float:
    """Return the interpolated instant the ground point reached the stop line."""
    a, b = track.observations[index - 1], track.observations[index]
    da, db = signed_distance(a.ground, cal), signed_distance(b.ground, cal)
    t = da / (da - db) if da != db else 1.0
    return a.time_ms + t * (b.time_ms - a.time_ms)


def _evidence(track: Track, index: int, gap_ms: int) -> tuple[int, int, int]:
    """Pick frames about gap_ms before and after the offence frame (clamped to the track)."""
    obs = track.observations
    at = obs[index]
    before = next((o for o in reversed(obs[:index]) if at.time_ms - o.time_ms >= gap_ms), obs[0])
    after = next((o for o in obs[index + 1 :] if o.time_ms - at.time_ms >= gap_ms), obs[-1])
    return before.frame, at.frame, after.frame


def _event(
    rule: str, track: Track, index: int, state: str, confidence: float, s: RuleSettings
) -> ViolationEvent:
    """Build the event for an offence at the track's observation `index`."""
    at = track.observations[index]
    frames = _evidence(track, index, s.evidence_gap_ms)
    return ViolationEvent(
        rule, track.track_id, track.kind, at.frame, at.time_ms, at.bbox, state, frames, confidence
    )


def _whole(o: Observation, cal: Calibration, s: RuleSettings) -> bool:
    """Tell whether an observation's box lies inside the frame, clear of its edges."""
    x, y, w, h = o.bbox
    m = s.edge_margin
    return x >= m and y >= m and x + w <= cal.frame_size[0] - m and y + h <= cal.frame_size[1] - m


def crossing_seen(a: Observation, b: Observation, cal: Calibration, s: RuleSettings) -> bool:
    """Tell whether the two looks around a crossing are close enough in time, or in place."""
    gap = b.time_ms - a.time_ms
    if gap <= s.max_crossing_gap_ms:
        return True
    if s.crossing_reach <= 0 or gap > s.max_bridged_gap_ms:
        return False
    reach = s.crossing_reach * max(a.bbox[3], b.bbox[3])
    return abs(signed_distance(a.ground, cal)) <= reach and signed_distance(b.ground, cal) <= reach


def _crossed_travelling(track: Track, index: int, cal: Calibration, s: RuleSettings) -> bool:
    """Tell whether the crossing is a vehicle driving along approach, not a blob changing shape."""
    obs = track.observations
    if not crossing_seen(obs[index - 1], obs[index], cal, s):
        return False
    if not (_whole(obs[index - 1], cal, s) and _whole(obs[index], cal, s)):
        return False  # the ground point of a box cut off by the frame is not the vehicle's
    window = obs[max(0, index - 3) : index + 3]
    areas = [o.bbox[2] * o.bbox[3] for o in window]
    if max(areas) > s.max_size_change * max(1, min(areas)):
        return False
    shapes = [o.bbox[3] / max(1, o.bbox[2]) for o in window]
    if max(shapes) > s.max_shape_change * min(shapes):
        return False
    a, b = window[0], window[-1]
    step = (b.ground[0] - a.ground[0], b.ground[1] - a.ground[1])
    return _against(step, cal.approach) >= s.lawful_cos and moved_whole(a, b, cal, s.min_top_share)


def red_light(
    track: Track, cal: Calibration, timeline: SignalTimeline, settings: RuleSettings | None = None
) -> ViolationEvent | None:
    """Flag a track that crosses the stop line lawfully-directed while red, past the grace.

    Boxes the track shared with another object (merged blobs) are not its own: they are left
    out, and the crossing must be seen in the vehicle's own boxes.
    """
    s = settings or RuleSettings()
    track = track.own()
    if not track.observations:
        return None
    index = crossing_index(track, cal, s)
    if index is None:
        return None
    if not _crossed_travelling(track, index, cal, s):
        return None
    when = crossing_time_ms(track, index, cal)
    phase = timeline.phase_at(when)
    if phase is None or phase.state != RED or when - phase.start_ms < cal.amber_grace_ms:
        return None
    return _event(RED_LIGHT, track, index, RED, 1.0, s)


def _against(step: tuple[float, float], approach: tuple[float, float]) -> float:
    """Return the cosine between a displacement and the lawful direction."""
    norm = math.hypot(*step)
    return (step[0] * approach[0] + step[1] * approach[1]) / norm if norm else 0.0


def _consistency(obs: Sequence[Observation], approach: tuple[float, float], cos: float) -> float:
    """Return the share of ~3-frame steps that run against approach."""
    stride = 3
    steps = [
        (b.ground[0] - a.ground[0], b.ground[1] - a.ground[1])
        for a, b in zip(obs, obs[stride:], strict=False)
    ]
    if not steps:
        return 0.0
    return sum(_against(st, approach) <= cos for st in steps) / len(steps)


def _first_in_lanes(track: Track, cal: Calibration, s: RuleSettings) -> int | None:
    """Return the index of the first whole (uncut) observation standing in the lanes."""
    for i, o in enumerate(track.observations):
        if in_lanes(o.ground, cal) and _whole(o, cal, s):
            return i
    return None


def wrong_way(
    track: Track, cal: Calibration, settings: RuleSettings | None = None
) -> ViolationEvent | None:
    """Flag a vehicle moving against approach in the lanes far, long and steadily enough.

    Only the part of the track inside the lanes counts: a vehicle cutting a corner of the
    lanes polygon, or crossing the junction beyond them, has not driven against the flow.
    """
    s = settings or RuleSettings()
    if track.kind not in s.wrong_way_kinds:
        return None
    track = track.own()
    first = _first_in_lanes(track, cal, s)
    if first is None:
        return None
    obs = track.observations[first:]
    min_dist = s.wrong_way_min_distance * min(cal.frame_size)
    start = obs[0].ground
    for i, o in enumerate(obs):
        step = (o.ground[0] - start[0], o.ground[1] - start[1])
        if math.hypot(*step) < min_dist or o.time_ms - obs[0].time_ms < s.wrong_way_min_ms:
            continue
        if _against(step, cal.approach) > s.wrong_way_cos:
            continue
        if _consistency(obs[: i + 1], cal.approach, s.wrong_way_cos) < s.wrong_way_consistency:
            continue
        if not moved_whole(obs[0], o, cal, s.min_top_share) or not in_lanes(o.ground, cal):
            continue
        if not _whole(o, cal, s):
            continue  # a box cut off by the frame's edge has no trustworthy ground point
        confidence = round(-_against(step, cal.approach), 3)
        return _event(WRONG_WAY, track, first + i, UNKNOWN, confidence, s)
    return None


def no_helmet(track: Track, settings: RuleSettings | None = None) -> ViolationEvent | None:
    """Flag a rider track read as bare-headed with enough confidence over enough frames."""
    s = settings or RuleSettings()
    if track.kind not in s.helmet_kinds:
        return None
    read = [(i, o.no_helmet) for i, o in enumerate(track.observations) if o.no_helmet is not None]
    if len(read) < s.helmet_min_frames:
        return None
    scores = [p for _, p in read]
    share = sum(p >= 0.5 for p in scores) / len(scores)
    mean = sum(scores) / len(scores)
    if share < s.helmet_min_share or mean < s.helmet_min_confidence:
        return None
    best = max(read, key=lambda item: (item[1], -item[0]))[0]
    return _event(NO_HELMET, track, best, UNKNOWN, round(mean, 3), s)


def _signal_state(event: ViolationEvent, timeline: SignalTimeline | None) -> ViolationEvent:
    """Stamp the signal state at the offence's instant on an event."""
    if timeline is None or event.signal_state != UNKNOWN:
        return event
    return replace(event, signal_state=timeline.state_at(event.time_ms))


def find_violations(
    tracks: Iterable[Track],
    cal: Calibration,
    timeline: SignalTimeline | None,
    settings: RuleSettings | None = None,
) -> list[ViolationEvent]:
    """Apply the calibration's enabled rules to every track; order by frame, rule, track."""
    s = settings or RuleSettings()
    events: list[ViolationEvent | None] = []
    for track in tracks:
        if not track.observations:
            continue
        if RED_LIGHT in cal.rules and timeline is not None:
            events.append(red_light(track, cal, timeline, s))
        if WRONG_WAY in cal.rules:
            events.append(wrong_way(track, cal, s))
        if NO_HELMET in cal.rules:
            events.append(no_helmet(track, s))
    found = [_signal_state(e, timeline) for e in events if e is not None]
    return sorted(found, key=lambda e: (e.frame, e.rule, e.track_id))
