"""Read-only view models for the review console: plain values the templates draw, no Flask.

The evidence viewer never changes an image: the track, the box and the stop line are an SVG laid
over the original frame in the frame's own pixel coordinates (the camera calibration's
`frame_size`), so what the officer sees underneath is the evidence exactly as stored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from rules.plates import plate_key_or_none

DEFAULT_FRAME = (1280, 720)
PHASE_STATES = ("green", "amber", "red")


@dataclass(frozen=True)
class QueueRow:
    """One task as the queue lists it."""

    id: int
    kind: str
    rule: str
    camera_id: str | None
    plate: str | None
    reasons: list[str]
    status: str
    age: timedelta
    overdue: bool
    holder: str | None
    claim_expires_at: datetime | None
    claim_live: bool
    mine: bool


def queue_row(task: Any, now: datetime, sla: timedelta, names: dict[int, str], me: int) -> QueueRow:
    """Describe a task for the queue: how long it has waited, against the SLA, and its lock."""
    age = (task.closed_at or now) - task.created_at
    live = task.claim_expires_at is not None and task.claim_expires_at > now
    holder = names.get(task.claimed_by_id) if task.claimed_by_id is not None else None
    return QueueRow(
        id=task.id,
        kind=task.kind,
        rule=task.event.rule,
        camera_id=task.event.camera_id,
        plate=task.event.plate_read,
        reasons=list(task.reasons or []),
        status=task.status,
        age=age,
        overdue=age > sla,
        holder=holder if task.status == "claimed" else None,
        claim_expires_at=task.claim_expires_at if task.status == "claimed" else None,
        claim_live=live and task.status == "claimed",
        mine=live and task.status == "claimed" and task.claimed_by_id == me,
    )


@dataclass(frozen=True)
class Pages:
    """Where a page of results sits among all of them."""

    offset: int
    limit: int
    total: int

    @property
    def previous(self) -> int | None:
        """The offset of the previous page, if there is one."""
        return max(self.offset - self.limit, 0) if self.offset > 0 else None

    @property
    def next(self) -> int | None:
        """The offset of the next page, if there is one."""
        return self.offset + self.limit if self.offset + self.limit < self.total else None

    @property
    def first_shown(self) -> int:
        """The 1-based number of the first row shown (0 when there is none)."""
        return self.offset + 1 if self.total else 0

    @property
    def last_shown(self) -> int:
        """The 1-based number of the last row shown."""
        return min(self.offset + self.limit, self.total)


@dataclass(frozen=True)
class Overlay:
    """What is drawn over a frame, in the frame's pixels: stop line, track, vehicle box."""

    width: int
    height: int
    stop_line: tuple[tuple[int, int], tuple[int, int]] | None
    track: list[tuple[int, int]]
    box: tuple[int, int, int, int] | None

    @property
    def track_points(self) -> str:
        """The track as an SVG polyline's points attribute."""
        return " ".join(f"{x},{y}" for x, y in self.track)


@dataclass(frozen=True)
class Frame:
    """One evidence frame: its image id, caption, frame number and overlay."""

    image: str
    caption: str
    frame: int | None
    overlay: Overlay


