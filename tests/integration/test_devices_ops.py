"""Operations over HTTP: registering the network, reading its state, acknowledging alerts; clips
as signs of life; the sweep command and the in-process scheduler."""

# ruff: noqa: ANN001, ANN201, F811 - fixtures are imported, then named as arguments
from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa

from echallan.audit.models import AuditEntry
from echallan.bootstrap import reconfigure
from echallan.challans.models import Notice
from echallan.clips.models import Clip
from echallan.core.extensions import db
from echallan.devices.models import Device
from echallan.scheduler import Scheduler, Sweep
from echallan.staff.models import Role
from tests.integration import device_factories as d
from tests.integration import factories as f
from tests.integration.device_factories import clock, receiver  # noqa: F401 - fixtures
from tests.integration.test_ingest import assert_problem


@pytest.fixture
def junction(app, clock) -> d.Junction:
    """The junction, plus an officer and an administrator."""
    with app.app_context():
        junction = d.build_junction(clock.now)
        f.staff("officer1", Role.OFFICER)
        f.staff("admin1", Role.ADMIN)
    return junction


def test_admin_registers_a_site_box_and_camera_with_keys(app, client, clock) -> None:
    with app.app_context():
        f.staff("admin1", Role.ADMIN)
        f.camera("KHI-0100")
    f.sign_in(client, "admin1")
    site = {"id": "SITE-100", "name": "Nursery", "lat": 24.86, "lon": 67.06}
    assert client.post("/api/v1/ops/sites", json=site).status_code == 201
    box = {"id": "BOX-100", "kind": "box", "site_id": "SITE-100", "lat": 24.86, "lon": 67.06}
    box |= {"battery_capacity_wh": 1500, "load_w": 90, "issue_key": True}
    created = client.post("/api/v1/ops/devices", json=box)
    assert created.status_code == 201, created.json
    assert created.json["api_key"] and created.json["commissioned_at"]
    camera = {"id": "KHI-0100", "kind": "camera", "box_id": "BOX-100", "issue_key": True}
    created = client.post("/api/v1/ops/devices", json=camera)
    assert created.status_code == 201, created.json
    assert created.json["site_id"] == "SITE-100" and created.json["box_id"] == "BOX-100"
    key = created.json["api_key"]
    assert d.beat(client, key, "KHI-0100", d.camera_body(clock.now)).status_code == 202
    assert_problem(client.post("/api/v1/ops/devices", json=camera), 409)
    missing = {"id": "KHI-0404", "kind": "camera", "box_id": "BOX-100"}
    assert_problem(client.post("/api/v1/ops/devices", json=missing), 404)
    no_site = {"id": "BOX-101", "kind": "box"}
    assert assert_problem(client.post("/api/v1/ops/devices", json=no_site), 422)["field"] == (
        "site_id"
    )
    with app.app_context():
        actions = db.session.scalars(sa.select(AuditEntry.action)).all()
    assert actions.count("device.registered") == 2 and "site.registered" in actions


def test_only_admins_register_and_only_staff_read(app, client, junction) -> None:
    assert_problem(client.get("/api/v1/ops/alerts"), 401)
    f.sign_in(client, "officer1")
    assert client.get("/api/v1/ops/devices").status_code == 200
    assert_problem(client.post("/api/v1/ops/sites", json={"id": "S-2"}), 403)


