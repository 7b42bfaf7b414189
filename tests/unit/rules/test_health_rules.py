"""Alert rules: one heartbeat, the sweep, site mode, battery runtime, distance."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from rules.errors import InvalidInput
from rules.geo import haversine_m, valid_position
from rules.health import (
    AlertRule,
    DeviceKind,
    DeviceState,
    Finding,
    HealthConfig,
    Heartbeat,
    SiteMode,
    apply_clip,
    apply_heartbeat,
    clock_trusted,
    estimated_runtime_minutes,
    evaluate_heartbeat,
    evaluate_sweep,
    site_mode,
    site_modes,
    uptime_ratio,
)

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
HOME = (24.8607, 67.0011)
BOX = DeviceState(
    "B1",
    DeviceKind.BOX,
    30.0,
    site_id="S1",
    registered_lat=HOME[0],
    registered_lon=HOME[1],
    battery_capacity_wh=1200.0,
    load_w=80.0,
    commissioned_at=NOW - timedelta(days=30),
    last_heartbeat_at=NOW - timedelta(seconds=30),
)
CAMERA = DeviceState(
    "B1-C1",
    DeviceKind.CAMERA,
    30.0,
    box_id="B1",
    site_id="S1",
    commissioned_at=NOW - timedelta(days=30),
    last_heartbeat_at=NOW - timedelta(seconds=30),
    frames_seen_at=NOW - timedelta(seconds=30),
    frames_reported_at=NOW - timedelta(seconds=30),
)


def s(seconds: float) -> datetime:
    """Return NOW shifted by `seconds`."""
    return NOW + timedelta(seconds=seconds)


def beat(device_id: str = "B1", at: datetime = NOW, **readings: object) -> Heartbeat:
    """Return a heartbeat with a correct clock."""
    return Heartbeat(device_id, at, readings.pop("device_clock", at), **readings)  # type: ignore[arg-type]


def by_rule(findings: list[Finding]) -> dict[AlertRule, bool]:
    """Return each evaluated rule's firing flag."""
    rules = [f.rule for f in findings]
    assert len(rules) == len(set(rules)), "one finding per rule"
    return {f.rule: f.firing for f in findings}


# --- evaluate_heartbeat ------------------------------------------------------------------------


def test_healthy_box_heartbeat_clears_every_rule_it_can_evaluate() -> None:
    hb = beat(mains_on=True, battery_pct=95.0, door_open=False, lat=HOME[0], lon=HOME[1])
    assert by_rule(evaluate_heartbeat(BOX, hb)) == {
        AlertRule.OFFLINE: False,
        AlertRule.ON_BATTERY: False,
        AlertRule.BATTERY_LOW: False,
        AlertRule.DOOR_OPEN: False,
        AlertRule.MOVED: False,
        AlertRule.CLOCK_DRIFT: False,
    }


def test_readings_not_reported_are_not_evaluated() -> None:
    assert by_rule(evaluate_heartbeat(BOX, beat())) == {
        AlertRule.OFFLINE: False,
        AlertRule.CLOCK_DRIFT: False,
    }


def test_mains_lost_fires_on_battery_with_runtime_estimate() -> None:
    findings = evaluate_heartbeat(BOX, beat(mains_on=False, battery_pct=40.0))
    on_battery = next(f for f in findings if f.rule is AlertRule.ON_BATTERY)
    assert on_battery.firing
    # 40% of 1200 Wh at 80 W = 6 h.
    assert "about 360 min left" in on_battery.detail
    assert by_rule(findings)[AlertRule.BATTERY_LOW] is False


@pytest.mark.parametrize(("pct", "firing"), [(19.9, True), (20.0, False), (0.0, True)])
def test_battery_low_threshold(pct: float, firing: bool) -> None:
    assert by_rule(evaluate_heartbeat(BOX, beat(battery_pct=pct)))[AlertRule.BATTERY_LOW] is firing