def frames_of(event: Any, calibration: dict[str, Any]) -> list[Frame]:
    """Describe the before/at/after frames, each with the track and stop line to draw over it."""
    width, height = _frame_size(calibration)
    stop = _stop_line(calibration)
    stored = (event.evidence or {}).get("frame_size")
    if stored:
        # Evidence frames and the track are in the clip's pixels; the stop line is calibrated
        # at the camera's size, so it is scaled onto the clip's.
        clip_w, clip_h = _frame_size({"frame_size": stored})
        stop = _scaled(stop, clip_w / width, clip_h / height)
        width, height = clip_w, clip_h
    points = track_points(event.evidence or {})
    frames = (event.evidence or {}).get("frames", [])
    at_index = next((i for i, f in enumerate(frames) if f.get("caption") == "at"), len(frames) // 2)
    described = []
    for index, frame in enumerate(frames):
        box = _box(event.bbox) if index == at_index else _track_box(event.evidence, frame)
        overlay = Overlay(width, height, stop, points, box)
        caption = frame.get("caption") or str(index)
        described.append(Frame(f"frame-{index}", caption, frame.get("frame"), overlay))
    return described


def track_points(evidence: dict[str, Any]) -> list[tuple[int, int]]:
    """Return the vehicle's path as box-bottom centres from the stored track, if there is one.

    The track is stored as `[[frame, x, y, w, h], ...]` (or `{"frame":..,"bbox":[..]}` rows);
    the bottom centre is where a wheel meets the road, the point the stop-line rule judges.
    """
    points = []
    for row in evidence.get("track") or []:
        box = _track_row_box(row)
        if box is not None:
            x, y, w, h = box
            points.append((x + w // 2, y + h))
    return points


def _track_row_box(row: Any) -> tuple[int, int, int, int] | None:
    """Read one stored track row's box, or None for a row that is not one."""
    if isinstance(row, dict):
        return _box(row.get("bbox"))
    if isinstance(row, list | tuple) and len(row) >= 5:
        return _box(row[1:5])
    return None


def _track_box(evidence: dict[str, Any], frame: dict[str, Any]) -> tuple[int, int, int, int] | None:
    """Return the tracked box at this frame's number, when the track has that frame."""
    wanted = frame.get("frame")
    for row in (evidence or {}).get("track") or []:
        number = row.get("frame") if isinstance(row, dict) else (row[0] if row else None)
        if wanted is not None and number == wanted:
            return _track_row_box(row)
    return None


def _frame_size(calibration: dict[str, Any]) -> tuple[int, int]:
    """Return the camera's frame size, or 1280x720 when the calibration does not say."""
    size = calibration.get("frame_size") or DEFAULT_FRAME
    try:
        width, height = int(size[0]), int(size[1])
    except (TypeError, ValueError, IndexError):
        return DEFAULT_FRAME
    return (width, height) if width > 0 and height > 0 else DEFAULT_FRAME


def _scaled(
    line: tuple[tuple[int, int], tuple[int, int]] | None, sx: float, sy: float
) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """Return the line with its ends scaled by (sx, sy)."""
    if line is None:
        return None
    (x0, y0), (x1, y1) = line
    return (round(x0 * sx), round(y0 * sy)), (round(x1 * sx), round(y1 * sy))


def _stop_line(calibration: dict[str, Any]) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """Return the calibrated stop line's two ends, or None when it is missing or malformed."""
    try:
        (x0, y0), (x1, y1) = calibration["stop_line"]
        return (int(x0), int(y0)), (int(x1), int(y1))
    except (KeyError, TypeError, ValueError):
        return None


def _box(values: Any) -> tuple[int, int, int, int] | None:
    """Return (x, y, w, h) from a stored box, or None for an empty or malformed one."""
    try:
        x, y, w, h = (int(v) for v in list(values)[:4])
    except (TypeError, ValueError):
        return None
    return (x, y, w, h) if w > 0 and h > 0 else None


@dataclass(frozen=True)
class Segment:
    """One signal phase on the strip, as a share of the strip's width (0 to 1000)."""

    state: str
    start_ms: int
    end_ms: int
    x: float
    width: float


@dataclass(frozen=True)
class PhaseStrip:
    """The signal timeline with the offence moment marked, 1000 units wide."""

    segments: list[Segment]
    moment_ms: int
    moment_x: float
    state_at_moment: str | None
    span_ms: int = 0
    ticks: list[tuple[float, int]] = field(default_factory=list)


def phase_strip(phases: list[dict[str, Any]], moment_ms: int) -> PhaseStrip | None:
    """Lay the stored signal phases out on a strip and mark the offence moment (None: no phases)."""
    rows = sorted(
        (
            (str(p.get("state")), int(p.get("start_ms", 0)), int(p.get("end_ms", 0)))
            for p in phases
            if isinstance(p, dict) and int(p.get("end_ms", 0)) > int(p.get("start_ms", 0))
        ),
        key=lambda row: row[1],
    )
    if not rows:
        return None
    start, span = rows[0][1], max(max(row[2] for row in rows), moment_ms) - rows[0][1]
    scale = 1000 / span if span > 0 else 0

    def at(ms: int) -> float:
        return round((ms - start) * scale, 1)

    segments = [Segment(s, a, b, at(a), round((b - a) * scale, 1)) for s, a, b in rows]
    state = next((s for s, a, b in rows if a <= moment_ms < b), None)
    ticks = [(at(ms), ms) for ms in range(start, start + span + 1, _tick(span))]
    return PhaseStrip(segments, moment_ms, at(moment_ms), state, span, ticks)


def _tick(span_ms: int) -> int:
    """Pick a tick spacing that puts five to ten ticks on the strip."""
    for step in (250, 500, 1000, 2000, 5000, 10000, 30000, 60000):
        if span_ms / step <= 10:
            return step
    return max(span_ms // 10, 1)


@dataclass(frozen=True)
class Comparison:
    """What the image shows beside what the registry says of the plate read."""

    observed_class: str | None
    observed_colour: str | None
    make: str | None
    model: str | None
    colour: str | None
    vehicle_class: str | None
    found: bool | None
    class_mismatch: bool
    colour_mismatch: bool


def comparison(event: Any, record: dict[str, Any] | None, found: bool | None) -> Comparison:
    """Put the registry's make, colour and class beside what the camera saw, flagging mismatches."""
    record = record or {}
    seen_class, seen_colour = event.observed_class, event.observed_colour
    listed_class, listed_colour = record.get("vehicle_class"), record.get("colour")
    return Comparison(
        observed_class=seen_class,
        observed_colour=seen_colour,
        make=record.get("make"),
        model=record.get("model"),
        colour=listed_colour,
        vehicle_class=listed_class,
        found=found,
        class_mismatch=_differ(seen_class, listed_class),
        colour_mismatch=_differ(seen_colour, listed_colour),
    )


def _differ(seen: str | None, listed: str | None) -> bool:
    """Tell whether two known values disagree (an unknown value is no mismatch)."""
    return bool(seen and listed and seen.strip().lower() != listed.strip().lower())


def confidence_percent(value: float | None) -> int | None:
    """Return a confidence in whole percent, or None when there is none."""
    return None if value is None else round(float(value) * 100)


def plate_problem(plate: str) -> str | None:
    """Say what is wrong with a typed plate (None: it can be a plate), in plain English."""
    key = plate_key_or_none(plate)
    if key is None:
        return "not_a_plate"
    if not any(c.isalpha() for c in key) or not any(c.isdigit() for c in key):
        return "letters_and_digits"
    return None
