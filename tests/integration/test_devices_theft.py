"""The theft scenario end to end over the API, time compressed (a fake clock, sweeps at set times).

A box reports a position 500 m from where it was installed and goes silent with its cameras:
one alert (moved), the cameras' own verdicts inhibited, the site goes manual, an officer
records a field challan there, the box comes back and the alert resolves.
"""

# ruff: noqa: ANN001, ANN201, F811 - fixtures are imported, then named as arguments
from __future__ import annotations

import io
from pathlib import Path

import cv2
import numpy as np
import pytest
import sqlalchemy as sa

from echallan.bootstrap import reconfigure
from echallan.challans.events import OwnerSnapshot, ViolationEvent
from echallan.core.extensions import db
from echallan.devices.models import Alert, Site
from echallan.staff.models import Role
from tests.integration import device_factories as d
from tests.integration import factories as f
from tests.integration.device_factories import clock, receiver  # noqa: F401 - fixtures
from tests.integration.test_ingest import assert_problem

JPEG = cv2.imencode(".jpg", np.full((60, 80, 3), 128, np.uint8))[1].tobytes()  # a real photo


@pytest.fixture
def junction(app, clock, receiver) -> d.Junction:
    """The junction, an officer, and the control room listening on a webhook."""
    reconfigure(app, CONTROL_ROOM_WEBHOOK_URL=receiver.url)
    with app.app_context():
        junction = d.build_junction(clock.now)
        f.staff("officer1", Role.OFFICER)
    return junction


def every_device_beats(client, junction: d.Junction, clock, box_at=d.HOME) -> None:
    """Send one heartbeat from the box (at `box_at`) and from each camera."""
    box = d.body(clock.now, lat=box_at[0], lon=box_at[1])
    assert d.beat(client, junction.keys[d.BOX], d.BOX, box).status_code == 202
    for camera in d.CAMERAS:
        response = d.beat(client, junction.keys[camera], camera, d.camera_body(clock.now))
        assert response.status_code == 202


def open_alerts(app) -> list[tuple[str, str]]:
    """Return the open alerts as (device, rule)."""
    with app.app_context():
        query = sa.select(Alert.device_id, Alert.rule).where(Alert.status != "resolved")
        return sorted(tuple(row) for row in db.session.execute(query))


def site_mode(app) -> str:
    """Return the junction's stored mode."""
    with app.app_context():
        return db.session.get(Site, d.SITE).mode


def field_challan(client, clock, plate: str = "AZU-290", **changes):
    """POST a field challan as the signed-in officer."""
    form = {
        "photo": [(io.BytesIO(JPEG), "front.jpg"), (io.BytesIO(JPEG + b"2"), "plate.jpg")],
        "plate": plate,
        "vehicle_class": "car",
        "rule": "red_light",
        "site_id": d.SITE,
        "occurred_at": clock.now.isoformat(),
        **changes,
    }
    return client.post(
        "/api/v1/police/field-challans", data=form, content_type="multipart/form-data"
    )


