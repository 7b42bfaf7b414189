"""The review queue is filtered, paged and counted by the database, not in Python."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from echallan.challans.events import ViolationEvent
from echallan.core import clock
from echallan.core.extensions import db
from echallan.core.uow import unit_of_work
from echallan.review import operations as review
from tests.integration import factories as f

TASKS = 31


def _reasons(i: int) -> list[str]:
    """Give the tasks reasons to filter on, with LIKE wildcards and case that must not match."""
    if i % 3 == 0:
        return ["registry: no owner", f"plate_confidence {i}"]
    if i == 7:
        return ["100% sure"]
    return ["Plate_confidence low"] if i % 5 == 0 else ["offence_confidence low"]


@pytest.fixture
def queue(app):  # noqa: ANN001, ANN201
    """More than a page of tasks: reasons and kinds varied, one closed."""
    app.config["JOBS_MODE"] = "defer"
    with app.app_context():
        f.camera()
        with unit_of_work():
            for i in range(TASKS):
                event = db.session.get(ViolationEvent, f.event(track_id=i + 1))
                kind = "contest" if i % 4 == 1 else "violation"
                task = review.open_task(event, _reasons(i), kind=kind)
                if i == TASKS - 1:
                    task.status = review.CLOSED
    return app


def _ids(tasks: list) -> list[int]:  # noqa: ANN001
    return [t.id for t in tasks]


def test_filters_pages_and_counts_match_the_whole_list(queue) -> None:  # noqa: ANN001
    now = clock.now()
    with queue.app_context():
        everything = review.list_tasks(review.QueueFilter(include_closed=True), now, limit=500)
        assert len(everything) == TASKS
        open_ = [t for t in everything if t.status != review.CLOSED]
        page = review.queue_page(review.QueueFilter(), None, now, 20, 0)
        assert page.total == TASKS - 1 and _ids(page.tasks) == _ids(open_[:20])
        rest = review.queue_page(review.QueueFilter(), None, now, 20, 20)
        assert _ids(rest.tasks) == _ids(open_[20:]) and rest.total == TASKS - 1

        # reasons: an exact, case-sensitive prefix of any one reason, wildcards literal
        wanted = [t for t in open_ if any(r.startswith("plate_conf") for r in t.reasons)]
        assert len(wanted) == 10
        page = review.queue_page(review.QueueFilter(reason="plate_conf"), None, now, 4, 4)
        assert page.total == 10 and _ids(page.tasks) == _ids(wanted[4:8])
        assert review.queue_page(review.QueueFilter(reason="1_0"), None, now, 20, 0).total == 0
        assert review.queue_page(review.QueueFilter(reason="100%"), None, now, 20, 0).total == 1
        assert review.queue_page(review.QueueFilter(reason="PLATE"), None, now, 20, 0).total == 0

        contests = [t for t in open_ if t.kind == "contest"]
        page = review.queue_page(review.QueueFilter(), "contest", now, 5, 5)
        assert page.total == len(contests) == 8 and _ids(page.tasks) == _ids(contests[5:10])
        listed = review.list_tasks(review.QueueFilter(reason="plate_conf"), now, limit=3, offset=9)
        assert _ids(listed) == _ids(wanted[9:])


def test_only_one_page_of_rows_is_read(queue) -> None:  # noqa: ANN001
    statements: list[str] = []

    def seen(conn, cursor, statement, *_):  # noqa: ANN001, ANN202
        statements.append(statement)

    with queue.app_context():
        engine = db.engine
        sa.event.listen(engine, "before_cursor_execute", seen)
        try:
            page = review.queue_page(
                review.QueueFilter(reason="plate_conf"), None, clock.now(), 4, 0
            )
        finally:
            sa.event.remove(engine, "before_cursor_execute", seen)
    assert len(page.tasks) == 4 and page.total == 10
    selects = [s for s in statements if "FROM review_task" in s]
    assert any("count(" in s.lower() for s in selects)
    assert all("LIMIT" in s for s in selects if "count(" not in s.lower())


def test_list_tasks_keeps_the_api_s_default_page(queue) -> None:  # noqa: ANN001
    with queue.app_context():
        assert len(review.list_tasks(review.QueueFilter(), clock.now())) == 30
        assert len(review.list_tasks(review.QueueFilter(), clock.now(), limit=50, offset=25)) == 5
