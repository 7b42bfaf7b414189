"""The police review queue over HTTP: roles on every action, claims, decisions, races."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
import sqlalchemy as sa

from echallan.challans.events import ViolationEvent
from echallan.challans.models import Challan
from echallan.core.extensions import db
from echallan.review.models import ReviewDecision, ReviewTask
from tests.integration import factories as f

OFFICERS = ("officer1", "officer2")


@pytest.fixture
def queue(app):  # noqa: ANN001, ANN201
    """Staff of every role and one task in the queue (a low-confidence read of ASF-813)."""
    app.config["JOBS_MODE"] = "defer"
    with app.app_context():
        f.camera()
        for name in OFFICERS:
            f.staff(name, "officer")
        f.staff("super", "supervisor")
        f.staff("root", "admin")
        f.process(f.event(plate="ASF-813", confidence=0.6))
        task_id = db.session.scalar(sa.select(ReviewTask.id))
    return app, task_id


def signed_in(app, username: str | None):  # noqa: ANN001, ANN201
    """Return a client signed in as `username` (None: signed out)."""
    client = app.test_client()
    if username:
        f.sign_in(client, username)
    return client


def claimed(app, username: str, task_id: int):  # noqa: ANN001, ANN201
    """Return a client signed in as `username` holding the claim on the task."""
    client = signed_in(app, username)
    assert client.post(f"/api/v1/police/review-tasks/{task_id}/claim").status_code == 200
    return client


ACTIONS = [
    ("get", "/api/v1/police/review-tasks", None),
    ("get", "/api/v1/police/review-tasks/{id}", None),
    ("post", "/api/v1/police/review-tasks/{id}/claim", None),
    ("post", "/api/v1/police/review-tasks/{id}/decision", {"decision": "approve"}),
    ("post", "/api/v1/police/review-tasks/{id}/reopen", {"reason": "second look"}),
    ("get", "/api/v1/police/decisions", None),
]
SUPERVISOR_ONLY = {"/api/v1/police/review-tasks/{id}/reopen", "/api/v1/police/decisions"}


@pytest.mark.parametrize(("method", "path", "body"), ACTIONS)
@pytest.mark.parametrize("who", [None, "officer1", "super", "root"])
def test_roles_on_every_action(queue, method, path, body, who) -> None:  # noqa: ANN001
    app, task_id = queue
    response = getattr(signed_in(app, who), method)(path.format(id=task_id), json=body)
    if who is None:
        assert response.status_code == 401
    elif who == "officer1" and path in SUPERVISOR_ONLY:
        assert response.status_code == 403
    else:
        assert response.status_code not in (401, 403), response.json
    assert response.status_code < 400 or response.mimetype == "application/problem+json"


def test_list_shows_reason_and_age(queue) -> None:  # noqa: ANN001
    app, task_id = queue
    tasks = signed_in(app, "officer1").get("/api/v1/police/review-tasks?reason=low_plate").json
    assert [t["id"] for t in tasks] == [task_id]
    assert tasks[0]["reasons"] == ["low_plate_confidence"] and tasks[0]["age_s"] >= 0
    assert tasks[0]["event"]["plate_read"] == "ASF-813"
    none = signed_in(app, "officer1").get("/api/v1/police/review-tasks?rule=wrong_way").json
    assert none == []


def test_claim_locks_the_task_for_others(queue) -> None:  # noqa: ANN001
    app, task_id = queue
    first = signed_in(app, "officer1").post(f"/api/v1/police/review-tasks/{task_id}/claim")
    assert first.status_code == 200 and first.json["status"] == "claimed"
    other = signed_in(app, "officer2")
    assert other.post(f"/api/v1/police/review-tasks/{task_id}/claim").status_code == 409
    decided = other.post(
        f"/api/v1/police/review-tasks/{task_id}/decision", json={"decision": "approve"}
    )
    assert decided.status_code == 409


def test_approve_issues_the_challan(queue) -> None:  # noqa: ANN001
    app, task_id = queue
    response = claimed(app, "officer1", task_id).post(
        f"/api/v1/police/review-tasks/{task_id}/decision", json={"decision": "approve"}
    )
    assert response.status_code == 201, response.json
    with app.app_context():
        challan = db.session.scalar(sa.select(Challan))
        assert challan.status == "issued" and challan.plate == "ASF-813"
        actors = db.session.scalars(
            sa.select(ReviewDecision.actor).order_by(ReviewDecision.id)
        ).all()
        assert actors == ["system:issuance", "user:officer1"]


def test_reject_needs_a_listed_reason(queue) -> None:  # noqa: ANN001
    app, task_id = queue
    client = claimed(app, "officer1", task_id)
    url = f"/api/v1/police/review-tasks/{task_id}/decision"
    assert client.post(url, json={"decision": "reject"}).status_code == 422
    assert client.post(url, json={"decision": "reject", "reason": "because"}).status_code == 422
    ok = client.post(url, json={"decision": "reject", "reason": "plate_unreadable"})
    assert ok.status_code == 201
    with app.app_context():
        assert db.session.scalar(sa.select(ViolationEvent.status)) == "dismissed"


def test_corrected_plate_reruns_the_lookup(queue) -> None:  # noqa: ANN001
    """The officer reads ASF-613 instead: a motorcycle in the registry, so a new review task."""
    app, task_id = queue
    client = claimed(app, "officer1", task_id)
    response = client.post(
        f"/api/v1/police/review-tasks/{task_id}/decision",
        json={"decision": "correct_plate", "corrected_plate": "ASF-613"},
    )
    assert response.status_code == 201
    with app.app_context():
        tasks = db.session.scalars(sa.select(ReviewTask).order_by(ReviewTask.id)).all()
        assert [t.status for t in tasks] == ["closed", "open"]
        assert "registry_class_mismatch" in tasks[1].reasons
        event = db.session.scalar(sa.select(ViolationEvent))
        assert event.plate_read == "ASF-613" and event.evidence["machine_plate_read"] == "ASF-813"


def test_supervisor_reopens_and_sees_all_decisions(queue) -> None:  # noqa: ANN001
    app, task_id = queue
    claimed(app, "officer1", task_id).post(
        f"/api/v1/police/review-tasks/{task_id}/decision",
        json={"decision": "reject", "reason": "not_a_violation"},
    )
    supervisor = signed_in(app, "super")
    decisions = supervisor.get("/api/v1/police/decisions").json
    assert {d["actor"] for d in decisions} == {"system:issuance", "user:officer1"}
    assert {d["outcome"] for d in decisions} == {"dismissed"}
    reopened = supervisor.post(
        f"/api/v1/police/review-tasks/{task_id}/reopen", json={"reason": "camera was fine"}
    )
    assert reopened.status_code == 201 and reopened.json["status"] == "open"
    after = {d["decision"]: d for d in supervisor.get("/api/v1/police/decisions").json}
    assert after["reopen"]["actor"] == "user:super"
    assert after["reopen"]["reasons"] == ["camera was fine"]
    assert after["reject"]["outcome"] == "reopened"


def test_a_decision_needs_the_claim(queue) -> None:  # noqa: ANN001
    app, task_id = queue
    response = signed_in(app, "officer1").post(
        f"/api/v1/police/review-tasks/{task_id}/decision", json={"decision": "approve"}
    )
    assert response.status_code == 409 and "claim" in response.json["detail"]
    assert response.mimetype == "application/problem+json"
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Challan)) == 0


def test_a_duplicate_does_not_enter_the_queue(queue) -> None:  # noqa: ANN001
    app, task_id = queue
    claimed(app, "officer1", task_id).post(
        f"/api/v1/police/review-tasks/{task_id}/decision", json={"decision": "approve"}
    )
    with app.app_context():  # the same offence again, a second later, from another clip
        f.process(
            f.event(
                plate="ASF-813", confidence=0.6, track_id=7, occurred_at="2026-11-23T10:15:05+05:00"
            )
        )
        statuses = db.session.scalars(sa.select(ReviewTask.status)).all()
        assert statuses == ["closed"]
        events = db.session.scalars(sa.select(ViolationEvent.status).order_by(ViolationEvent.id))
        assert list(events) == ["issued", "duplicate"]


def test_evidence_images_by_id_and_no_paths(queue, tmp_path) -> None:  # noqa: ANN001
    import cv2
    import numpy as np

    from echallan.core import deps

    app, task_id = queue
    with app.app_context():
        folder = deps.current().store.evidence_dir("ab" * 32)
        folder.mkdir(parents=True, exist_ok=True)
        paths = []
        for i in range(3):
            path = folder / f"t_{i}.png"
            cv2.imwrite(str(path), np.full((120, 160, 3), 40 * i, np.uint8))
            paths.append(str(path))
        task = db.session.get(ReviewTask, task_id)
        event = task.event
        event.evidence = {
            **event.evidence,
            "frames": [
                {"path": p, "caption": c, "frame": 40}
                for p, c in zip(paths, ("before", "at", "after"), strict=True)
            ],
            "plate_crop": paths[0],
        }
        db.session.commit()
    client = signed_in(app, "officer1")
    body = client.get(f"/api/v1/police/review-tasks/{task_id}").get_data(as_text=True)
    assert str(folder) not in body and "/nonexistent" not in body
    base = f"/api/v1/police/review-tasks/{task_id}/images"
    at = client.get(f"{base}/frame-1")
    assert at.status_code == 200 and at.mimetype == "image/png"
    assert at.data == Path(paths[1]).read_bytes()
    vehicle = client.get(f"{base}/vehicle")
    assert vehicle.status_code == 200
    crop = cv2.imdecode(np.frombuffer(vehicle.data, np.uint8), cv2.IMREAD_COLOR)
    assert crop.shape[:2] == (104, 122)  # the box [10, 20, 100, 80] with a 12 px margin
    for bad in ("frame-9", "..%2F..%2Fetc%2Fpasswd", "plate.png"):
        assert client.get(f"{base}/{bad}").status_code == 404
    assert signed_in(app, None).get(f"{base}/frame-1").status_code == 401


def test_two_officers_deciding_at_once_one_wins(queue) -> None:  # noqa: ANN001
    app, task_id = queue
    # One officer's claim, two tabs deciding at once: the version column lets one win.
    clients = [claimed(app, "officer1", task_id) for _ in OFFICERS]
    barrier, codes = threading.Barrier(2), []

    def decide(client) -> None:  # noqa: ANN001
        barrier.wait()
        url = f"/api/v1/police/review-tasks/{task_id}/decision"
        codes.append(client.post(url, json={"decision": "approve"}).status_code)

    threads = [threading.Thread(target=decide, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(codes) == [201, 409]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Challan)) == 1
        humans = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(ReviewDecision)
            .where(ReviewDecision.actor.like("user:%"))
        )
        assert humans == 1


HUGE = "99999999999999999999"  # past SQLite's 64-bit integers and PostgreSQL's bigint


@pytest.mark.parametrize(
    "query", [f"assignee_id={HUGE}", f"offset={HUGE}", "older_than_s=99999999999999"]
)
def test_numbers_no_database_can_hold_are_refused_as_invalid(queue, query) -> None:  # noqa: ANN001
    # found by schemathesis: each was a 500 (an overflow in the database driver or a date)
    response = signed_in(queue[0], "officer1").get(f"/api/v1/police/review-tasks?{query}")
    assert response.status_code == 422, response.json
    assert response.mimetype == "application/problem+json"
    assert query.split("=")[0] in response.json["errors"]["query"]


def test_a_task_id_no_row_can_have_is_not_found(queue) -> None:  # noqa: ANN001
    client = signed_in(queue[0], "officer1")
    assert client.get(f"/api/v1/police/review-tasks/{HUGE}").status_code == 404
    assert client.post(f"/api/v1/police/review-tasks/{HUGE}/claim").status_code == 404
