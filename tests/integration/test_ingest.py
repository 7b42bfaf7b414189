"""Clip ingest over HTTP: stored once by hash, every bad input refused with nothing left behind."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from echallan.audit.models import AuditEntry
from echallan.bootstrap import reconfigure
from echallan.clips.models import Clip
from echallan.core.extensions import db
from tests.integration import factories as f


@pytest.fixture
def deferred(app):  # noqa: ANN001, ANN201
    """Ingest alone: analysis jobs are deferred to the sweeps."""
    app.config["JOBS_MODE"] = "defer"
    return app


@pytest.fixture
def key(deferred) -> str:  # noqa: ANN001
    """A registered camera's device key."""
    with deferred.app_context():
        return f.camera_with_key()


def stored_files(app) -> list[Path]:  # noqa: ANN001
    """List every file under the evidence folder."""
    root = Path(app.config["EVIDENCE_DIR"])
    return sorted(p for p in root.rglob("*") if p.is_file())


def clip_count(app) -> int:  # noqa: ANN001
    """Count clip rows."""
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(Clip))


def test_new_clip_is_stored_hashed_and_queued(deferred, client, key, tmp_path) -> None:  # noqa: ANN001
    clip = f.tiny_clip(tmp_path / "a.mp4")
    response = f.upload(client, key, clip, f.meta())
    assert response.status_code == 202, response.json
    body = response.json
    import hashlib

    assert body["sha256"] == hashlib.sha256(clip.read_bytes()).hexdigest()
    assert body["job_id"] and body["duplicate"] is False
    files = stored_files(deferred)
    assert [p.name for p in files] == [f"{body['sha256']}.mp4"]
    assert files[0].read_bytes() == clip.read_bytes()
    with deferred.app_context():
        stored = db.session.get(Clip, body["clip_id"])
        assert stored.status == "received" and stored.size_bytes == clip.stat().st_size
        assert stored.started_at.isoformat() == "2026-11-23T05:15:00+00:00"
        actions = db.session.scalars(sa.select(AuditEntry.action)).all()
        assert "clip.received" in actions


def test_same_clip_twice_is_one_clip(deferred, client, key, tmp_path) -> None:  # noqa: ANN001
    clip = f.tiny_clip(tmp_path / "a.mp4")
    first = f.upload(client, key, clip, f.meta())
    second = f.upload(client, key, clip, f.meta())
    assert first.status_code == 202 and second.status_code == 200
    assert second.json["clip_id"] == first.json["clip_id"]
    assert second.json["duplicate"] is True
    assert clip_count(deferred) == 1
    assert len(stored_files(deferred)) == 1


def assert_problem(response, status: int) -> dict:  # noqa: ANN001
    """Check an RFC 9457 answer and return its body."""
    assert response.status_code == status, response.data
    assert response.mimetype == "application/problem+json"
    body = response.json
    assert body["status"] == status and body["title"]
    return body


def assert_nothing_left(app) -> None:  # noqa: ANN001
    """No clip row and no file, staging included."""
    assert clip_count(app) == 0
    assert stored_files(app) == []


def test_missing_key_is_401(deferred, client, key, tmp_path) -> None:  # noqa: ANN001
    assert_problem(f.upload(client, None, f.tiny_clip(tmp_path / "a.mp4"), f.meta()), 401)
    assert_nothing_left(deferred)


def test_wrong_key_is_401(deferred, client, key, tmp_path) -> None:  # noqa: ANN001
    bad = key.split(".")[0] + ".not-the-secret"
    assert_problem(f.upload(client, bad, f.tiny_clip(tmp_path / "a.mp4"), f.meta()), 401)
    assert_nothing_left(deferred)


def test_key_without_scope_is_403(deferred, client, key, tmp_path) -> None:  # noqa: ANN001
    from echallan.core.uow import unit_of_work
    from echallan.staff import operations as admin

    with deferred.app_context(), unit_of_work():
        _, partner = admin.create_api_client("bank", "bank", ["payments:write"], "test")
    assert_problem(f.upload(client, partner, f.tiny_clip(tmp_path / "a.mp4"), f.meta()), 403)
    assert_nothing_left(deferred)