def test_door_open_fires_tamper() -> None:
    assert by_rule(evaluate_heartbeat(BOX, beat(door_open=True)))[AlertRule.DOOR_OPEN] is True


@pytest.mark.parametrize(("north_m", "firing"), [(10.0, False), (49.0, False), (51.0, True)])
def test_moved_fires_beyond_50_m(north_m: float, firing: bool) -> None:
    lat = HOME[0] + north_m / 111_195.0  # metres per degree of latitude
    hb = beat(lat=lat, lon=HOME[1])
    assert by_rule(evaluate_heartbeat(BOX, hb))[AlertRule.MOVED] is firing


def test_moved_not_evaluated_without_registered_position() -> None:
    unregistered = DeviceState("B2", DeviceKind.BOX)
    hb = beat("B2", lat=25.0, lon=67.0)
    assert AlertRule.MOVED not in by_rule(evaluate_heartbeat(unregistered, hb))


@pytest.mark.parametrize(
    ("offset", "firing"), [(1.9, False), (-2.0, False), (2.5, True), (-30, True)]
)
def test_clock_drift_beyond_limit(offset: float, firing: bool) -> None:
    hb = beat(device_clock=NOW + timedelta(seconds=offset))
    assert by_rule(evaluate_heartbeat(BOX, hb))[AlertRule.CLOCK_DRIFT] is firing


def test_clock_trust_follows_the_last_heartbeat() -> None:
    assert not clock_trusted(BOX)  # never measured
    drifted = apply_heartbeat(BOX, beat(device_clock=s(5)))
    assert drifted.clock_offset_s == 5.0 and not clock_trusted(drifted)
    assert clock_trusted(apply_heartbeat(drifted, beat(at=s(30), device_clock=s(30.4))))


def test_heartbeat_for_another_device_is_refused() -> None:
    with pytest.raises(InvalidInput):
        evaluate_heartbeat(BOX, beat("B9"))


def test_camera_with_frames_clears_no_frames_and_without_fires_after_two_intervals() -> None:
    flowing = evaluate_heartbeat(CAMERA, beat("B1-C1", frames_since_last=750))
    assert by_rule(flowing)[AlertRule.NO_FRAMES] is False
    one_empty = evaluate_heartbeat(CAMERA, beat("B1-C1", frames_since_last=0))
    assert by_rule(one_empty)[AlertRule.NO_FRAMES] is False  # 30 s without frames: wait
    state = apply_heartbeat(CAMERA, beat("B1-C1", frames_since_last=0))
    two_empty = evaluate_heartbeat(state, beat("B1-C1", at=s(30), frames_since_last=0))
    assert by_rule(two_empty)[AlertRule.NO_FRAMES] is True


def test_camera_not_reporting_frames_is_not_judged_on_them() -> None:
    assert AlertRule.NO_FRAMES not in by_rule(evaluate_heartbeat(CAMERA, beat("B1-C1")))


def test_apply_heartbeat_and_clip_record_liveness_and_frames() -> None:
    after = apply_heartbeat(CAMERA, beat("B1-C1", at=s(30), frames_since_last=0))
    assert after.last_heartbeat_at == s(30) and after.frames_reported_at == s(30)
    assert after.frames_seen_at == CAMERA.frames_seen_at
    clipped = apply_clip(after, s(40))
    assert clipped.last_clip_at == s(40) and clipped.frames_seen_at == s(40)
    # A late, out-of-order clip never moves liveness backwards.
    assert apply_clip(clipped, s(10)).last_clip_at == s(40)


# --- evaluate_sweep ----------------------------------------------------------------------------


def sweep_rules(states: list[DeviceState], now: datetime) -> dict[tuple[str, AlertRule], bool]:
    """Return the sweep's verdicts keyed by device and rule."""
    return {(f.device_id, f.rule): f.firing for f in evaluate_sweep(states, now)}


