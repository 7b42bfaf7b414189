"""A clip through the application: ingest over HTTP, analysis job, violation events, issuance.

The clip is rendered by the scene synthesiser with plates of registered vehicles (as the demo
does), so the registry answers and each event ends issued, in review or duplicate.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from echallan import demo
from echallan.extensions import db
from echallan.models import Clip, EventStatus, ViolationEvent
from echallan.services import analysis
from echallan.uow import unit_of_work
from tests.integration import factories as f

SCENE_SEED = 7


@pytest.fixture(scope="module")
def scene(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict, dict]:
    """Render one short synthetic junction clip; return (clip, calibration, metadata)."""
    from vision.scenes import calibration_for, metadata_for, random_scene_spec, render_scene

    spec = random_scene_spec(SCENE_SEED, size=(1280, 720), duration_s=10.0, night=False)
    spec = demo.with_registry_plates(spec, SCENE_SEED)
    path = tmp_path_factory.mktemp("scene") / "scene.mp4"
    render_scene(spec, path)
    calibration = {**calibration_for((1280, 720)), "camera_id": f.CAMERA_ID}
    return path, calibration, {**metadata_for(spec), "camera_id": f.CAMERA_ID}


def register(app, calibration: dict) -> str:  # noqa: ANN001
    """Register the scene's camera and return its device key."""
    from echallan.services import admin

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
            analysis.analyze_stored_clip(response.json["clip_id"])
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ViolationEvent)) == count


def test_broken_clip_fails_with_a_reason_and_nothing_else(app, client, scene) -> None:  # noqa: ANN001
    path, calibration, meta = scene
    key = register(app, calibration)
    truncated = path.read_bytes()[:4096]  # an mp4 header with no playable frames
    response = f.upload(client, key, truncated, json.dumps(meta))
    assert response.status_code == 202
    with app.app_context():
        clip = db.session.get(Clip, response.json["clip_id"])
        assert clip.status == "failed" and clip.failure_reason
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ViolationEvent)) == 0
