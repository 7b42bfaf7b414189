"""Issue 6 scenarios over simulated time: theft, a silent box, clips as liveness, flapping."""

from __future__ import annotations

from rules.health import AlertRule, HealthConfig, SiteMode, acknowledge
from tests.unit.rules.health_sim import HOME, INTERVAL, SWEEP_PERIOD, Network, at, junction, normal

THEFT_AT = 600
BACK_AT = 1800
# 0.0027 degrees of latitude is about 300 m: the box is in a van driving away.
STOLEN = {"lat": HOME[0] + 0.0027, "lon": HOME[1]}
DEADLINE = 2 * INTERVAL + SWEEP_PERIOD  # the target for the first alert


def theft(device_id: str, t: int) -> dict[str, object] | None:
    """The box reports a far position once, then it and its cameras go dark until BACK_AT."""
    if THEFT_AT <= t < BACK_AT:
        if device_id == "B1" and t == THEFT_AT:
            return {**normal("B1"), **STOLEN}
        return None
    return normal(device_id)


def silence(device_id: str, t: int) -> dict[str, object] | None:
    """The box and its cameras stop at THEFT_AT without a word, and return at BACK_AT."""
    return None if THEFT_AT <= t < BACK_AT else normal(device_id)


def test_quiet_network_raises_nothing() -> None:
    net = Network(junction())
    net.run(0, 3600, normal_behaviour)
    assert net.opened == []
    assert net.mode("S1", at(3600)) is SiteMode.AUTO


def normal_behaviour(device_id: str, t: int) -> dict[str, object]:
    """Every device healthy all the time."""
    return normal(device_id)


def test_theft_raises_exactly_one_alert_in_time_and_inhibits_cameras() -> None:
    net = Network(junction())
    net.run(0, THEFT_AT + int(DEADLINE) + 5, theft)
    assert [(a.device_id, a.rule) for a in net.opened] == [("B1", AlertRule.MOVED)]
    assert net.opened[0].opened_at <= at(THEFT_AT + DEADLINE)
    assert "m from its registered position" in net.opened[0].detail

    net.run(THEFT_AT + int(DEADLINE) + 5, BACK_AT, theft)
    assert len(net.opened) == 1, [(a.device_id, a.rule) for a in net.opened]
    inhibited = {(f.device_id, f.rule) for f in net.inhibited}
    assert ("B1-C1", AlertRule.OFFLINE) in inhibited
    assert ("B1", AlertRule.OFFLINE) in inhibited  # the theft alert explains the silence
    assert net.mode("S1", at(BACK_AT - 1)) is SiteMode.MANUAL


def test_site_goes_manual_once_cameras_count_as_offline() -> None:
    net = Network(junction())
    net.run(0, THEFT_AT + 200, theft)
    assert net.mode("S1", at(THEFT_AT)) is SiteMode.AUTO
    # The last camera beat was at most one interval before the theft; offline after 3 more.
    assert net.mode("S1", at(THEFT_AT + 3 * INTERVAL + 1)) is SiteMode.MANUAL


def test_box_back_home_resolves_every_alert_and_site_returns_to_auto() -> None:
    net = Network(junction())
    net.run(0, BACK_AT, theft)
    assert net.alerts
    config = net.config
    net.run(BACK_AT, BACK_AT + int(config.resolve_hold_s) + 2 * SWEEP_PERIOD, theft)
    assert net.alerts == []
    assert [(a.rule, a.status) for a in net.resolved] == [(AlertRule.MOVED, "resolved")]
    assert net.mode("S1", at(BACK_AT + 60)) is SiteMode.AUTO


def test_silent_box_raises_one_offline_alert_within_two_intervals_and_a_sweep() -> None:
    net = Network(junction())
    net.run(0, BACK_AT, silence)
    assert [(a.device_id, a.rule) for a in net.opened] == [("B1", AlertRule.OFFLINE)]
    # The box's last beat was at THEFT_AT - INTERVAL; its first missed beat was due at THEFT_AT.
    assert net.opened[0].opened_at <= at(THEFT_AT + DEADLINE)
    cameras_silenced = {f.device_id for f in net.inhibited if f.rule is AlertRule.OFFLINE}
    assert cameras_silenced == {"B1-C1", "B1-C2", "B1-C3"}
    net.run(BACK_AT, BACK_AT + 300, silence)
    assert net.alerts == []


