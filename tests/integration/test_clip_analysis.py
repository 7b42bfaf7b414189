"""A clip through the application: ingest over HTTP, analysis job, violation events, issuance.

The clip is rendered by the scene synthesiser with plates of registered vehicles (as the demo
does), so the registry answers and each event ends issued, in review or duplicate.
"""

from __future__ import annotations

import json
from pathlib import Path

import sqlalchemy as sa

from echallan.challans.events import EventStatus, ViolationEvent
from echallan.clips import analysis
from echallan.clips.models import Clip
from echallan.core import clock, deps
from echallan.core.extensions import db
from echallan.core.uow import unit_of_work
from tests.integration import factories as f


def register(app, calibration: dict) -> str:  # noqa: ANN001
    """Register the scene's camera and return its device key."""
    from echallan.staff import operations as admin

    with app.app_context(), unit_of_work():
        admin.register_camera(f.CAMERA_ID, calibration, actor="test")
        _, key = admin.create_api_client("cam", "device", ["clips:write"], "test", f.CAMERA_ID)
    return key


def test_uploaded_clip_becomes_events_and_decisions(app, client, scene) -> None:  # noqa: ANN001
    path, calibration, meta = scene
    key = register(app, calibration)
    response = f.upload(client, key, path, meta)
    assert response.status_code == 202
    with app.app_context():
        clip = db.session.get(Clip, response.json["clip_id"])
        assert clip.status == "analysed", clip.failure_reason
        events = db.session.scalars(sa.select(ViolationEvent)).all()
        assert events, "the scene was built with offences in it"
        for event in events:
            assert event.status in (
                EventStatus.ISSUED,
                EventStatus.IN_REVIEW,
                EventStatus.DUPLICATE,
            )
            assert len(event.evidence["frames"]) == 3
            assert all(Path(frame["path"]).is_file() for frame in event.evidence["frames"])
            assert event.evidence["clip_sha256"] == clip.sha256
        count = len(events)
    with app.app_context(), unit_of_work():  # a job delivered twice changes nothing
        clip = db.session.get(Clip, response.json["clip_id"])
        clip.status = "received"
    with app.app_context():
        with unit_of_work():
            claim = analysis.claim_clip(deps.of(app), response.json["clip_id"], clock.now())
        with unit_of_work():
            analysis.analyze_claimed(deps.of(app), claim)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ViolationEvent)) == count


def test_broken_clip_is_refused_at_ingest(app, client, scene) -> None:  # noqa: ANN001
    path, calibration, meta = scene
    key = register(app, calibration)
    truncated = path.read_bytes()[:4096]  # an mp4 header with no playable frames
    response = f.upload(client, key, truncated, json.dumps(meta))
    assert response.status_code == 422 and "truncated" in response.json["detail"]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Clip)) == 0


def test_unanalysable_clip_fails_with_a_reason_and_nothing_else(
    app, client, scene, tmp_path
) -> None:  # noqa: ANN001
    path, calibration, meta = scene
    key = register(app, calibration)
    small = f.tiny_clip(tmp_path / "small.mp4")  # decodes, but not at the calibrated size
    response = f.upload(client, key, small, json.dumps(meta))
    assert response.status_code == 202
    with app.app_context():
        clip = db.session.get(Clip, response.json["clip_id"])
        assert clip.status == "failed" and clip.failure_reason
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ViolationEvent)) == 0


def test_embedded_thread_workers_analyse_in_the_background(app, client, scene) -> None:  # noqa: ANN001
    """The embedded default: the request answers at once, a pool thread analyses the clip."""
    from echallan.core import jobs

    path, calibration, meta = scene
    key = register(app, calibration)
    app.config["JOBS_MODE"] = "thread"
    response = f.upload(client, key, path, meta)
    assert response.status_code == 202 and response.json["status"] == "received"
    jobs.wait_idle(timeout=300)
    with app.app_context():
        assert db.session.get(Clip, response.json["clip_id"]).status == "analysed"
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ViolationEvent)) > 0
