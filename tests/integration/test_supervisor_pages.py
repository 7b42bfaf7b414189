"""The supervisor's desk: decisions with who, when and why; reopen; counts and agreement."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from echallan.challans import issuance as violations
from echallan.challans.models import Challan
from echallan.core import clock, deps
from echallan.core.extensions import db
from echallan.core.uow import unit_of_work
from echallan.review import operations as review
from echallan.review.models import ReviewDecision, ReviewTask
from echallan.staff.models import User
from tests.integration import factories as f
from tests.integration.pages import post_form, sign_in_page

DESK = "/staff/decisions"


def decide(username: str, task_id: int, choice: review.DecisionInput) -> None:
    """Claim and decide a task as an officer, through the operations the API calls."""
    with unit_of_work():
        user = db.session.scalar(sa.select(User).where(User.username == username))
        task = review.get_task(task_id)
        review.claim(task, user, clock.now(), timedelta(minutes=10))
        violations.decide_review(deps.current(), task, user, choice, clock.now())


def queued(plate: str, track_id: int) -> int:
    """Put one low-confidence read in the queue; return its task id."""
    f.process(f.event(plate=plate, confidence=0.6, track_id=track_id))
    return db.session.scalar(sa.select(sa.func.max(ReviewTask.id)))


@pytest.fixture
def desk(app):  # noqa: ANN001, ANN201
    """Two officers with two decisions each, a supervisor, an admin."""
    app.config["JOBS_MODE"] = "defer"
    with app.app_context():
        f.camera()
        for name, role in (("amna", "officer"), ("bilal", "officer"), ("super", "supervisor")):
            f.staff(name, role)
        f.staff("root", "admin")
        reject = review.DecisionInput("reject", reason="not_a_violation")
        for n, who in enumerate(("amna", "amna", "bilal", "bilal")):
            decide(who, queued(f"ASF-81{n}", track_id=n + 1), reject)
    return app


def decision_of(app, username: str) -> int:  # noqa: ANN001
    """Return the id of a decision by `username`."""
    with app.app_context():
        query = sa.select(ReviewDecision.id).where(ReviewDecision.actor == f"user:{username}")
        return db.session.scalars(query.order_by(ReviewDecision.id)).first()


def signed(app, username: str):  # noqa: ANN001, ANN201
    """Return a test client signed in through the form."""
    client = app.test_client()
    assert sign_in_page(client, username).status_code == 302
    return client


def rate_of(html: str, officer: str) -> str:
    """Read an officer's agreement rate from the desk's table."""
    row = html.split(f'data-officer="{officer}"', 1)[1].split("</tr>", 1)[0]
    return row.split('class="rate">', 1)[1].split("<", 1)[0].strip()


def test_the_desk_lists_who_when_why_and_outcome(desk) -> None:  # noqa: ANN001
    page = signed(desk, "super").get(DESK)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "amna" in html and "bilal" in html and "not_a_violation" in html
    assert "dismissed" in html and "<time datetime=" in html
    assert rate_of(html, "amna") == "100%" and rate_of(html, "bilal") == "100%"


def test_a_reopen_changes_the_officers_agreement_and_is_audited(desk) -> None:  # noqa: ANN001
    client = signed(desk, "super")
    target = decision_of(desk, "amna")
    done = post_form(client, DESK, f"{DESK}/{target}/reopen", reason="camera was fine")
    assert done.status_code == 303
    html = client.get(DESK).get_data(as_text=True)
    assert rate_of(html, "amna") == "50%" and rate_of(html, "bilal") == "100%"
    assert "reopened" in html and "camera was fine" in html
    with desk.app_context():
        from echallan.audit.models import AuditEntry

        actions = db.session.scalars(sa.select(AuditEntry.action)).all()
        assert "review.reopened" in actions
        assert db.session.scalar(sa.select(sa.func.count()).where(ReviewTask.status == "open")) == 1


def test_a_reopen_needs_a_reason_and_happens_once(desk) -> None:  # noqa: ANN001
    client = signed(desk, "super")
    target = decision_of(desk, "amna")
    blank = post_form(client, DESK, f"{DESK}/{target}/reopen", reason="  ")
    assert blank.status_code == 303
    assert "write why" in client.get(DESK).get_data(as_text=True)
    post_form(client, DESK, f"{DESK}/{target}/reopen", reason="second look")
    again = post_form(client, DESK, f"{DESK}/{target}/reopen", reason="third look")
    assert again.status_code == 303
    assert "reopened already" in client.get(DESK).get_data(as_text=True)
    missing = post_form(client, DESK, f"{DESK}/999999/reopen", reason="why not")
    assert missing.status_code == 303
    with desk.app_context():
        reopens = sa.select(sa.func.count()).where(ReviewDecision.decision == "reopen")
        assert db.session.scalar(reopens) == 1


def test_a_reopen_without_the_token_is_refused(desk) -> None:  # noqa: ANN001
    client = signed(desk, "super")
    target = decision_of(desk, "amna")
    refused = client.post(f"{DESK}/{target}/reopen", data={"reason": "no token"})
    assert refused.status_code in (400, 403)
    with desk.app_context():
        assert (
            db.session.scalar(sa.select(sa.func.count()).where(ReviewDecision.decision == "reopen"))
            == 0
        )


def test_filters_by_officer_and_date_and_paginates(desk) -> None:  # noqa: ANN001
    client = signed(desk, "super")
    only = client.get(f"{DESK}?officer=bilal").get_data(as_text=True)
    assert 'data-officer="bilal"' in only and 'data-officer="amna"' not in only
    assert "user:amna" not in only and ">amna<" not in only.split('id="decisions"')[1]
    future = client.get(f"{DESK}?from=2999-01-01").get_data(as_text=True)
    assert "No decision matches." in future
    bad = client.get(f"{DESK}?from=yesterday&page=-3&officer=" + "x" * 500)
    assert bad.status_code == 200 and "YYYY-MM-DD" in bad.get_data(as_text=True)
    backwards = client.get(f"{DESK}?from=2026-12-02&to=2026-12-01").get_data(as_text=True)
    assert "run forward" in backwards


def test_pages_of_twenty(desk, monkeypatch) -> None:  # noqa: ANN001
    from echallan.staff import supervisor_pages

    monkeypatch.setattr(supervisor_pages, "PER_PAGE", 3)
    client = signed(desk, "super")
    first = client.get(DESK).get_data(as_text=True)
    assert "Page 1 of 3" in first and 'rel="next"' in first
    last = client.get(f"{DESK}?page=3").get_data(as_text=True)
    assert "Page 3 of 3" in last and 'rel="next"' not in last


@pytest.mark.parametrize("who, status", [("amna", 403), ("super", 200), ("root", 200)])
def test_only_supervisors_and_admins_open_the_desk(desk, who, status) -> None:  # noqa: ANN001
    client = signed(desk, who)
    assert client.get(DESK).status_code == status
    start = client.get("/staff").get_data(as_text=True)
    assert (DESK in start) == (status == 200)


def test_an_officer_cannot_reopen(desk) -> None:  # noqa: ANN001
    client = signed(desk, "amna")
    target = decision_of(desk, "bilal")
    refused = post_form(client, "/staff", f"{DESK}/{target}/reopen", reason="mine now")
    assert refused.status_code == 403


def test_signed_out_goes_to_sign_in(desk) -> None:  # noqa: ANN001
    response = desk.test_client().get(DESK)
    assert response.status_code == 302 and "/staff/sign-in" in response.headers["Location"]


def test_the_desk_in_urdu_is_right_to_left(desk) -> None:  # noqa: ANN001
    html = signed(desk, "super").get(f"{DESK}?lang=ur").get_data(as_text=True)
    assert 'lang="ur" dir="rtl"' in html and "اتفاق" in html and "دوبارہ کھولیں" in html


def test_an_issued_challan_links_to_its_cancel_page(desk) -> None:  # noqa: ANN001
    approve = review.DecisionInput("approve", note="red light, plate clear")
    with desk.app_context():
        decide("amna", queued("ASF-813", track_id=9), approve)
        challan = db.session.scalars(sa.select(Challan)).one()  # the approval issued it
        number = challan.number
        rows = db.session.scalar(
            sa.select(sa.func.count()).where(ReviewDecision.event_id == challan.event_id)
        )
    client = signed(desk, "super")
    html = client.get(DESK).get_data(as_text=True)
    link = f'href="/staff/challans/{number}/cancel"'
    assert html.count(link) == rows  # each row of that case, none of the rejected cases
    page = client.get(f"/staff/challans/{number}/cancel")
    assert page.status_code == 200 and number in page.get_data(as_text=True)
    urdu = client.get(f"{DESK}?lang=ur").get_data(as_text=True)
    assert f"چالان {number} منسوخ کریں" in urdu
