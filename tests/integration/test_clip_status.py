"""A camera asks what became of its clip: status and failure reason, to its own key only."""

from __future__ import annotations

import pytest

from tests.integration import factories as f
from tests.integration.test_ingest import assert_problem


def clip_status(client, key: str | None, clip_id: int, camera_id: str = f.CAMERA_ID):  # noqa: ANN001, ANN201
    """GET one clip's status as a device."""
    headers = {"X-Api-Key": key} if key else {}
    return client.get(f"/api/v1/cameras/{camera_id}/clips/{clip_id}", headers=headers)


@pytest.fixture
def keys(app) -> dict[str, str]:  # noqa: ANN001
    """Two cameras' device keys."""
    with app.app_context():
        return {camera: f.camera_with_key(camera) for camera in (f.CAMERA_ID, "KHI-0002")}


def test_a_camera_learns_its_clip_failed_and_why(app, client, keys, tmp_path) -> None:  # noqa: ANN001
    key = keys[f.CAMERA_ID]
    clip = f.tiny_clip(tmp_path / "a.mp4")  # 160x96 against a 1280x720 calibration
    accepted = f.upload(client, key, clip, f.meta())  # analysis runs at once (JOBS_MODE=sync)
    assert accepted.status_code == 202, accepted.json
    answer = clip_status(client, key, accepted.json["clip_id"])
    assert answer.status_code == 200, answer.json
    body = answer.json
    assert body["clip_id"] == accepted.json["clip_id"] and body["sha256"] == accepted.json["sha256"]
    assert body["status"] == "failed" and body["analysed_at"]
    assert "160x96" in body["failure_reason"] and "1280x720" in body["failure_reason"]


def test_a_clip_waiting_for_analysis_is_received(app, client, keys, tmp_path) -> None:  # noqa: ANN001
    app.config["JOBS_MODE"] = "defer"
    key = keys[f.CAMERA_ID]
    accepted = f.upload(client, key, f.tiny_clip(tmp_path / "a.mp4"), f.meta())
    body = clip_status(client, key, accepted.json["clip_id"]).json
    assert body["status"] == "received" and body["failure_reason"] is None
    assert body["analysed_at"] is None


def test_only_the_cameras_own_key_sees_its_clip(app, client, keys, tmp_path) -> None:  # noqa: ANN001
    app.config["JOBS_MODE"] = "defer"
    mine, other = keys[f.CAMERA_ID], keys["KHI-0002"]
    clip_id = f.upload(client, mine, f.tiny_clip(tmp_path / "a.mp4"), f.meta()).json["clip_id"]
    theirs = f.upload(
        client, other, f.tiny_clip(tmp_path / "b.mp4", seed=1), f.meta("KHI-0002"), "KHI-0002"
    ).json["clip_id"]
    with app.app_context():
        partner = f.partner_key(["clips:write"])  # no device: it may not read cameras' clips
        bank = f.partner_key(["payments:write"], "bank")
    assert_problem(clip_status(client, None, clip_id), 401)
    assert_problem(clip_status(client, bank, clip_id), 403)
    for key, camera, wanted in (
        (other, f.CAMERA_ID, clip_id),  # another camera's key, this camera's URL
        (other, "KHI-0002", clip_id),  # another camera's key, its own URL, not its clip
        (mine, f.CAMERA_ID, theirs),  # this camera's key, another camera's clip
        (partner, f.CAMERA_ID, clip_id),
        (mine, "KHI-9999", clip_id),
        (mine, f.CAMERA_ID, clip_id + 1000),
    ):
        body = assert_problem(clip_status(client, key, wanted, camera), 404)
        assert "failure_reason" not in body
    assert clip_status(client, mine, clip_id).status_code == 200
    assert clip_status(client, other, theirs, "KHI-0002").status_code == 200
