"""The alert lifecycle reducer: dedup, hold-down, flapping, repeats, inhibition, acknowledgement."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rules.errors import IllegalTransition, InvalidInput
from rules.health import (
    Alert,
    AlertChanges,
    AlertRule,
    AlertStatus,
    Finding,
    HealthConfig,
    Severity,
    acknowledge,
    apply_changes,
    reconcile,
)

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
CONFIG = HealthConfig()
PARENT = {"B1": None, "B2": None, "C1": "B1", "C2": "B2"}


def s(seconds: float) -> datetime:
    """Return NOW shifted by `seconds`."""
    return NOW + timedelta(seconds=seconds)


def f(device: str, rule: AlertRule, firing: bool = True, at: float = 0) -> Finding:
    """Return a finding for one of the test devices."""
    return Finding(device, rule, firing, s(at), PARENT.get(device), f"{rule} {firing}")


def opened(device: str, rule: AlertRule, at: float = 0, **changes: object) -> Alert:
    """Return an alert opened `at` seconds after NOW."""
    alert = Alert(
        device, rule, AlertStatus.FIRING, s(at), s(at), Severity.CRITICAL, PARENT.get(device)
    )
    return replace(alert, **changes)  # type: ignore[arg-type]


def keys(alerts: list[Alert]) -> list[tuple[str, AlertRule]]:
    """Return the dedup keys of alerts."""
    return [a.key for a in alerts]


def test_firing_finding_opens_one_alert_even_when_repeated_in_a_batch() -> None:
    batch = [f("B1", AlertRule.DOOR_OPEN, at=0), f("B1", AlertRule.DOOR_OPEN, at=30)]
    changes = reconcile([], batch, s(30))
    assert keys(changes.to_open) == [("B1", AlertRule.DOOR_OPEN)]
    alert = changes.to_open[0]
    assert alert.status is AlertStatus.FIRING and alert.opened_at == NOW
    assert alert.last_notified_at == s(30) and alert.severity is Severity.CRITICAL


def test_clear_finding_without_alert_changes_nothing() -> None:
    assert reconcile([], [f("B1", AlertRule.OFFLINE, False)], NOW) == AlertChanges(
        [], [], [], [], []
    )


def test_firing_again_on_an_open_alert_is_deduplicated() -> None:
    alert = opened("B1", AlertRule.MOVED)
    changes = reconcile([alert], [f("B1", AlertRule.MOVED, at=30)], s(30))
    assert changes == AlertChanges([], [], [], [], [])


def test_clear_starts_hold_down_then_resolves_after_hold_and_minimum_duration() -> None:
    alert = opened("B1", AlertRule.DOOR_OPEN)
    cleared = reconcile([alert], [f("B1", AlertRule.DOOR_OPEN, False, at=60)], s(60))
    assert [a.clear_since for a in cleared.to_update] == [s(60)]
    held = cleared.to_update
    # 120 s hold-down is over at 180 s, but the alert must live 300 s.
    assert reconcile(held, [], s(299)).to_resolve == []
    resolved = reconcile(held, [], s(300)).to_resolve
    assert [(a.status, a.resolved_at) for a in resolved] == [(AlertStatus.RESOLVED, s(300))]


def test_hold_down_counts_from_the_clear() -> None:
    alert = opened("B1", AlertRule.DOOR_OPEN, clear_since=s(400))
    assert reconcile([alert], [], s(519)).to_resolve == []
    assert keys(reconcile([alert], [], s(520)).to_resolve) == [("B1", AlertRule.DOOR_OPEN)]


def test_firing_during_hold_down_keeps_the_alert_and_counts_a_flap() -> None:
    alert = opened("B1", AlertRule.ON_BATTERY, clear_since=s(30))
    changes = reconcile([alert], [f("B1", AlertRule.ON_BATTERY, at=60)], s(60))
    assert changes.to_open == []
    assert [(a.clear_since, a.flaps) for a in changes.to_update] == [(None, 1)]


def test_flapping_alert_needs_the_longer_flap_window_to_resolve() -> None:
    alert = opened("B1", AlertRule.ON_BATTERY, flaps=CONFIG.flap_threshold, clear_since=s(1000))
    assert reconcile([alert], [], s(1000 + CONFIG.resolve_hold_s)).to_resolve == []
    assert reconcile([alert], [], s(1000 + CONFIG.flap_window_s)).to_resolve


def test_unacknowledged_firing_alert_is_renotified_each_repeat_interval() -> None:
    alert = opened("B1", AlertRule.MOVED)
    repeat = CONFIG.repeat_interval_s
    assert reconcile([alert], [], s(repeat - 1)).to_renotify == []
    again = reconcile([alert], [], s(repeat)).to_renotify
    assert [a.last_notified_at for a in again] == [s(repeat)]
    assert reconcile(again, [], s(repeat + 60)).to_renotify == []


def test_acknowledged_or_clearing_alerts_are_not_renotified() -> None:
    acked = acknowledge(opened("B1", AlertRule.MOVED), "Insp. Rana", s(10))
    clearing = opened("B2", AlertRule.MOVED, clear_since=s(1))
    late = s(10 * CONFIG.repeat_interval_s)
    changes = reconcile([acked, clearing], [], late)
    assert changes.to_renotify == []


def test_box_offline_alert_inhibits_its_cameras_but_not_others() -> None:
    box_down = opened("B1", AlertRule.OFFLINE)
    batch = [
        f("C1", AlertRule.OFFLINE),
        f("C1", AlertRule.NO_FRAMES),
        f("C1", AlertRule.CLOCK_DRIFT),
        f("C2", AlertRule.OFFLINE),
    ]
    changes = reconcile([box_down], batch, NOW)
    assert keys(changes.to_open) == [("C1", AlertRule.CLOCK_DRIFT), ("C2", AlertRule.OFFLINE)]
    assert [(x.device_id, x.rule) for x in changes.inhibited] == [
        ("C1", AlertRule.OFFLINE),
        ("C1", AlertRule.NO_FRAMES),
    ]


def test_box_and_cameras_offline_in_one_sweep_give_one_alert() -> None:
    batch = [f("C1", AlertRule.OFFLINE), f("B1", AlertRule.OFFLINE)]
    assert keys(reconcile([], batch, NOW).to_open) == [("B1", AlertRule.OFFLINE)]


def test_theft_alert_inhibits_the_box_going_offline_and_its_cameras() -> None:
    stolen = opened("B1", AlertRule.MOVED)
    batch = [f("B1", AlertRule.OFFLINE), f("C1", AlertRule.OFFLINE)]
    changes = reconcile([stolen], batch, s(100))
    assert changes.to_open == []
    assert len(changes.inhibited) == 2


def test_inhibited_open_alert_is_not_renotified() -> None:
    camera = opened("C1", AlertRule.OFFLINE)
    box = opened("B1", AlertRule.OFFLINE, at=10)
    changes = reconcile([camera, box], [], s(CONFIG.repeat_interval_s + 20))
    assert keys(changes.to_renotify) == [("B1", AlertRule.OFFLINE)]


def test_inhibitions_are_configurable() -> None:
    changes = reconcile(
        [opened("B1", AlertRule.OFFLINE)],
        [f("C1", AlertRule.OFFLINE)],
        NOW,
        HealthConfig(inhibitions=()),
    )
    assert keys(changes.to_open) == [("C1", AlertRule.OFFLINE)]


def test_resolved_alerts_given_as_open_are_ignored() -> None:
    old = opened("B1", AlertRule.DOOR_OPEN, status=AlertStatus.RESOLVED, resolved_at=s(1))
    changes = reconcile([old], [f("B1", AlertRule.DOOR_OPEN, at=5)], s(5))
    assert keys(changes.to_open) == [("B1", AlertRule.DOOR_OPEN)]


def test_apply_changes_keeps_exactly_the_open_alerts() -> None:
    stay = opened("B1", AlertRule.MOVED)
    go = opened("B2", AlertRule.DOOR_OPEN, clear_since=s(1))
    changes = reconcile([stay, go], [f("C2", AlertRule.NO_FRAMES, at=600)], s(600))
    after = apply_changes([stay, go], changes)
    assert sorted(keys(after)) == [("B1", AlertRule.MOVED), ("C2", AlertRule.NO_FRAMES)]


def test_acknowledge_records_who_and_when_and_is_idempotent() -> None:
    acked = acknowledge(opened("B1", AlertRule.MOVED), "Insp. Rana", s(60))
    assert (acked.status, acked.acknowledged_by, acked.acknowledged_at) == (
        AlertStatus.ACKNOWLEDGED,
        "Insp. Rana",
        s(60),
    )
    assert acknowledge(acked, "someone else", s(90)) == acked


def test_acknowledge_refuses_resolved_alerts_and_anonymous_people() -> None:
    with pytest.raises(IllegalTransition):
        acknowledge(opened("B1", AlertRule.MOVED, status=AlertStatus.RESOLVED), "Rana", NOW)
    with pytest.raises(InvalidInput):
        acknowledge(opened("B1", AlertRule.MOVED), "  ", NOW)


def test_acknowledged_alert_still_resolves_when_the_condition_clears() -> None:
    acked = acknowledge(opened("B1", AlertRule.DOOR_OPEN), "Rana", s(5))
    changes = reconcile([acked], [f("B1", AlertRule.DOOR_OPEN, False, at=10)], s(10))
    later = reconcile(changes.to_update, [], s(400))
    assert [a.status for a in later.to_resolve] == [AlertStatus.RESOLVED]


# --- properties over random histories ----------------------------------------------------------

RULES = [AlertRule.OFFLINE, AlertRule.MOVED, AlertRule.DOOR_OPEN, AlertRule.NO_FRAMES]
finding_specs = st.tuples(st.sampled_from(sorted(PARENT)), st.sampled_from(RULES), st.booleans())
steps = st.lists(
    st.tuples(st.integers(0, 400), st.lists(finding_specs, max_size=6), st.booleans()),
    max_size=40,
)


@settings(max_examples=200, deadline=None)
@given(steps)
def test_reconcile_keeps_one_open_alert_per_key_and_honours_its_rules(
    history: list[tuple[int, list[tuple[str, AlertRule, bool]], bool]],
) -> None:
    alerts: list[Alert] = []
    now = NOW
    for advance, specs, ack in history:
        now += timedelta(seconds=advance)
        findings = [Finding(d, r, firing, now, PARENT[d]) for d, r, firing in specs]
        before = {a.key: a for a in alerts}
        changes = reconcile(alerts, findings, now)
        check_changes(before, changes, now)
        alerts = apply_changes(alerts, changes)
        assert len(keys(alerts)) == len(set(keys(alerts)))
        if ack:
            alerts = [acknowledge(a, "ops", now) for a in alerts]


def check_changes(
    before: dict[tuple[str, AlertRule], Alert], changes: AlertChanges, now: datetime
) -> None:
    """Assert the invariants of one reconcile step."""
    listed = keys(changes.to_open + changes.to_update + changes.to_renotify + changes.to_resolve)
    assert len(listed) == len(set(listed)), "an alert appears in one list only"
    for alert in changes.to_open:
        assert alert.key not in before and alert.status is AlertStatus.FIRING
        box = PARENT[alert.device_id]
        if box and alert.rule in (AlertRule.OFFLINE, AlertRule.NO_FRAMES):
            assert (box, AlertRule.OFFLINE) not in before and (box, AlertRule.MOVED) not in before
    for alert in changes.to_resolve:
        assert alert.key in before
        assert (now - alert.opened_at).total_seconds() >= CONFIG.min_firing_s
        assert alert.clear_since is not None
        assert (now - alert.clear_since).total_seconds() >= CONFIG.resolve_hold_s
    for alert in changes.to_renotify:
        assert before[alert.key].status is AlertStatus.FIRING