def test_theft_one_alert_cameras_inhibited_manual_field_challan_and_recovery(
    app,
    client,
    junction,
    clock,
    receiver,
) -> None:
    for _ in range(4):  # two healthy minutes; the sweep puts the site in auto
        every_device_beats(client, junction, clock)
        d.sweep(app, clock.advance(5))
        clock.advance(25)
    assert site_mode(app) == "auto" and open_alerts(app) == []

    # The box is on a truck 500 m away; then it and its cameras fall silent.
    every_device_beats(client, junction, clock, box_at=d.AWAY)
    assert open_alerts(app) == [(d.BOX, "moved")]
    silent_from = clock.now
    for _ in range(6):  # three minutes of sweeps every 30 s
        report = d.sweep(app, clock.advance(30))
        assert report.opened == 0
    assert open_alerts(app) == [(d.BOX, "moved")], "one alert: the cameras are inhibited"
    assert report.inhibited >= 2 and site_mode(app) == "manual"
    assert receiver.types() == ["alert.opened"] and receiver.messages[0]["rule"] == "moved"

    # Manual enforcement: an officer records a red-light challan at the junction.
    f.sign_in(client, "officer1")
    response = field_challan(client, clock)
    assert response.status_code == 201, response.json
    with app.app_context():
        event = db.session.get(ViolationEvent, response.json["event_id"])
        assert event.source == "field" and event.camera_id is None and event.clip_id is None
        assert event.plate_read == "AZU-290" and event.observed_class == "car"
        assert event.evidence["site_mode"] == "manual" and len(event.evidence["photos"]) == 2
        assert event.status in ("issued", "in_review")  # the same pipeline as a camera's event
        assert db.session.scalar(sa.select(OwnerSnapshot.found)) is True

    # The box is recovered and reinstalled: everything beats again from home.
    back_at = clock.advance(60)
    for _ in range(12):
        every_device_beats(client, junction, clock)
        d.sweep(app, clock.advance(5))
        clock.advance(25)
    assert open_alerts(app) == [] and site_mode(app) == "auto"
    assert receiver.types() == ["alert.opened", "alert.resolved"]

    # The SLA report counts the cameras down from 90 s after their last beat until they came back.
    start, end = silent_from.isoformat(), clock.now.isoformat()
    report = client.get("/api/v1/ops/uptime", query_string={"start": start, "end": end})
    assert report.status_code == 200, report.json
    down = {row["device_id"]: row["down_s"] for row in report.json}
    expected = (back_at - silent_from).total_seconds() - 90
    assert down == {camera: pytest.approx(expected) for camera in d.CAMERAS}


def test_a_box_gone_silent_raises_one_alert_within_two_intervals_and_a_sweep(
    app,
    client,
    junction,
    clock,
) -> None:
    every_device_beats(client, junction, clock)
    last = clock.now
    while not open_alerts(app):
        d.sweep(app, clock.advance(30))
        assert (clock.now - last).total_seconds() <= 30 + 2 * 30 + 30, "too late"
    assert open_alerts(app) == [(d.BOX, "offline")]
    for _ in range(10):
        d.sweep(app, clock.advance(30))
    assert open_alerts(app) == [(d.BOX, "offline")]


def test_a_flapping_door_is_one_alert_not_dozens(app, client, junction, clock, receiver) -> None:
    for i in range(40):  # open, closed, open... every 30 s for 20 minutes
        payload = d.body(clock.now, door_open=i % 2 == 0)
        assert d.beat(client, junction.keys[d.BOX], d.BOX, payload).status_code == 202
        clock.advance(30)
    with app.app_context():
        alerts = db.session.scalars(sa.select(Alert)).all()
        assert [(a.rule, a.status) for a in alerts] == [("door_open", "firing")]
        assert alerts[0].flaps >= 3
    assert receiver.types().count("alert.opened") == 1


def test_field_challan_needs_an_officer_and_valid_fields(
    app,
    client,
    junction,
    clock,
) -> None:
    assert_problem(field_challan(client, clock), 401)
    f.sign_in(client, "officer1")
    bad = [
        ({"rule": "speeding"}, "rule"),
        ({"vehicle_class": "tank"}, "vehicle_class"),
        ({"plate": "-"}, "plate"),
        ({"occurred_at": "2030-01-01T00:00:00+00:00"}, "occurred_at"),
        ({"occurred_at": "yesterday"}, "occurred_at"),
        ({"photo": [(io.BytesIO(b"GIF89a" + bytes(50)), "x.gif")]}, "photo"),
        ({"photo": [(io.BytesIO(b"\xff\xd8\xff\xe0" + bytes(200)), "damaged.jpg")]}, "photo"),
    ]
    for changes, field in bad:
        body = assert_problem(field_challan(client, clock, **changes), 422)
        assert body["field"] == field, body
    assert_problem(field_challan(client, clock, site_id="SITE-404"), 404)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ViolationEvent)) == 0
    evidence = app.config["EVIDENCE_DIR"]
    assert not list(Path(evidence).glob("field/*/*"))
