"""Camera calibration: where the stop line is, which way is lawful, where the signal head is."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from rules.errors import InvalidInput

KNOWN_RULES = frozenset({"red_light", "wrong_way", "no_helmet"})
Point = tuple[float, float]
# An approach closer than this to the stop line's direction never crosses the line.
MAX_APPROACH_LINE_COS = 0.9


@dataclass(frozen=True)
class Calibration:
    """One camera's geometry and enabled rules, in the pixel coordinates of its frames."""

    camera_id: str
    frame_size: tuple[int, int]
    stop_line: tuple[Point, Point]
    approach: Point
    signal_roi: tuple[int, int, int, int] | None
    rules: frozenset[str]
    amber_grace_ms: int = 500
    lanes: tuple[Point, ...] | None = None  # polygon of the approach's lanes, where rules apply

    def scaled(self, width: int, height: int) -> Calibration:
        """Return this calibration mapped onto frames of another size."""
        sx, sy = width / self.frame_size[0], height / self.frame_size[1]
        (x0, y0), (x1, y1) = self.stop_line
        roi = self.signal_roi
        if roi is not None:
            roi = (round(roi[0] * sx), round(roi[1] * sy), round(roi[2] * sx), round(roi[3] * sy))
        ax, ay = self.approach[0] * sx, self.approach[1] * sy
        norm = math.hypot(ax, ay)
        lanes = tuple((x * sx, y * sy) for x, y in self.lanes) if self.lanes else None
        return Calibration(
            self.camera_id,
            (width, height),
            ((x0 * sx, y0 * sy), (x1 * sx, y1 * sy)),
            (ax / norm, ay / norm),
            roi,
            self.rules,
            self.amber_grace_ms,
            lanes,
        )


def _require(data: dict[str, Any], field: str) -> Any:
    """Return data[field] or raise naming the missing field."""
    if field not in data or data[field] is None:
        raise InvalidInput(f"calibration: missing field '{field}'", field=field)
    return data[field]


def _number(value: Any, field: str) -> float:
    """Return a finite number or raise naming the field."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidInput(f"calibration: '{field}' must be a finite number, got {value!r}")
    return float(value)


def _pair(value: Any, field: str) -> tuple[float, float]:
    """Return a two-number pair or raise naming the field."""
    if not isinstance(value, list | tuple) or len(value) != 2:
        raise InvalidInput(f"calibration: '{field}' must be a pair [x, y], got {value!r}")
    return _number(value[0], field), _number(value[1], field)


def _frame_size(value: Any) -> tuple[int, int]:
    """Validate [width, height]."""
    w, h = _pair(value, "frame_size")
    if w < 16 or h < 16 or w != int(w) or h != int(h):
        raise InvalidInput(f"calibration: 'frame_size' must be two integers >= 16, got {value!r}")
    return int(w), int(h)


def _inside(point: Point, size: tuple[int, int], field: str) -> Point:
    """Raise unless the point lies within the frame."""
    if not (0 <= point[0] <= size[0] and 0 <= point[1] <= size[1]):
        raise InvalidInput(
            f"calibration: '{field}' point {list(point)} is outside the {size[0]}x{size[1]} frame"
        )
    return point


def _stop_line(value: Any, size: tuple[int, int]) -> tuple[Point, Point]:
    """Validate two distinct points inside the frame."""
    if not isinstance(value, list | tuple) or len(value) != 2:
        raise InvalidInput("calibration: 'stop_line' must be two points [[x, y], [x, y]]")
    a = _inside(_pair(value[0], "stop_line"), size, "stop_line")
    b = _inside(_pair(value[1], "stop_line"), size, "stop_line")
    if math.dist(a, b) < 2:
        raise InvalidInput("calibration: 'stop_line' points must be distinct")
    return a, b


def _approach(value: Any, line: tuple[Point, Point]) -> Point:
    """Validate a non-zero direction that actually crosses the stop line; return it normalised."""
    ax, ay = _pair(value, "approach")
    norm = math.hypot(ax, ay)
    if norm == 0:
        raise InvalidInput("calibration: 'approach' must be a non-zero direction vector")
    (x0, y0), (x1, y1) = line
    along = abs(ax * (x1 - x0) + ay * (y1 - y0)) / (norm * math.dist(line[0], line[1]))
    if along > MAX_APPROACH_LINE_COS:
        raise InvalidInput("calibration: 'approach' runs along the stop line instead of across it")
    return ax / norm, ay / norm


def _signal_roi(value: Any, size: tuple[int, int]) -> tuple[int, int, int, int] | None:
    """Validate an optional (x, y, w, h) box inside the frame."""
    if value is None:
        return None
    if not isinstance(value, list | tuple) or len(value) != 4:
        raise InvalidInput("calibration: 'signal_roi' must be [x, y, w, h]")
    x, y, w, h = (int(_number(v, "signal_roi")) for v in value)
    if w <= 0 or h <= 0 or x < 0 or y < 0 or x + w > size[0] or y + h > size[1]:
        raise InvalidInput(
            f"calibration: 'signal_roi' {list(value)} is outside the {size[0]}x{size[1]} frame"
        )
    return x, y, w, h


def _lanes(value: Any, size: tuple[int, int]) -> tuple[Point, ...] | None:
    """Validate an optional polygon of at least three points inside the frame."""
    if value is None:
        return None
    if not isinstance(value, list | tuple) or len(value) < 3:
        raise InvalidInput("calibration: 'lanes' must be a polygon of at least 3 points")
    return tuple(_inside(_pair(p, "lanes"), size, "lanes") for p in value)


def _rules(value: Any) -> frozenset[str]:
    """Validate a non-empty list of known rule names."""
    if not isinstance(value, list | tuple) or not value:
        raise InvalidInput("calibration: 'rules' must be a non-empty list")
    unknown = sorted(str(r) for r in value if r not in KNOWN_RULES)
    if unknown:
        raise InvalidInput(f"calibration: unknown rules {unknown}; known: {sorted(KNOWN_RULES)}")
    return frozenset(value)


def parse_calibration(data: dict[str, Any]) -> Calibration:
    """Validate a calibration JSON object; raise InvalidInput naming the first bad field."""
    if not isinstance(data, dict):
        raise InvalidInput("calibration: expected a JSON object")
    camera_id = _require(data, "camera_id")
    if not isinstance(camera_id, str) or not camera_id.strip():
        raise InvalidInput("calibration: 'camera_id' must be a non-empty string")
    size = _frame_size(_require(data, "frame_size"))
    line = _stop_line(_require(data, "stop_line"), size)
    grace = _number(data.get("amber_grace_ms", 500), "amber_grace_ms")
    if grace < 0:
        raise InvalidInput("calibration: 'amber_grace_ms' must not be negative")
    return Calibration(
        camera_id,
        size,
        line,
        _approach(_require(data, "approach"), line),
        _signal_roi(data.get("signal_roi"), size),
        _rules(_require(data, "rules")),
        int(grace),
        _lanes(data.get("lanes"), size),
    )
