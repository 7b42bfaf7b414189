"""Periodic sweeps: an in-process scheduler for the embedded default, a beat schedule for Celery.

The embedded default (JOBS_MODE=thread) has no `celery beat`, so a daemon thread runs the named
sweeps every N seconds, each inside its own app context and unit of work. It starts with the
first request a process serves (so `echallan db upgrade` and other one-shot commands never
start it) and only when SCHEDULER_ENABLED is set. Several processes (gunicorn -w 4) may each
run one thread, but only the one holding a file lock (the host's leader) sweeps, and the device
sweep also takes a PostgreSQL advisory lock so two hosts never sweep at once.
In celery mode the same tasks run from `celery.conf.beat_schedule`
(`celery -A echallan.worker beat`).
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

from celery import Task
from flask import Flask

from echallan import sweeps as pipeline
from echallan import tasks as pipeline_tasks
from echallan.audit import operations as audit
from echallan.audit import tasks as audit_tasks
from echallan.citizens import orphans as contest_orphans
from echallan.citizens import tasks as citizen_tasks
from echallan.clips import orphans
from echallan.clips import tasks as clip_tasks
from echallan.core import clock, deps
from echallan.core.jobs import celery
from echallan.core.uow import unit_of_work
from echallan.devices import sweep as device_sweep
from echallan.devices import tasks as device_tasks
from echallan.payments import tasks as payment_tasks
from echallan.payments import wallet

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Sweep:
    """A named piece of periodic work: a service taking `now`, and its period."""

    name: str
    task: Task  # the Celery task that runs it (for beat)
    period_s: float
    run: Callable[[datetime], Any]


def sweeps(app: Flask) -> list[Sweep]:
    """Return the sweeps this app runs periodically."""

    planned = [
        Sweep(
            "devices",
            device_tasks.sweep_devices,
            app.config["SWEEP_DEVICES_PERIOD_S"],
            partial(device_sweep.sweep_offline, deps.of(app).settings),
        ),
        Sweep("pipeline", pipeline_tasks.sweep, app.config["SWEEP_PERIOD_S"], pipeline.run_all),
        Sweep(
            "clips",
            pipeline_tasks.sweep_clips,
            app.config["SWEEP_CLIPS_PERIOD_S"],
            partial(
                pipeline.requeue_stuck_clips,
                unclaimed_after=deps.of(app).settings.clip_unclaimed,
            ),
        ),
        _orphan_sweep(app),
        _contest_orphan_sweep(app),
        Sweep(
            "wallets",
            payment_tasks.sweep_wallets,
            app.config["SWEEP_WALLETS_PERIOD_S"],
            partial(wallet.sweep_wallets, deps.of(app)),
        ),
    ]
    if app.config.get("AUDIT_ANCHOR_FILE"):
        planned.append(_audit_anchor_sweep(app))
    return planned


def _orphan_sweep(app: Flask) -> Sweep:
    """Remove what killed processes left in the evidence store, every SWEEP_ORPHANS_PERIOD_S."""

    built = deps.of(app)
    remove = partial(orphans.sweep_orphans, built.store, built.settings.orphan_grace)
    return Sweep("orphans", clip_tasks.sweep_orphans, app.config["SWEEP_ORPHANS_PERIOD_S"], remove)


def _contest_orphan_sweep(app: Flask) -> Sweep:
    """Remove contest uploads whose row never committed, on the orphan sweep's period."""

    built = deps.of(app)
    remove = partial(
        contest_orphans.sweep_contest_orphans, built.store, built.settings.orphan_grace
    )
    return Sweep(
        "contest-orphans",
        citizen_tasks.sweep_contest_orphans,
        app.config["SWEEP_ORPHANS_PERIOD_S"],
        remove,
    )


