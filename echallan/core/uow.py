"""The unit of work: the one place that commits, then hands queued jobs to the workers.

Services only flush. A request, a CLI command or a task wraps its work in `unit_of_work()`
(requests get it from `init_app`). Jobs queued during the work are dispatched only after the
commit, so a worker never looks for a row that is not there yet, and a rolled-back request
queues nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from flask import Flask, Response, g, has_app_context
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError

from echallan.core import jobs
from echallan.core.errors import problem
from echallan.core.extensions import db

log = logging.getLogger(__name__)


def on_rollback(undo: Callable[[], None]) -> None:
    """Register an undo for work outside the database (a stored file) if the unit rolls back."""
    g.setdefault("_rollback_undos", []).append(undo)


def _rolled_back() -> None:
    """Roll the session back, run the undos, forget the queued jobs."""
    db.session.rollback()
    jobs.discard_pending()
    undos = g.pop("_rollback_undos", []) if has_app_context() else []
    for undo in reversed(undos):
        try:
            undo()
        except OSError as error:  # an undo that fails must not hide the original error
            log.error("undo after rollback failed: %s", error)


def _committed() -> None:
    """Forget the undos and dispatch the queued jobs."""
    g.pop("_rollback_undos", None)
    jobs.dispatch_pending()


@contextmanager
def unit_of_work() -> Iterator[None]:
    """Commit what the block did and dispatch its jobs, or roll everything back."""
    try:
        yield
        db.session.commit()
    except BaseException:
        _rolled_back()
        raise
    _committed()


def _commit_response(response: Response) -> Response:
    """Commit a successful request, roll back a failed one."""
    if response.status_code >= 400:
        _rolled_back()
        return response
    try:
        db.session.commit()
    except (IntegrityError, StaleDataError) as error:
        _rolled_back()
        log.warning("commit lost a race: %s", error)
        return problem(409, "Conflict", "another request changed this record first; retry")
    except OperationalError as error:
        _rolled_back()
        log.error("commit failed: %s", error)
        return problem(503, "Service Unavailable", "the database is busy; retry")
    _committed()
    return response


def init_app(app: Flask) -> None:
    """Make every request a unit of work."""
    app.after_request(_commit_response)
