"""validate_heartbeat: the 422 contract of POST /api/v1/devices/<id>/heartbeats."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rules.errors import InvalidInput
from rules.health import HEARTBEAT_FIELDS, MAX_COUNT, HealthConfig, validate_heartbeat

NOW = datetime(2026, 11, 23, 10, 15, tzinfo=UTC)
PKT = timezone(timedelta(hours=5))


def body(**overrides: object) -> dict[str, object]:
    """Return a complete, valid heartbeat body with some fields replaced."""
    raw: dict[str, object] = {
        "device_clock": "2026-11-23T15:15:00.250+05:00",
        "mains_on": True,
        "battery_pct": 87.5,
        "door_open": False,
        "lat": 24.8607,
        "lon": 67.0011,
        "temperature_c": 41.0,
        "uptime_s": 86_400,
        "frames_since_last": 750,
    }
    raw.update(overrides)
    return raw


def refused_field(raw: object, now: datetime = NOW) -> str:
    """Return the field named by the InvalidInput that validation raises."""
    with pytest.raises(InvalidInput) as caught:
        validate_heartbeat("KHI-BOX-0001", raw, now)  # type: ignore[arg-type]
    return str(caught.value.extra["field"])


def test_complete_body_becomes_a_heartbeat() -> None:
    hb = validate_heartbeat("KHI-BOX-0001", body(), NOW)
    assert hb.device_id == "KHI-BOX-0001"
    assert hb.received_at == NOW
    assert hb.device_clock == datetime(2026, 11, 23, 15, 15, 0, 250_000, tzinfo=PKT)
    assert (hb.mains_on, hb.battery_pct, hb.door_open) == (True, 87.5, False)
    assert (hb.lat, hb.lon, hb.temperature_c) == (24.8607, 67.0011, 41.0)
    assert (hb.uptime_s, hb.frames_since_last) == (86_400, 750)


def test_only_the_device_clock_is_required() -> None:
    hb = validate_heartbeat("KHI-0001", {"device_clock": "2026-11-23T10:15:01Z"}, NOW)
    assert hb.mains_on is None and hb.battery_pct is None and hb.lat is None
    assert hb.frames_since_last is None


def test_nulls_mean_not_reported() -> None:
    hb = validate_heartbeat("KHI-0001", body(battery_pct=None, lat=None, lon=None), NOW)
    assert hb.battery_pct is None and hb.lat is None and hb.lon is None


@pytest.mark.parametrize("value", [-0.1, 100.01, "87", True, float("nan"), float("inf")])
def test_battery_outside_0_to_100_or_not_a_number_is_refused(value: object) -> None:
    assert refused_field(body(battery_pct=value)) == "battery_pct"


@pytest.mark.parametrize(
    ("lat", "lon", "field"),
    [
        (90.5, 67.0, "lat"),
        (-91.0, 67.0, "lat"),
        (24.8, 180.01, "lon"),
        (24.8, -181.0, "lon"),
        (24.8, None, "lon"),
        (None, 67.0, "lat"),
        ("24.8", 67.0, "lat"),
        (float("nan"), 67.0, "lat"),
    ],
)
def test_impossible_coordinates_are_refused(lat: object, lon: object, field: str) -> None:
    assert refused_field(body(lat=lat, lon=lon)) == field


def test_gps_without_fix_reporting_zero_zero_is_no_position() -> None:
    hb = validate_heartbeat("KHI-0001", body(lat=0.0, lon=0), NOW)
    assert (hb.lat, hb.lon) == (None, None)


@pytest.mark.parametrize(
    "clock",
    [
        "2026-11-25T10:15:00Z",  # two days ahead
        "2026-11-21T10:15:00Z",  # two days behind
        "1970-01-01T00:00:00Z",  # a dead RTC battery
        "2026-11-23T10:15:00",  # no offset: ambiguous
        "yesterday",
        1_795_000_000,
        None,
    ],
)
def test_device_clock_far_off_naive_or_malformed_is_refused(clock: object) -> None:
    assert refused_field(body(device_clock=clock)) == "device_clock"


def test_missing_device_clock_is_refused() -> None:
    raw = body()
    del raw["device_clock"]
    assert refused_field(raw) == "device_clock"


def test_clock_skew_limit_is_configurable_and_inclusive() -> None:
    config = HealthConfig(max_timestamp_skew_s=60)
    ok = validate_heartbeat("K", body(device_clock="2026-11-23T10:16:00Z"), NOW, config)
    assert ok.device_clock == NOW + timedelta(seconds=60)
    with pytest.raises(InvalidInput):
        validate_heartbeat("K", body(device_clock="2026-11-23T10:16:00.5Z"), NOW, config)


@pytest.mark.parametrize("name", ["mains_on", "door_open"])
@pytest.mark.parametrize("value", [1, 0, "true", "yes"])
def test_flags_must_be_json_booleans(name: str, value: object) -> None:
    assert refused_field(body(**{name: value})) == name


@pytest.mark.parametrize("name", ["uptime_s", "frames_since_last"])
@pytest.mark.parametrize("value", [-1, 1.5, "10", False, MAX_COUNT + 1, 10**23])
def test_counts_must_be_non_negative_integers(name: str, value: object) -> None:
    assert refused_field(body(**{name: value})) == name


@pytest.mark.parametrize("name", ["uptime_s", "frames_since_last"])
def test_counts_up_to_the_stored_limit_are_taken(name: str) -> None:
    heartbeat = validate_heartbeat("KHI-BOX-0001", body(**{name: MAX_COUNT}), NOW)
    assert getattr(heartbeat, name) == MAX_COUNT


@pytest.mark.parametrize("value", [-61.0, 151.0])
def test_impossible_temperature_is_refused(value: float) -> None:
    assert refused_field(body(temperature_c=value)) == "temperature_c"


def test_unknown_field_is_refused_by_name() -> None:
    assert refused_field(body(battery_percent=50)) == "battery_percent"


def test_body_must_be_an_object() -> None:
    assert refused_field([1, 2, 3]) == "body"


def test_device_id_must_be_given() -> None:
    with pytest.raises(InvalidInput) as caught:
        validate_heartbeat("", body(), NOW)
    assert caught.value.extra["field"] == "device_id"


readings = st.fixed_dictionaries(
    {"device_clock": st.just(NOW.isoformat())},
    optional={
        "battery_pct": st.none() | st.floats(allow_nan=True, allow_infinity=True),
        "lat": st.floats(-200, 200),
        "lon": st.floats(-400, 400),
        "temperature_c": st.none() | st.floats(-100, 200),
        "frames_since_last": st.none() | st.integers(-5, 10_000),
        "mains_on": st.none() | st.booleans() | st.integers(0, 1),
    },
)


@given(readings)
def test_accepted_heartbeats_always_hold_possible_values(raw: dict[str, object]) -> None:
    try:
        hb = validate_heartbeat("KHI-0001", raw, NOW)
    except InvalidInput as error:
        assert error.extra["field"] in HEARTBEAT_FIELDS
        return
    assert hb.battery_pct is None or 0 <= hb.battery_pct <= 100
    assert (hb.lat is None) == (hb.lon is None)
    assert hb.lat is None or (-90 <= hb.lat <= 90 and -180 <= hb.lon <= 180)
    assert hb.frames_since_last is None or hb.frames_since_last >= 0
    assert hb.mains_on is None or isinstance(hb.mains_on, bool)
