"""Heartbeats over HTTP: stored and reconciled, or refused with nothing stored."""

# ruff: noqa: ANN001, ANN201, F811 - fixtures are imported, then named as arguments
from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from echallan.bootstrap import reconfigure
from echallan.challans.models import Notice
from echallan.core.extensions import db
from echallan.core.uow import unit_of_work
from echallan.devices.models import Alert, Device
from echallan.staff import operations as admin
from tests.integration import device_factories as d
from tests.integration.device_factories import clock, receiver  # noqa: F401 - fixtures
from tests.integration.test_ingest import assert_problem


@pytest.fixture
def junction(app, clock) -> d.Junction:
    """A site with a box and two cameras, each with its own key."""
    with app.app_context():
        return d.build_junction(clock.now)


def stored(app, device_id: str) -> Device:
    """Return a device row as stored (detached)."""
    with app.app_context():
        device = db.session.get(Device, device_id)
        db.session.expunge(device)
        return device


def alert_rules(app) -> list[tuple[str, str, str]]:
    """Return every alert as (device, rule, status), sorted."""
    with app.app_context():
        rows = db.session.execute(sa.select(Alert.device_id, Alert.rule, Alert.status)).all()
        return sorted(tuple(row) for row in rows)


def test_heartbeat_is_stored_with_its_readings(app, client, junction, clock) -> None:
    response = d.beat(client, junction.keys[d.BOX], d.BOX, d.body(clock.now, battery_pct=87.5))
    assert response.status_code == 202, response.json
    assert response.json["clock_trusted"] is True and response.json["opened"] == []
    box = stored(app, d.BOX)
    assert box.last_heartbeat_at == clock.now and box.battery_pct == 87.5
    assert box.mains_on is True and box.door_open is False and box.heartbeats_received == 1
    assert box.clock_offset_s == 0.0


def test_immediate_rules_open_alerts_on_the_beat(app, client, junction, clock) -> None:
    payload = d.body(clock.now, mains_on=False, battery_pct=15, door_open=True)
    response = d.beat(client, junction.keys[d.BOX], d.BOX, payload)
    assert response.status_code == 202
    assert sorted(response.json["opened"]) == ["battery_low", "door_open", "on_battery"]
    with app.app_context():
        detail = db.session.scalar(sa.select(Alert.detail).where(Alert.rule == "on_battery"))
    assert detail == "mains lost, battery 15%, about 135 min left"


def test_a_box_key_may_beat_for_its_cameras(client, junction, clock) -> None:
    response = d.beat(client, junction.keys[d.BOX], d.CAMERAS[0], d.camera_body(clock.now))
    assert response.status_code == 202


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"battery_pct": 101}, "battery_pct"),
        ({"battery_pct": -0.5}, "battery_pct"),
        ({"battery_pct": "full"}, "battery_pct"),
        ({"lat": 91.0}, "lat"),
        ({"lon": 181.0}, "lon"),
        ({"lon": None}, "lon"),
        ({"device_clock": "2026-11-25T05:00:00+00:00"}, "device_clock"),
        ({"device_clock": "2026-11-21T05:00:00+00:00"}, "device_clock"),
        ({"device_clock": "2026-11-23T05:00:00"}, "device_clock"),
        ({"device_clock": None}, "device_clock"),
        ({"device_clock": "0001-01-01T00:00:00+00:00"}, "device_clock"),
        ({"device_clock": "9999-12-31T23:59:59+14:00"}, "device_clock"),
        ({"device_clock": "0001-01-01T00:00:00-12:00"}, "device_clock"),
        ({"uptime_s": -1}, "uptime_s"),
        ({"door_open": "yes"}, "door_open"),
        ({"batery_pct": 50}, "batery_pct"),
    ],
)
def test_bad_values_are_refused_naming_the_field_and_nothing_is_stored(
    app,
    client,
    junction,
    clock,
    changes,
    field,
) -> None:
    # Firing readings beside the bad one: a partial store would open alerts.
    payload = d.body(clock.now, **{"mains_on": False, "door_open": True, **changes})
    body = assert_problem(d.beat(client, junction.keys[d.BOX], d.BOX, payload), 422)
    assert body["field"] == field
    box = stored(app, d.BOX)
    assert box.last_heartbeat_at is None and box.heartbeats_received == 0
    assert box.battery_pct is None and alert_rules(app) == []


