"""The scale-out path: a real `celery worker` process consuming from a real redis-server.

The test set-up (scripts/test-services.sh) starts redis-server on loopback and exports
REDIS_URL; without it this test is skipped with a message.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from echallan.challans.events import ViolationEvent
from echallan.challans.jobs import ProcessEvent
from echallan.challans.models import Challan, Notice
from echallan.clips.models import Clip
from echallan.core import jobs
from echallan.core.extensions import db
from echallan.core.uow import unit_of_work
from tests.integration import factories as f
from tests.integration.conftest import make_app

REDIS_URL = os.environ.get("REDIS_URL")
pytestmark = pytest.mark.skipif(
    not REDIS_URL, reason="REDIS_URL is not set: run through scripts/test-services.sh (make test)"
)


@pytest.fixture
def worker(database_url: str, tmp_path: Path):  # noqa: ANN201
    """A celery worker process on the test database, with its log."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "EVIDENCE_DIR": str(tmp_path / "evidence"),
        "SMS_OUTBOX_DIR": str(tmp_path / "sms"),
        "JOBS_MODE": "celery",
        "CELERY_BROKER_URL": REDIS_URL,
        "ECHALLAN_ENV": "development",
        "ECHALLAN_INSTANCE": str(tmp_path / "instance"),
    }
    log = (tmp_path / "worker.log").open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "echallan.worker",
            "worker",
            "--pool",
            "solo",
            "--concurrency",
            "1",
            "--loglevel",
            "INFO",
            "--without-gossip",
            "--without-mingle",
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    yield tmp_path / "worker.log"
    process.terminate()
    process.wait(timeout=30)


def wait_for(predicate, timeout: float = 60.0) -> bool:  # noqa: ANN001
    """Poll until `predicate()` is true or the time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.25)
    return False


def test_worker_processes_queued_events(app, worker, database_url, tmp_path) -> None:  # noqa: ANN001
    celery_app = make_app(
        database_url, tmp_path / "evidence", JOBS_MODE="celery", CELERY_BROKER_URL=REDIS_URL
    )
    with celery_app.app_context():
        f.camera()
        event_ids = [
            f.event(
                plate=p, observed_class=None, track_id=n, occurred_at=f"2026-11-23T10:1{n}:00+05:00"
            )
            for n, p in enumerate(["ASF-813", "LEA-13-2293", "AMD-868"])
        ]
        with unit_of_work():
            for event_id in event_ids:
                jobs.enqueue(ProcessEvent(event_id))
                jobs.enqueue(ProcessEvent(event_id))  # delivered twice: still one challan

        def all_issued() -> bool:
            statuses = db.session.scalars(sa.select(ViolationEvent.status)).all()
            db.session.rollback()  # end the read: see the worker's commits, hold no lock
            return statuses == ["issued"] * 3

        assert wait_for(all_issued), worker.read_text()[-3000:]
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Challan)) == 3
        db.session.rollback()
        assert wait_for(lambda: _notices_sent(3)), worker.read_text()[-3000:]
        db.engine.dispose()
    assert "echallan.process_event" in worker.read_text()


def test_worker_analyses_an_uploaded_clip(app, worker, database_url, tmp_path, scene) -> None:  # noqa: ANN001
    """Ingest over HTTP with JOBS_MODE=celery: the worker process analyses the clip."""
    from tests.integration.test_clip_analysis import register

    path, calibration, meta = scene
    celery_app = make_app(
        database_url, tmp_path / "evidence", JOBS_MODE="celery", CELERY_BROKER_URL=REDIS_URL
    )
    key = register(celery_app, calibration)
    response = f.upload(celery_app.test_client(), key, path, meta)
    assert response.status_code == 202
    with celery_app.app_context():

        def analysed() -> bool:
            status = db.session.get(Clip, response.json["clip_id"], populate_existing=True).status
            db.session.rollback()
            assert "raised unexpected" not in worker.read_text(), worker.read_text()[-3000:]
            return status == "analysed"

        assert wait_for(analysed, timeout=300), worker.read_text()[-3000:]
        db.engine.dispose()


def _notices_sent(challans: int) -> bool:
    """Tell whether every challan's PDF and SMS notice went out."""
    sent = db.session.scalar(
        sa.select(sa.func.count()).select_from(Notice).where(Notice.status == "sent")
    )
    db.session.rollback()
    return sent == 2 * challans