def test_offline_after_more_than_three_missed_intervals() -> None:
    last = BOX.last_heartbeat_at
    assert last is not None
    just_within = last + timedelta(seconds=90)
    assert sweep_rules([BOX], just_within)[("B1", AlertRule.OFFLINE)] is False
    assert sweep_rules([BOX], just_within + timedelta(seconds=1))[("B1", AlertRule.OFFLINE)]


def test_offline_counts_from_commissioning_for_a_device_never_heard() -> None:
    fresh = DeviceState("B3", DeviceKind.BOX, 60.0, commissioned_at=NOW)
    assert sweep_rules([fresh], s(180))[("B3", AlertRule.OFFLINE)] is False
    assert sweep_rules([fresh], s(181))[("B3", AlertRule.OFFLINE)] is True
    assert evaluate_sweep([DeviceState("B4", DeviceKind.BOX)], NOW) == []


def test_camera_offline_waits_while_its_box_is_late() -> None:
    box = DeviceState("B1", DeviceKind.BOX, 30.0, last_heartbeat_at=s(-60))
    camera = DeviceState("B1-C1", DeviceKind.CAMERA, 30.0, box_id="B1", last_heartbeat_at=s(-95))
    verdicts = sweep_rules([box, camera], NOW)
    assert ("B1-C1", AlertRule.OFFLINE) not in verdicts  # the box's verdict comes first
    later = sweep_rules([box, camera], s(31))
    assert later[("B1", AlertRule.OFFLINE)] and later[("B1-C1", AlertRule.OFFLINE)]


def test_camera_offline_fires_at_once_when_its_box_is_alive() -> None:
    box = DeviceState("B1", DeviceKind.BOX, 30.0, last_heartbeat_at=s(-10))
    camera = DeviceState("B1-C1", DeviceKind.CAMERA, 30.0, box_id="B1", last_heartbeat_at=s(-95))
    assert sweep_rules([box, camera], NOW)[("B1-C1", AlertRule.OFFLINE)] is True


def test_clips_keep_a_camera_online_in_the_sweep() -> None:
    camera = apply_clip(
        DeviceState("C9", DeviceKind.CAMERA, 30.0, last_heartbeat_at=s(-3600)), s(-5)
    )
    assert sweep_rules([camera], NOW)[("C9", AlertRule.OFFLINE)] is False


def test_sweep_carries_the_parent_box_for_inhibition() -> None:
    findings = evaluate_sweep([CAMERA], NOW)
    assert {f.box_id for f in findings} == {"B1"}
    assert {f.at for f in findings} == {NOW}


# --- site mode ---------------------------------------------------------------------------------


def camera(name: str, silent_s: float, frames_ok: bool = True) -> DeviceState:
    """Return a camera of site S1 last heard `silent_s` ago."""
    heard = s(-silent_s)
    seen = heard if frames_ok else heard - timedelta(seconds=600)
    return DeviceState(
        name,
        DeviceKind.CAMERA,
        30.0,
        "B1",
        "S1",
        last_heartbeat_at=heard,
        frames_seen_at=seen,
        frames_reported_at=heard,
    )


def test_site_is_auto_while_one_camera_enforces() -> None:
    assert site_mode([camera("C1", 10), camera("C2", 500)], NOW) is SiteMode.AUTO


def test_site_is_manual_when_every_camera_is_offline_or_blind() -> None:
    assert site_mode([camera("C1", 91), camera("C2", 10, frames_ok=False)], NOW) is SiteMode.MANUAL


def test_site_without_cameras_is_manual_and_boxes_do_not_count() -> None:
    assert site_mode([], NOW) is SiteMode.MANUAL
    assert site_mode([BOX], NOW) is SiteMode.MANUAL


def test_site_modes_groups_by_site() -> None:
    other = DeviceState("C7", DeviceKind.CAMERA, 30.0, site_id="S2", last_heartbeat_at=s(-5))
    modes = site_modes([camera("C1", 1000), other, BOX], NOW)
    assert modes == {"S1": SiteMode.MANUAL, "S2": SiteMode.AUTO}