def test_a_body_that_is_not_an_object_is_refused(client, junction, clock) -> None:
    for payload in ([1, 2], "beat", None):
        response = d.beat(client, junction.keys[d.BOX], d.BOX, payload)
        assert assert_problem(response, 422)["field"] == "body"


def test_unknown_device_is_404(app, client, junction, clock) -> None:
    with app.app_context():
        fleet = _fleet_key()
    assert_problem(d.beat(client, fleet, "BOX-999", d.body(clock.now)), 404)


def test_missing_or_wrong_key_is_401(client, junction, clock) -> None:
    assert_problem(d.beat(client, None, d.BOX, d.body(clock.now)), 401)
    assert_problem(d.beat(client, "abc.not-a-key", d.BOX, d.body(clock.now)), 401)
    key_id = junction.keys[d.BOX].split(".")[0]
    assert_problem(d.beat(client, f"{key_id}.wrong-secret", d.BOX, d.body(clock.now)), 401)


def test_key_without_scope_or_bound_elsewhere_is_403(app, client, junction, clock) -> None:
    other_camera = junction.keys[d.CAMERAS[1]]
    body = assert_problem(d.beat(client, other_camera, d.CAMERAS[0], d.camera_body(clock.now)), 403)
    assert d.CAMERAS[1] in body["detail"]
    assert_problem(d.beat(client, other_camera, d.BOX, d.body(clock.now)), 403)
    with app.app_context(), unit_of_work():
        _, clips_only = admin.create_api_client("cam", "device", ["clips:write"], "test", d.BOX)
    assert_problem(d.beat(client, clips_only, d.BOX, d.body(clock.now)), 403)
    assert stored(app, d.BOX).heartbeats_received == 0


def _fleet_key() -> str:
    """Create an unbound device key (a fleet key may beat for any device)."""
    with unit_of_work():
        _, key = admin.create_api_client("fleet", "device", ["heartbeats:write"], "test")
    return key


def test_alert_notices_go_to_the_control_room_once_per_key(
    app,
    client,
    junction,
    clock,
    receiver,
) -> None:
    reconfigure(app, CONTROL_ROOM_WEBHOOK_URL=receiver.url, CONTROL_ROOM_SMS="0300 1234567")
    d.beat(client, junction.keys[d.BOX], d.BOX, d.body(clock.now, door_open=True))
    d.beat(client, junction.keys[d.BOX], d.BOX, d.body(clock.advance(30), door_open=True))
    assert receiver.types() == ["alert.opened"]
    message = receiver.messages[0]
    assert message["rule"] == "door_open" and message["device_id"] == d.BOX
    assert receiver.keys == [f"alert:{message['alert_id']}:1:webhook"]
    with app.app_context():
        notices = db.session.execute(sa.select(Notice.channel, Notice.status)).all()
    assert sorted(notices) == [("alert_sms", "sent"), ("webhook", "sent")]
    sms = list(Path(app.config["SMS_OUTBOX_DIR"]).glob("*.json"))
    assert len(sms) == 1 and "door_open on BOX-001" in sms[0].read_text()


def test_a_refused_webhook_is_retried_later_not_lost(
    app, client, junction, clock, receiver
) -> None:
    reconfigure(app, CONTROL_ROOM_WEBHOOK_URL=receiver.url)
    receiver.status = 503
    d.beat(client, junction.keys[d.BOX], d.BOX, d.body(clock.now, door_open=True))
    with app.app_context():
        notice = db.session.scalar(sa.select(Notice))
        assert notice.status == "pending" and notice.attempts == 1
        assert "503" in notice.last_error


def test_metrics_count_devices_alerts_and_heartbeats(app, client, junction, clock) -> None:
    d.beat(client, junction.keys[d.BOX], d.BOX, d.body(clock.now, door_open=True))
    d.sweep(app, clock.advance(600))
    text = client.get("/metrics").text
    assert 'echallan_alerts_open{rule="door_open"} 1.0' in text
    assert 'echallan_devices_offline{kind="camera"} 2.0' in text
    assert 'echallan_devices_offline{kind="box"} 1.0' in text
    assert "echallan_heartbeats_received_total 1.0" in text
    assert 'echallan_sites{mode="manual"} 1.0' in text