def test_silent_cameras_behind_a_live_box_each_raise_their_own_alert() -> None:
    def cameras_dead(device_id: str, t: int) -> dict[str, object] | None:
        return None if t >= THEFT_AT and device_id != "B1" else normal(device_id)

    net = Network(junction())
    net.run(0, THEFT_AT + 300, cameras_dead)
    assert sorted(a.device_id for a in net.opened) == ["B1-C1", "B1-C2", "B1-C3"]
    assert {a.rule for a in net.opened} == {AlertRule.OFFLINE}
    assert net.mode("S1", at(THEFT_AT + 300)) is SiteMode.MANUAL


def test_camera_sending_clips_is_alive_without_heartbeats() -> None:
    def no_camera_beats(device_id: str, t: int) -> dict[str, object] | None:
        return normal(device_id) if device_id == "B1" else None

    net = Network(junction(cameras=1))
    for t in range(0, 1200, 5):
        net.run(t, t + 5, no_camera_beats)
        if t % 20 == 0:
            net.clip("B1-C1", at(t))
    assert net.opened == []
    assert net.mode("S1", at(1200)) is SiteMode.AUTO


def test_camera_alive_without_frames_raises_no_frames_and_site_goes_manual() -> None:
    def blind(device_id: str, t: int) -> dict[str, object] | None:
        if device_id == "B1-C1" and t >= THEFT_AT:
            return {"frames_since_last": 0}
        return normal(device_id)

    net = Network(junction(cameras=1))
    net.run(0, THEFT_AT + 120, blind)
    assert [(a.device_id, a.rule) for a in net.opened] == [("B1-C1", AlertRule.NO_FRAMES)]
    assert net.mode("S1", at(THEFT_AT + 120)) is SiteMode.MANUAL


def test_mains_bouncing_every_30_s_for_an_hour_gives_one_alert_then_resolves() -> None:
    def bouncing(device_id: str, t: int) -> dict[str, object] | None:
        readings = normal(device_id)
        if device_id == "B1" and 600 <= t < 4200:
            readings["mains_on"] = (t // 30) % 2 == 0
        return readings

    config = HealthConfig()
    net = Network(junction(), config)
    net.run(0, 4200, bouncing)
    assert [(a.device_id, a.rule) for a in net.opened] == [("B1", AlertRule.ON_BATTERY)]
    assert net.alerts[0].flaps >= config.flap_threshold
    # Repeats follow the repeat interval, not the bounces.
    assert len(net.renotified) <= 3600 / config.repeat_interval_s
    net.run(4200, 4200 + int(config.flap_window_s) + 60, bouncing)
    assert net.alerts == []
    assert len(net.opened) == 1


def test_connection_bouncing_gives_one_offline_alert() -> None:
    def flaky(device_id: str, t: int) -> dict[str, object] | None:
        # Online one minute, silent two, for an hour: the cameras ride on the box's uplink.
        if 600 <= t < 4200 and (t // 60) % 3 != 0:
            return None
        return normal(device_id)

    net = Network(junction())
    net.run(0, 4200, flaky)
    assert [(a.device_id, a.rule) for a in net.opened] == [("B1", AlertRule.OFFLINE)]


def test_unacknowledged_theft_alert_is_repeated_and_acknowledged_one_is_not() -> None:
    def never_back(device_id: str, t: int) -> dict[str, object] | None:
        return theft(device_id, t) if t < BACK_AT else None

    net = Network(junction())
    repeat = int(net.config.repeat_interval_s)
    net.run(0, THEFT_AT + 2 * repeat + 60, never_back)
    assert [(a.device_id, a.rule) for a in net.renotified] == [("B1", AlertRule.MOVED)] * 2
    now = at(THEFT_AT + 2 * repeat + 60)
    net.alerts = [acknowledge(a, "control room: Insp. Rana", now) for a in net.alerts]
    net.run(THEFT_AT + 2 * repeat + 60, THEFT_AT + 4 * repeat + 60, never_back)
    assert len(net.renotified) == 2
    assert len(net.opened) == 1