def test_another_cameras_key_is_403(deferred, client, key, tmp_path) -> None:  # noqa: ANN001
    with deferred.app_context():
        other = f.camera_with_key("KHI-0002")
    assert_problem(f.upload(client, other, f.tiny_clip(tmp_path / "a.mp4"), f.meta()), 403)
    assert_nothing_left(deferred)


def test_unknown_camera_is_404(deferred, client, key, tmp_path) -> None:  # noqa: ANN001
    response = f.upload(
        client, key, f.tiny_clip(tmp_path / "a.mp4"), f.meta("KHI-9999"), camera_id="KHI-9999"
    )
    assert_problem(response, 404)
    assert_nothing_left(deferred)


def test_not_a_video_is_415(deferred, client, key) -> None:  # noqa: ANN001
    body = assert_problem(f.upload(client, key, b"%PDF-1.7 not a video" * 100, f.meta()), 415)
    assert "not a video" in body["detail"]
    assert_nothing_left(deferred)


def cut(path: Path, share: float = 0.5) -> bytes:
    """Return the first `share` of a file's bytes: an upload cut off mid-transfer."""
    data = path.read_bytes()
    return data[: int(len(data) * share)]


def test_a_truncated_mp4_is_422_before_anything_is_kept(deferred, client, key, tmp_path) -> None:  # noqa: ANN001
    clip = cut(f.tiny_clip(tmp_path / "a.mp4", frames=60))  # its index (moov) was at the end
    body = assert_problem(f.upload(client, key, clip, f.meta()), 422)
    assert "truncated" in body["detail"] and "clip.mp4" in body["detail"]
    assert_nothing_left(deferred)


def test_a_truncated_mp4_with_its_index_in_front_is_422(deferred, client, key, tmp_path) -> None:  # noqa: ANN001
    from tests.support.mp4 import faststart

    whole = tmp_path / "whole.mp4"
    whole.write_bytes(faststart(f.tiny_clip(tmp_path / "a.mp4", frames=60).read_bytes()))
    body = assert_problem(f.upload(client, key, cut(whole), f.meta()), 422)
    assert "truncated clip" in body["detail"]
    assert_nothing_left(deferred)
    assert f.upload(client, key, whole, f.meta()).status_code == 202  # the whole one is fine


def test_a_container_of_an_unknown_codec_is_415(deferred, client, key, tmp_path) -> None:  # noqa: ANN001
    import cv2
    import numpy as np

    path = tmp_path / "odd.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 25, (160, 96))
    for _ in range(10):
        writer.write(np.full((96, 160, 3), 90, np.uint8))
    writer.release()
    odd = path.read_bytes().replace(b"MJPG", b"QQQQ")
    body = assert_problem(f.upload(client, key, odd, f.meta()), 415)
    assert "unsupported codec 'QQQQ'" in body["detail"]
    assert_nothing_left(deferred)


def test_a_container_header_over_junk_is_422(deferred, client, key) -> None:  # noqa: ANN001
    junk = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + bytes(range(256)) * 40
    assert_problem(f.upload(client, key, junk, f.meta()), 422)
    assert_nothing_left(deferred)


def test_empty_file_is_415(deferred, client, key) -> None:  # noqa: ANN001
    assert_problem(f.upload(client, key, b"", f.meta()), 415)
    assert_nothing_left(deferred)


def test_too_large_is_413(deferred, client, key, tmp_path) -> None:  # noqa: ANN001
    reconfigure(deferred, MAX_CLIP_BYTES=1000)
    assert_problem(f.upload(client, key, f.tiny_clip(tmp_path / "a.mp4"), f.meta()), 413)
    assert_nothing_left(deferred)


@pytest.fixture
def time_bar(deferred):  # noqa: ANN001, ANN201
    """The production time bar (the test configuration widens the age for its fixed dates)."""
    from echallan.config import Config

    reconfigure(deferred, CLIP_MAX_AGE_S=Config.CLIP_MAX_AGE_S)
    return deferred


def started(**delta: float) -> str:
    """Return an ISO start time `delta` (timedelta arguments) from now."""
    from datetime import UTC, datetime, timedelta

    return (datetime.now(UTC) + timedelta(**delta)).isoformat()