def _audit_anchor_sweep(app: Flask) -> Sweep:
    """Publish the audit chain's head to AUDIT_ANCHOR_FILE every AUDIT_ANCHOR_PERIOD_S."""

    publish = partial(audit.publish_anchor, app.config["AUDIT_ANCHOR_FILE"])
    return Sweep(
        "audit-anchor",
        audit_tasks.publish_audit_anchor,
        app.config["AUDIT_ANCHOR_PERIOD_S"],
        publish,
    )


class Scheduler:
    """A daemon thread that runs each sweep when it is due, one at a time."""

    def __init__(self, app: Flask, planned: list[Sweep]) -> None:
        self.app = app
        self.planned = planned
        self.stopping = threading.Event()
        self.leader = LeaderLock(_lock_path(app))
        self.thread = threading.Thread(target=self._loop, name="echallan-scheduler", daemon=True)

    def start(self) -> None:
        """Start the thread."""
        self.thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Ask the thread to stop and wait for it."""
        self.stopping.set()
        if self.thread.is_alive():
            self.thread.join(timeout)

    def _loop(self) -> None:
        """Run whatever is due, then sleep until the next sweep is; only the host's leader runs."""

        due = {sweep.name: time.monotonic() + sweep.period_s for sweep in self.planned}
        while not self.stopping.is_set():
            now = time.monotonic()
            leading = self.leader.acquire()
            for sweep in self.planned:
                if due[sweep.name] <= now:
                    if leading:
                        self.run_once(sweep)
                    due[sweep.name] = time.monotonic() + sweep.period_s
            self.stopping.wait(max(0.05, min(due.values()) - time.monotonic()))
        self.leader.release()

    def run_once(self, sweep: Sweep) -> Any:
        """Run one sweep in its own unit of work; a failure is logged and retried next period."""

        with self.app.app_context():
            try:
                with unit_of_work():
                    result = sweep.run(clock.now())
            except Exception:  # noqa: BLE001 - the thread must outlive one bad sweep
                log.exception("sweep %s failed", sweep.name)
                return None
        log.info("sweep %s: %s", sweep.name, getattr(result, "as_dict", lambda: result)())
        return result


class LeaderLock:
    """An exclusive lock on a file: one process per host (gunicorn -w 4) runs the sweeps.

    The lock dies with its process, so another worker takes over at its next period.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self.handle: Any = None

    def acquire(self) -> bool:
        """Take the lock if it is free (or already ours); never wait."""

        if self.handle is not None:
            return True
        handle = open(self.path, "a")  # noqa: SIM115 - held open for the life of the lock
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return False
        self.handle = handle
        return True

    def release(self) -> None:
        """Let another process lead."""
        if self.handle is not None:
            self.handle.close()  # closing drops the flock
            self.handle = None


def _lock_path(app: Flask) -> str:
    """Return the leader lock's file, one per database (tests and deployments stay apart)."""

    url = str(app.config["SQLALCHEMY_DATABASE_URI"]).encode()
    name = f"echallan-scheduler-{hashlib.sha256(url).hexdigest()[:16]}.lock"
    return str(Path(tempfile.gettempdir()) / name)


def init_app(app: Flask) -> None:
    """Register the sweep tasks and the beat schedule; start the thread with the first request."""

    celery.conf.beat_schedule = {
        f"sweep-{sweep.name}": {"task": sweep.task.name, "schedule": sweep.period_s}
        for sweep in sweeps(app)
    }
    if app.config.get("SCHEDULER_ENABLED"):
        app.before_request(_starter(app))


def _starter(app: Flask) -> Callable[[], None]:
    """Return a before-request hook that starts this app's scheduler once."""
    lock = threading.Lock()

    def start_once() -> None:
        if "scheduler" in app.extensions:
            return
        with lock:
            if "scheduler" not in app.extensions:
                scheduler = Scheduler(app, sweeps(app))
                app.extensions["scheduler"] = scheduler
                scheduler.start()
                log.info("scheduler started: %s", [s.name for s in scheduler.planned])

    return start_once
