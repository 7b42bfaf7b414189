"""A worker killed mid-analysis: its clip's lease runs out and the clip is analysed again, in time.

The kill is real: a child process claims and analyses a clip and gets SIGKILL while the pipeline
runs; the parent's scheduler sweep (the embedded one) finds the lease run out and queues the
clip, and a worker in the parent finishes it.
"""

# ruff: noqa: ANN001, ANN201, F811 - fixtures are imported, then named as arguments
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from datetime import UTC, datetime, timedelta

from echallan.bootstrap import reconfigure
from echallan.clips import analysis
from echallan.clips.models import Clip
from echallan.core import clock, deps
from echallan.core.extensions import db
from echallan.core.uow import unit_of_work
from echallan.scheduler import Scheduler, sweeps
from tests.integration import factories as f
from tests.integration.device_factories import clock as fake_clock  # noqa: F401 - fixture
from tests.integration.test_clip_analysis import register


def received_clip(app, client, tmp_path) -> int:
    """Upload a clip with analysis deferred; return its id."""
    app.config["JOBS_MODE"] = "defer"
    with app.app_context():
        key = f.camera_with_key()
    return f.upload(client, key, f.tiny_clip(tmp_path / "a.mp4"), f.meta()).json["clip_id"]


def clip_sweep(app):
    """Return the clip-lease sweep as the scheduler runs it."""
    return next(s for s in sweeps(app) if s.name == "clips")


def test_a_dead_workers_lease_runs_out_and_the_sweep_requeues_it(
    app, client, tmp_path, fake_clock
) -> None:
    fake_clock.now = datetime.now(UTC)  # the fake clock starts at the real time
    clip_id = received_clip(app, client, tmp_path)
    sweep = clip_sweep(app)
    assert sweep.period_s == 30 and sweep.task.name == "echallan.sweep_clips"
    from echallan.core.jobs import celery

    assert celery.conf.beat_schedule["sweep-clips"]["task"] == "echallan.sweep_clips"  # celery mode
    with app.app_context(), unit_of_work():  # a worker claims it, then is killed outright
        assert isinstance(analysis.claim_clip(deps.of(app), clip_id, clock.now()), analysis.Claim)
    app.config["JOBS_MODE"] = "sync"
    scheduler = Scheduler(app, [sweep])
    fake_clock.advance(30)
    assert scheduler.run_once(sweep) == 0  # the lease (45 s) still runs
    fake_clock.advance(30)
    assert scheduler.run_once(sweep) == 1  # 60 s after the kill: queued again, analysed at once
    with app.app_context():
        clip = db.session.get(Clip, clip_id)
        assert clip.status == "failed" and "1280x720" in clip.failure_reason  # a real verdict
        assert clip.analysis_attempts == 2 and clip.lease_until is None
    assert scheduler.run_once(sweep) == 0
    from echallan import tasks

    assert tasks.sweep_clips() == 0  # the task celery beat runs finds nothing left either


def test_a_live_workers_lease_is_left_alone_and_a_lost_job_is_requeued(
    app, client, tmp_path, fake_clock
) -> None:
    fake_clock.now = datetime.now(UTC)
    clip_id = received_clip(app, client, tmp_path)
    sweep = clip_sweep(app)
    scheduler = Scheduler(app, [sweep])
    assert scheduler.run_once(sweep) == 0  # just received: its job is on its way
    fake_clock.advance(61)
    assert scheduler.run_once(sweep) == 1  # never claimed: the job was lost with its process
    with app.app_context():
        with unit_of_work():
            claim = analysis.claim_clip(deps.of(app), clip_id, clock.now())
        keeper = analysis.LeaseKeeper(db.engine, claim, timedelta(seconds=45))
        for _ in range(4):  # a long analysis: renewed every 15 s, never run out
            fake_clock.advance(15)
            assert keeper.renew()
            assert scheduler.run_once(sweep) == 0
        assert analysis.claim_clip(deps.of(app), clip_id, clock.now()) == "leased"


def test_a_clip_that_kills_every_worker_fails_instead_of_looping(
    app, client, tmp_path, fake_clock
) -> None:
    fake_clock.now = datetime.now(UTC)
    clip_id = received_clip(app, client, tmp_path)
    with app.app_context():
        for _ in range(3):
            with unit_of_work():
                analysis.claim_clip(deps.of(app), clip_id, clock.now())
            fake_clock.advance(46)
        with unit_of_work():
            assert analysis.claim_clip(deps.of(app), clip_id, clock.now()) == "failed"
        clip = db.session.get(Clip, clip_id)
        assert clip.failure_reason == "analysis was interrupted 3 times"


CHILD = textwrap.dedent(
    """
    import sys, time
    from echallan.clips import tasks
    from tests.integration.conftest import make_app
    from echallan.clips import findings

    app = make_app(sys.argv[1], __import__("pathlib").Path(sys.argv[2]), CLIP_LEASE_S=3,
                   CLIP_MAX_AGE_S=10 * 365 * 86400)
    real = findings.analyze_clip

    def slow(*args, **kwargs):
        print("analysing", flush=True)
        time.sleep(600)  # the parent kills us here, mid-analysis

    findings.analyze_clip = slow
    with app.app_context():
        tasks.analyze_clip(int(sys.argv[3]))
    """
)


def test_kill_9_mid_analysis_is_recovered_by_the_embedded_scheduler(
    app, client, scene, database_url
) -> None:
    path, calibration, meta = scene
    key = register(app, calibration)
    app.config["JOBS_MODE"] = "defer"
    clip_id = f.upload(client, key, path, meta).json["clip_id"]
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, database_url, app.config["EVIDENCE_DIR"], str(clip_id)],
        stdout=subprocess.PIPE,
        cwd=os.getcwd(),
    )
    assert child.stdout.readline().strip() == b"analysing"
    killed = time.monotonic()
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=10)
    reconfigure(app, CLIP_LEASE_S=3)
    app.config.update(JOBS_MODE="sync", SWEEP_CLIPS_PERIOD_S=0.5)
    scheduler = Scheduler(app, [clip_sweep(app)])
    scheduler.start()
    try:
        while time.monotonic() - killed < 60:
            with app.app_context():
                status = db.session.get(Clip, clip_id).status
                db.session.remove()
            if status != "received":
                break
            time.sleep(0.5)
    finally:
        scheduler.stop(timeout=120)
    recovered = time.monotonic() - killed
    assert status == "analysed", status
    assert recovered < 120, f"recovered after {recovered:.0f} s"
    print(f"recovered {recovered:.1f} s after kill -9 (lease 3 s, sweep every 0.5 s)")
