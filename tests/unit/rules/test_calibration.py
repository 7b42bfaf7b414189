"""Calibration parsing: a valid camera file, and every way one can be wrong."""

from __future__ import annotations

import copy

import pytest

from rules.calibration import parse_calibration
from rules.errors import InvalidInput

VALID = {
    "camera_id": "KHI-0001",
    "frame_size": [1280, 720],
    "stop_line": [[80, 430], [1200, 430]],
    "approach": [0, -1],
    "signal_roi": [1140, 40, 60, 150],
    "rules": ["red_light", "wrong_way", "no_helmet"],
    "amber_grace_ms": 500,
}


def with_(**changes: object) -> dict:
    """Return the valid calibration with some fields replaced (None deletes)."""
    data = copy.deepcopy(VALID)
    for key, value in changes.items():
        if value is None:
            data.pop(key)
        else:
            data[key] = value
    return data


def test_valid_calibration_parses() -> None:
    cal = parse_calibration(VALID)
    assert cal.camera_id == "KHI-0001"
    assert cal.frame_size == (1280, 720)
    assert cal.approach == (0.0, -1.0)
    assert cal.rules == {"red_light", "wrong_way", "no_helmet"}
    assert cal.signal_roi == (1140, 40, 60, 150)


@pytest.mark.parametrize("field", ["camera_id", "frame_size", "stop_line", "approach", "rules"])
def test_missing_field_is_named(field: str) -> None:
    with pytest.raises(InvalidInput, match=field):
        parse_calibration(with_(**{field: None}))


def test_stop_line_outside_frame_is_refused() -> None:
    with pytest.raises(InvalidInput, match="stop_line.*outside the 1280x720 frame"):
        parse_calibration(with_(stop_line=[[80, 430], [1400, 430]]))


def test_signal_roi_outside_frame_is_refused() -> None:
    with pytest.raises(InvalidInput, match="signal_roi"):
        parse_calibration(with_(signal_roi=[1250, 40, 60, 150]))


@pytest.mark.parametrize("approach", [[0, 0], [1, 0], [1], "up", [float("nan"), 1]])
def test_bad_approach_is_refused(approach: object) -> None:
    with pytest.raises(InvalidInput, match="approach"):
        parse_calibration(with_(approach=approach))


def test_unknown_rule_is_named() -> None:
    with pytest.raises(InvalidInput, match="speeding"):
        parse_calibration(with_(rules=["red_light", "speeding"]))


def test_signal_roi_is_optional_and_grace_defaults() -> None:
    cal = parse_calibration(with_(signal_roi=None, amber_grace_ms=None))
    assert cal.signal_roi is None
    assert cal.amber_grace_ms == 500


def test_scaled_maps_geometry_to_another_frame_size() -> None:
    cal = parse_calibration(VALID).scaled(640, 360)
    assert cal.stop_line == ((40, 215), (600, 215))
    assert cal.signal_roi == (570, 20, 30, 75)
    assert cal.approach == (0.0, -1.0)


def test_lanes_polygon_is_optional_and_checked() -> None:
    assert parse_calibration(VALID).lanes is None
    cal = parse_calibration(with_(lanes=[[0, 300], [1280, 300], [1280, 720], [0, 720]]))
    assert cal.lanes == ((0, 300), (1280, 300), (1280, 720), (0, 720))
    assert cal.scaled(640, 360).lanes[1] == (640, 150)
    with pytest.raises(InvalidInput, match="lanes"):
        parse_calibration(with_(lanes=[[0, 300], [1280, 300]]))
    with pytest.raises(InvalidInput, match="lanes.*outside"):
        parse_calibration(with_(lanes=[[0, 300], [1380, 300], [0, 720]]))
