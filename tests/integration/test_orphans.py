"""What a killed process leaves in the evidence store is swept, audited, after a grace period."""

from __future__ import annotations

import os
import time
from pathlib import Path

import sqlalchemy as sa

from echallan.audit.models import AuditEntry
from echallan.clips.models import Clip
from echallan.core.extensions import db
from echallan.scheduler import Scheduler, sweeps
from tests.integration import factories as f

HOUR = 3600


def aged(path: Path, seconds: float) -> Path:
    """Make a file look `seconds` old."""
    then = time.time() - seconds
    os.utime(path, (then, then))
    return path


def put(path: Path, data: bytes, age: float) -> Path:
    """Write a file `age` seconds old."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return aged(path, age)


def test_the_scheduler_sweeps_orphans_after_the_grace_period(app, client, tmp_path) -> None:  # noqa: ANN001
    app.config["JOBS_MODE"] = "defer"
    with app.app_context():
        key = f.camera_with_key()
    root = Path(app.config["EVIDENCE_DIR"])
    kept = f.upload(client, key, f.tiny_clip(tmp_path / "a.mp4"), f.meta()).json
    with app.app_context():
        recorded = aged(Path(db.session.get(Clip, kept["clip_id"]).stored_path), 2 * HOUR)
    stale_staged = put(root / ".incoming" / "0badc0de", b"half an upload", 2 * HOUR)
    fresh_staged = put(root / ".incoming" / "feedface", b"an upload in flight", 60)
    lost = "ab" * 32  # its transaction never committed
    stale_clip = put(root / "clips" / "ab" / f"{lost}.mp4", b"\x00" * 300, 2 * HOUR)
    fresh_clip = put(root / "clips" / "cd" / f"{'cd' * 32}.mp4", b"\x00" * 10, 60)

    sweep = next(s for s in sweeps(app) if s.name == "orphans")
    assert sweep.period_s == 900 and sweep.task.name == "echallan.sweep_orphans"
    report = Scheduler(app, [sweep]).run_once(sweep)

    assert report.as_dict() == {"staged": 1, "clips": 1, "bytes": 314}
    assert not stale_staged.exists() and not stale_clip.exists()
    assert fresh_staged.exists() and fresh_clip.exists() and recorded.exists()
    with app.app_context():
        entries = db.session.scalars(
            sa.select(AuditEntry).where(AuditEntry.action == "evidence.orphan_removed")
        ).all()
        assert sorted(e.data["path"] for e in entries) == [
            ".incoming/0badc0de",
            f"clips/ab/{lost}.mp4",
        ]
        assert {e.actor for e in entries} == {"system:sweep"}
        assert all(e.entity_type == "evidence_file" and e.data["size"] for e in entries)
        assert sorted(e.entity_id for e in entries) == ["0badc0de", lost]
    again = Scheduler(app, [sweep]).run_once(sweep)
    assert again.as_dict() == {"staged": 0, "clips": 0, "bytes": 0}


def test_a_clip_uploaded_again_is_not_taken_for_an_orphan(app, client, tmp_path) -> None:  # noqa: ANN001
    """The same bytes arriving again freshen the file in place, so a racing sweep leaves it."""
    from echallan.clips.orphans import sweep_orphans
    from echallan.core import clock, deps
    from echallan.core.uow import unit_of_work

    app.config["JOBS_MODE"] = "defer"
    with app.app_context():
        key = f.camera_with_key()
    clip = f.tiny_clip(tmp_path / "a.mp4")
    import hashlib

    sha = hashlib.sha256(clip.read_bytes()).hexdigest()
    root = Path(app.config["EVIDENCE_DIR"])
    left = put(root / "clips" / sha[:2] / f"{sha}.mp4", clip.read_bytes(), 2 * HOUR)
    assert f.upload(client, key, clip, f.meta()).status_code == 202  # placed over the leftover
    with app.app_context():
        db.session.execute(sa.delete(Clip))  # as if the sweep had listed it before the commit
        db.session.commit()
        with unit_of_work():
            report = sweep_orphans(
                deps.of(app).store, deps.of(app).settings.orphan_grace, clock.now()
            )
    assert report.clips == [] and left.exists()
