"""With JOBS_MODE=celery nothing runs in-process: a real `celery beat` must schedule the sweeps.

Beat and a worker run as processes against the test database and the test set-up's Redis. The
beat schedule is built from the same Sweep list as the embedded scheduler (echallan.scheduler),
so a sweep that beat runs here is one the embedded default runs too.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from echallan.core import clock
from echallan.core.extensions import db
from echallan.devices.models import Alert
from tests.integration.conftest import make_app
from tests.integration.device_factories import build_junction
from tests.integration.test_celery_worker import REDIS_URL, wait_for, worker  # noqa: F401

pytestmark = pytest.mark.skipif(
    not REDIS_URL, reason="REDIS_URL is not set: run through scripts/test-services.sh (make test)"
)


@pytest.fixture
def beat(database_url: str, tmp_path: Path) -> Iterator[Path]:
    """A `celery beat` process that runs the device sweep every second; yields its log."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "EVIDENCE_DIR": str(tmp_path / "evidence"),
        "JOBS_MODE": "celery",
        "CELERY_BROKER_URL": REDIS_URL or "",
        "ECHALLAN_ENV": "development",
        "ECHALLAN_INSTANCE": str(tmp_path / "beat-instance"),
        "SWEEP_DEVICES_PERIOD_S": "1",
    }
    log_path = tmp_path / "beat.log"
    command = [sys.executable, "-m", "celery", "-A", "echallan.worker", "beat"]
    command += ["--schedule", str(tmp_path / "beat-schedule"), "--loglevel", "INFO"]
    with log_path.open("w") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        yield log_path
        process.terminate()
        process.wait(timeout=30)


def test_beat_schedules_the_device_sweep_a_worker_runs(  # noqa: ANN001
    app,
    worker,  # noqa: F811 (the fixture imported above)
    beat,
    database_url,
    tmp_path,
) -> None:
    celery_app = make_app(
        database_url, tmp_path / "evidence", JOBS_MODE="celery", CELERY_BROKER_URL=REDIS_URL
    )
    with celery_app.app_context():
        build_junction(clock.now() - timedelta(hours=1))  # commissioned, never heard from

        def alerts_opened() -> bool:
            count = db.session.scalar(sa.select(sa.func.count()).select_from(Alert))
            db.session.rollback()  # see the worker's commits
            return bool(count)

        assert wait_for(alerts_opened, timeout=90), (
            beat.read_text()[-2000:] + worker.read_text()[-3000:]
        )
        db.engine.dispose()
    assert "sweep-devices" in beat.read_text()
    assert "echallan.sweep_devices" in worker.read_text() or "sweep_devices" in worker.read_text()