def test_staff_see_sites_devices_and_live_status(app, client, junction, clock) -> None:
    d.beat(client, junction.keys[d.BOX], d.BOX, d.body(clock.now, mains_on=False, battery_pct=50))
    for camera in d.CAMERAS:
        d.beat(client, junction.keys[camera], camera, d.camera_body(clock.now))
    d.sweep(app, clock.advance(5))
    f.sign_in(client, "officer1")
    sites = client.get("/api/v1/ops/sites").json
    assert [(s["id"], s["mode"]) for s in sites] == [(d.SITE, "auto")]
    detail = client.get(f"/api/v1/ops/sites/{d.SITE}").json
    assert sorted(x["id"] for x in detail["devices"]) == sorted([d.BOX, *d.CAMERAS])
    boxes = client.get("/api/v1/ops/devices", query_string={"kind": "box"}).json
    assert len(boxes) == 1 and boxes[0]["status"]["online"] is True
    assert boxes[0]["status"]["runtime_minutes"] == 450.0  # 50 % of 1200 Wh at 80 W
    camera = client.get(f"/api/v1/ops/devices/{d.CAMERAS[0]}").json
    assert camera["status"]["can_enforce"] is True and camera["status"]["clock_trusted"] is True
    page = client.get("/api/v1/ops/devices", query_string={"limit": 2, "offset": 1}).json
    assert [x["id"] for x in page] == sorted([d.BOX, *d.CAMERAS])[1:3]
    assert_problem(client.get("/api/v1/ops/devices/NOPE"), 404)
    assert_problem(client.get("/api/v1/ops/sites/NOPE"), 404)
    # an offset past any database's integers was a 500 (found by schemathesis)
    too_far = client.get("/api/v1/ops/devices", query_string={"offset": 10**20})
    assert "offset" in assert_problem(too_far, 422)["errors"]["query"]


def test_acknowledging_stops_repeats_and_is_audited(app, client, junction, clock, receiver) -> None:
    reconfigure(app, CONTROL_ROOM_WEBHOOK_URL=receiver.url)
    for _ in range(3):  # door left open; the repeat interval is 30 minutes
        d.beat(client, junction.keys[d.BOX], d.BOX, d.body(clock.now, door_open=True))
        clock.advance(1800)
    assert receiver.types() == ["alert.opened", "alert.repeat", "alert.repeat"]
    f.sign_in(client, "officer1")
    alerts = client.get("/api/v1/ops/alerts").json
    assert [(a["rule"], a["status"], a["notifications"]) for a in alerts] == [
        ("door_open", "firing", 3)
    ]
    acked = client.post(f"/api/v1/ops/alerts/{alerts[0]['id']}/acknowledge")
    assert acked.status_code == 200, acked.json
    assert acked.json["status"] == "acknowledged"
    assert acked.json["acknowledged_by"] == "user:officer1"
    d.beat(client, junction.keys[d.BOX], d.BOX, d.body(clock.now, door_open=True))
    d.beat(client, junction.keys[d.BOX], d.BOX, d.body(clock.advance(3600), door_open=True))
    assert len(receiver.messages) == 3, "no repeats once acknowledged"
    with app.app_context():
        actions = db.session.scalars(sa.select(AuditEntry.action)).all()
        keys = db.session.scalars(sa.select(Notice.idempotency_key)).all()
    assert actions.count("alert.acknowledged") == 1
    assert len(set(keys)) == 3
    f.sign_in(client, "officer1")  # an hour on: the idle session has lapsed (issue 23)
    assert_problem(client.post("/api/v1/ops/alerts/999999/acknowledge"), 404)
    assert client.post(f"/api/v1/ops/alerts/{10**20}/acknowledge").status_code == 404


def test_resolved_alerts_cannot_be_acknowledged(app, client, junction, clock) -> None:
    d.beat(client, junction.keys[d.BOX], d.BOX, d.body(clock.now, door_open=True))
    for _ in range(12):  # closed for six minutes: past the hold-down and the minimum life
        d.beat(client, junction.keys[d.BOX], d.BOX, d.body(clock.advance(30)))
    f.sign_in(client, "officer1")
    everything = client.get("/api/v1/ops/alerts", query_string={"include_resolved": "true"}).json
    assert [a["status"] for a in everything] == ["resolved"]
    assert client.get("/api/v1/ops/alerts").json == []
    assert_problem(client.post(f"/api/v1/ops/alerts/{everything[0]['id']}/acknowledge"), 409)


def test_uptime_report_needs_a_real_period(client, junction) -> None:
    f.sign_in(client, "officer1")
    period = {"start": "2026-11-23T06:00:00+00:00", "end": "2026-11-23T05:00:00+00:00"}
    body = assert_problem(client.get("/api/v1/ops/uptime", query_string=period), 422)
    assert body["field"] == "end"
    assert_problem(client.get("/api/v1/ops/uptime", query_string={"start": "x"}), 422)