# --- battery runtime and distance --------------------------------------------------------------


@pytest.mark.parametrize(
    ("pct", "wh", "w", "minutes"),
    [(100, 1200, 80, 900.0), (50, 1200, 80, 450.0), (0, 1200, 80, 0.0), (25, 100, 100, 15.0)],
)
def test_runtime_estimate(pct: float, wh: float, w: float, minutes: float) -> None:
    assert estimated_runtime_minutes(pct, wh, w) == pytest.approx(minutes)


@pytest.mark.parametrize(
    ("args", "field"),
    [
        ((101, 1200, 80), "battery_pct"),
        ((50, 0, 80), "battery_capacity_wh"),
        ((50, 1200, 0), "load_w"),
    ],
)
def test_runtime_estimate_refuses_impossible_values(
    args: tuple[float, float, float], field: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        estimated_runtime_minutes(*args)
    assert caught.value.extra["field"] == field


def test_haversine_known_distances() -> None:
    # One degree of latitude is 111.2 km on the mean sphere.
    assert haversine_m(0, 0, 1, 0) == pytest.approx(111_195, rel=1e-4)
    # Karachi (Jinnah airport) to Lahore (Allama Iqbal airport): about 1,030 km great-circle.
    assert haversine_m(24.9065, 67.1608, 31.5216, 74.4036) == pytest.approx(1_030_000, rel=0.02)
    assert haversine_m(*HOME, *HOME) == 0.0
    assert haversine_m(0, 0, 0, 180) == pytest.approx(20_015_100, rel=1e-4)


def test_valid_position() -> None:
    assert valid_position(*HOME)
    assert not valid_position(91, 0) and not valid_position(0, 181)
    assert not valid_position(float("nan"), 0)


def test_config_thresholds_change_the_verdicts() -> None:
    strict = HealthConfig(move_limit_m=5.0, battery_low_pct=99.0)
    hb = beat(battery_pct=95.0, lat=HOME[0] + 10 / 111_195.0, lon=HOME[1])
    verdicts = by_rule(evaluate_heartbeat(BOX, hb, strict))
    assert verdicts[AlertRule.MOVED] and verdicts[AlertRule.BATTERY_LOW]


# --- uptime (SLA) ------------------------------------------------------------------------------


def test_uptime_full_when_beating_throughout() -> None:
    beats = [s(t) for t in range(-10, 3600, 30)]
    assert uptime_ratio(beats, NOW, s(3600), 30.0) == pytest.approx(1.0)


def test_uptime_counts_the_gap_beyond_the_offline_grace() -> None:
    # Beats until 1200 s, silence until 2400 s, beats again: down from 1290 to 2400.
    beats = [s(t) for t in range(0, 1201, 30)] + [s(t) for t in range(2400, 3600, 30)]
    assert uptime_ratio(beats, NOW, s(3600), 30.0) == pytest.approx(1 - 1110 / 3600)


def test_uptime_uses_a_sign_of_life_before_the_period_and_ignores_later_ones() -> None:
    assert uptime_ratio([s(-60), s(7200)], NOW, s(300), 30.0) == pytest.approx(30 / 300)
    assert uptime_ratio([], NOW, s(300), 30.0) == 0.0


def test_uptime_needs_a_real_period() -> None:
    with pytest.raises(InvalidInput):
        uptime_ratio([], NOW, NOW, 30.0)


def test_on_battery_without_a_sane_battery_registration_has_no_estimate() -> None:
    odd = DeviceState("B5", DeviceKind.BOX, battery_capacity_wh=-5.0, load_w=None)
    findings = evaluate_heartbeat(odd, beat("B5", mains_on=False, battery_pct=50.0))
    on_battery = next(f for f in findings if f.rule is AlertRule.ON_BATTERY)
    assert on_battery.firing and on_battery.detail == "mains lost"