@pytest.mark.parametrize(
    ("delta", "complaint"),
    [
        ({"days": 365}, "ahead of the server clock"),
        ({"minutes": 6}, "ahead of the server clock"),
        ({"days": -548}, "30-day window"),  # 18 months ago
        ({"days": -31}, "30-day window"),
    ],
)
def test_a_clip_outside_the_time_bar_is_422_and_nothing_kept(
    time_bar, client, key, tmp_path, delta, complaint
) -> None:  # noqa: ANN001
    meta = f.meta(started_at=started(**delta))
    body = assert_problem(f.upload(client, key, f.tiny_clip(tmp_path / "a.mp4"), meta), 422)
    assert complaint in body["detail"] and "started_at" in str(body["errors"])
    assert_nothing_left(time_bar)


@pytest.mark.parametrize("delta", [{"minutes": 4}, {"seconds": -30}, {"days": -29}])
def test_a_clip_inside_the_time_bar_is_accepted(time_bar, client, key, tmp_path, delta) -> None:  # noqa: ANN001
    meta = f.meta(started_at=started(**delta))
    response = f.upload(client, key, f.tiny_clip(tmp_path / "a.mp4"), meta)
    assert response.status_code == 202, response.json


def test_the_time_bar_is_configurable(time_bar, client, key, tmp_path) -> None:  # noqa: ANN001
    reconfigure(time_bar, CLIP_MAX_CLOCK_DRIFT_S=30, CLIP_MAX_AGE_S=3600)
    clip = f.tiny_clip(tmp_path / "a.mp4")
    assert_problem(f.upload(client, key, clip, f.meta(started_at=started(minutes=1))), 422)
    assert_problem(f.upload(client, key, clip, f.meta(started_at=started(hours=-2))), 422)
    assert f.upload(client, key, clip, f.meta(started_at=started(minutes=-59))).status_code == 202
    with pytest.raises(RuntimeError, match="CLIP_MAX_AGE_S"):
        reconfigure(time_bar, CLIP_MAX_AGE_S="a month")


@pytest.mark.parametrize(
    ("meta", "field"),
    [
        ("{not json", "meta"),
        ('["a list"]', "meta"),
        (f.meta(fps=0), "fps"),
        (f.meta(started_at="2026-11-23T10:15:00"), "started_at"),
        (f.meta(camera_id="KHI-0002"), "camera_id"),
        (
            f.meta(
                signal_phases=[
                    {"state": "green", "start_ms": 0, "end_ms": 2000},
                    {"state": "red", "start_ms": 1500, "end_ms": 4000},
                ]
            ),
            "signal_phases",
        ),
        (
            f.meta(
                signal_phases=[
                    {"state": "green", "start_ms": 0, "end_ms": 2000},
                    {"state": "red", "start_ms": 2500, "end_ms": 4000},
                ]
            ),
            "signal_phases",
        ),
        (f.meta(signal_phases=[{"state": "blue", "start_ms": 0, "end_ms": 10}]), "signal_phases"),
    ],
)
def test_bad_metadata_is_422_naming_the_field(deferred, client, key, tmp_path, meta, field) -> None:  # noqa: ANN001
    body = assert_problem(f.upload(client, key, f.tiny_clip(tmp_path / "a.mp4"), meta), 422)
    assert field in str(body["errors"])
    assert_nothing_left(deferred)


def test_missing_clip_part_is_422(deferred, client, key) -> None:  # noqa: ANN001
    import json

    response = client.post(
        f"/api/v1/cameras/{f.CAMERA_ID}/clips",
        data={"meta": json.dumps(f.meta())},
        headers={"X-Api-Key": key},
        content_type="multipart/form-data",
    )
    assert "clip" in str(assert_problem(response, 422)["errors"])
    assert_nothing_left(deferred)


def test_failed_commit_removes_the_stored_file(
    deferred, client, key, tmp_path, monkeypatch
) -> None:  # noqa: ANN001
    """A database failure after the file is in place leaves neither row nor file."""
    from echallan.audit import operations as audit

    def broken_record(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise RuntimeError("database went away")

    monkeypatch.setattr(audit, "record", broken_record)
    assert_problem(f.upload(client, key, f.tiny_clip(tmp_path / "a.mp4"), f.meta()), 500)
    assert_nothing_left(deferred)