def test_a_clip_is_a_sign_of_life_and_a_drifting_clock_flags_it(
    app, client, junction, clock, tmp_path
) -> None:
    app.config["JOBS_MODE"] = "defer"
    camera = d.CAMERAS[0]
    key = junction.keys[camera]
    drifting = d.camera_body(clock.now + timedelta(seconds=7))  # its clock runs 7 s fast
    assert d.beat(client, key, camera, drifting).json["clock_trusted"] is False
    meta = f.meta(camera, started_at=(clock.now - timedelta(seconds=20)).isoformat())
    response = f.upload(client, key, f.tiny_clip(tmp_path / "a.mp4"), meta, camera)
    assert response.status_code == 202, response.json
    d.beat(client, key, camera, d.camera_body(clock.now))  # back in sync
    second = f.upload(client, key, f.tiny_clip(tmp_path / "b.mp4", seed=1), meta, camera)
    with app.app_context():
        first_clip = db.session.get(Clip, response.json["clip_id"])
        second_clip = db.session.get(Clip, second.json["clip_id"])
        device = db.session.get(Device, camera)
        assert first_clip.meta["clock_drift"] is True and first_clip.meta["clock_offset_s"] == 7
        assert "clock_drift" not in second_clip.meta
        assert device.last_clip_at is not None and device.frames_seen_at == device.last_clip_at


def test_sweep_command_prints_its_report(app, runner, junction, clock) -> None:
    later = clock.advance(600).isoformat()
    result = runner.invoke(["sweep-devices", "--at", later])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["devices"] == 3 and report["opened"] == 1 and report["inhibited"] == 2
    assert report["outages_started"] == 3
    assert runner.invoke(["sweep-devices", "--at", "soon"]).exit_code != 0


def test_scheduler_runs_sweeps_in_their_own_unit_of_work(app, junction) -> None:
    ran: list[str] = []

    def count_devices(now) -> int:
        ran.append(now.isoformat())
        return db.session.scalar(sa.select(sa.func.count()).select_from(Device))

    def broken(now) -> None:
        raise RuntimeError("a bad sweep must not kill the thread")

    scheduler = Scheduler(
        app, [Sweep("count", "x", 0.05, count_devices), Sweep("bad", "y", 0.05, broken)]
    )
    assert scheduler.run_once(scheduler.planned[0]) == 3
    scheduler.start()
    deadline = time.monotonic() + 5
    while len(ran) < 4 and time.monotonic() < deadline:
        time.sleep(0.02)
    scheduler.stop()
    assert len(ran) >= 4 and not scheduler.thread.is_alive()


def test_scheduler_starts_with_the_first_request_only_when_enabled(
    app, client, database_url, tmp_path
) -> None:
    from tests.integration.conftest import make_app

    client.get("/healthz")
    assert "scheduler" not in app.extensions  # SCHEDULER_ENABLED is off in tests
    periods = (
        "SWEEP_DEVICES_PERIOD_S",
        "SWEEP_PERIOD_S",
        "SWEEP_CLIPS_PERIOD_S",
        "SWEEP_ORPHANS_PERIOD_S",
        "SWEEP_WALLETS_PERIOD_S",
    )
    hourly = dict.fromkeys(periods, 3600)
    enabled = make_app(database_url, tmp_path / "ev", SCHEDULER_ENABLED=True, **hourly)
    assert "scheduler" not in enabled.extensions  # not before it serves
    enabled.test_client().get("/healthz")
    started = enabled.extensions["scheduler"]
    assert [s.name for s in started.planned] == [
        "devices",
        "pipeline",
        "clips",
        "orphans",
        "contest-orphans",
        "wallets",
        "audit-anchor",
    ]
    assert started.thread.is_alive()
    started.stop()
    from echallan.core.jobs import celery

    assert celery.conf.beat_schedule["sweep-devices"]["task"] == "echallan.sweep_devices"


def test_one_process_per_host_leads_the_sweeps(tmp_path) -> None:
    from echallan.scheduler import LeaderLock

    first, second = LeaderLock(str(tmp_path / "s.lock")), LeaderLock(str(tmp_path / "s.lock"))
    assert first.acquire() and first.acquire()
    assert not second.acquire()
    first.release()
    assert second.acquire()
    second.release()
