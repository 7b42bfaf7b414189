"""Background jobs: Celery tasks, run in one of three modes chosen by JOBS_MODE.

- `celery`: a real broker (Redis) and any number of `celery worker` processes elsewhere.
- `thread` (the embedded default): the same task code runs in a small thread pool inside the
  application process, so nothing has to be installed or started.
- `sync`: run at once after the commit, in the caller's thread (tests, one-shot CLI runs).
- `defer`: dispatch nothing; the sweeps find the work by its state later (maintenance windows,
  tests of ingest alone).

Every task is idempotent and acknowledged late: a task delivered twice changes nothing the
second time, and a worker that dies mid-task leaves the message for another worker.

Operations ask for work with a `Job` value (`jobs.enqueue(AnalyzeClip(clip.id))`), never a task
name: each feature's `jobs.py` declares its job types, its `tasks.py` binds one Celery task to
each with `@runs(JobType)`. Operations import only the job types, so no operation imports the
task that runs it (and no import circle forms), and a job type without a task fails at
`check_every_job_has_a_task` when the app starts, not when the first job is queued.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import astuple, dataclass
from typing import Any, TypeVar

from celery import Celery, Task
from flask import Flask, current_app, g, has_app_context
from sqlalchemy.exc import OperationalError

log = logging.getLogger(__name__)

celery = Celery("echallan")
_executor: ThreadPoolExecutor | None = None
_executor_lock = threading.Lock()
_inflight: set[Future[Any]] = set()


@dataclass(frozen=True)
class Job:
    """A piece of background work; its fields, in order, are its task's arguments."""


# A busy or briefly unreachable database is worth retrying with backoff; anything else is a bug
# the task's operation already turned into a state (a failed clip, a notice to retry).
RETRY: dict[str, Any] = {
    "autoretry_for": (OperationalError,),
    "retry_backoff": 2,
    "retry_backoff_max": 60,
    "retry_jitter": True,
    "max_retries": 8,
}

_TASKS: dict[type[Job], Task] = {}
T = TypeVar("T", bound=Task)


def runs(job_type: type[Job]) -> Callable[[T], T]:
    """Bind a Celery task to the job type it runs (one task per type)."""

    def bind(task: T) -> T:
        if _TASKS.get(job_type, task) is not task:
            raise RuntimeError(f"{job_type.__name__} already runs as {_TASKS[job_type].name}")
        _TASKS[job_type] = task
        return task

    return bind


def task_for(job_type: type[Job]) -> Task:
    """Return the task bound to a job type (LookupError for a type nothing runs)."""
    try:
        return _TASKS[job_type]
    except KeyError:
        raise LookupError(f"no task runs {job_type.__name__}") from None


def check_every_job_has_a_task() -> None:
    """Refuse to start when a declared job type has no task to run it."""
    missing = [kind.__name__ for kind in _job_types(Job) if kind not in _TASKS]
    if missing:
        raise RuntimeError(f"job types without a task: {', '.join(sorted(missing))}")


def _job_types(base: type[Job]) -> list[type[Job]]:
    """Return every subclass of a job type, however deep."""
    found = []
    for kind in base.__subclasses__():
        found += [kind, *_job_types(kind)]
    return found


class AppTask(Task):
    """A task that runs inside a fresh Flask app context (its own database session)."""

    abstract = True

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Run the task body within the bound application's context."""
        with self.app.flask_app.app_context():  # type: ignore[attr-defined]
            return self.run(*args, **kwargs)


def init_app(app: Flask) -> None:
    """Bind Celery to the Flask app's configuration."""
    celery.conf.update(
        broker_url=app.config["CELERY_BROKER_URL"],
        result_backend=app.config.get("CELERY_RESULT_BACKEND"),
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_serializer="json",
        accept_content=["json"],
        task_eager_propagates=app.testing,
        broker_connection_retry_on_startup=True,
    )
    celery.Task = AppTask
    celery.flask_app = app  # type: ignore[attr-defined]
    app.extensions["celery"] = celery


def enqueue(job: Job) -> str:
    """Queue a job to run after the current unit of work commits; return its job id."""
    job_id = str(uuid.uuid4())
    _pending().append((task_for(type(job)), astuple(job), job_id))
    return job_id


def discard_pending() -> None:
    """Forget the jobs queued by a unit of work that rolled back."""
    if has_app_context():
        g.pop("_pending_jobs", None)


def dispatch_pending() -> None:
    """Hand the committed unit of work's jobs to the configured runner."""
    if not has_app_context():
        return
    pending = g.pop("_pending_jobs", [])
    for task, args, job_id in pending:
        _dispatch(task, args, job_id)


def wait_idle(timeout: float | None = None) -> None:
    """Block until the in-process thread pool has finished every job (demo and tests)."""
    while _inflight:
        for future in list(_inflight):
            future.result(timeout=timeout)


def _pending() -> list[tuple[Task, tuple[Any, ...], str]]:
    """Return the jobs queued in this app context."""
    if "_pending_jobs" not in g:
        g._pending_jobs = []
    return g._pending_jobs


def _dispatch(task: Task, args: tuple[Any, ...], job_id: str) -> None:
    """Run or send one job according to JOBS_MODE."""
    mode = current_app.config["JOBS_MODE"]
    if mode == "defer":
        log.debug("job %s (%s) deferred to the sweeps", job_id, task.name)
    elif mode == "celery":
        task.apply_async(args=args, task_id=job_id)
    elif mode == "sync":
        task.apply(args=args, task_id=job_id, throw=True)
    else:
        future = _thread_pool().submit(_run_logged, task, args, job_id)
        _inflight.add(future)
        future.add_done_callback(_inflight.discard)


def _run_logged(task: Task, args: tuple[Any, ...], job_id: str) -> None:
    """Run a task in a pool thread; a failure is logged, never lost silently."""
    result = task.apply(args=args, task_id=job_id)
    if result.failed():
        log.error("job %s (%s) failed: %s", job_id, task.name, result.result)


def _thread_pool() -> ThreadPoolExecutor:
    """Create the in-process pool on first use."""
    global _executor
    with _executor_lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="echallan-job")
        return _executor
