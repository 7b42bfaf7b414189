"""Decisions back to the citizen: contest letters (upheld, cancelled, reduced) and the waiver."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from echallan.audit.models import AuditEntry
from echallan.challans.models import Challan, Contest, Notice, WaiverRequest
from echallan.core.extensions import db
from echallan.review.models import ReviewTask
from tests.integration import factories as f
from tests.integration.pages import form_token

NUMBER = "KHI-2026-00000001"
CNIC = "42101-9048475-4"  # ASF-813's owner in the registry seed
# Two days after the challan was issued (2026-11-23 12:00 PKT): inside the waiver window.
SOON = datetime(2026, 11, 25, 6, 0, tzinfo=UTC)


@pytest.fixture
def found(app, client):  # noqa: ANN001, ANN201
    """One issued challan for ASF-813, found by this browser; an officer; the clock near issue."""
    app.config["JOBS_MODE"] = "defer"
    app.config["CLOCK"] = lambda: SOON
    with app.app_context():
        f.camera()
        f.process(f.event(plate="ASF-813"))
        f.staff("officer1", "officer")
    assert client.get(f"/verify/{NUMBER}?plate=ASF813").status_code == 200
    return app


def contest_task(client) -> int:  # noqa: ANN001
    """File a contest through the API; return its review task."""
    body = {"plate": "ASF-813", "grounds": "My car was parked at home in Clifton at that time."}
    body["contact_phone"] = "+923001234567"
    return client.post(f"/api/v1/challans/{NUMBER}/contest", json=body).json["review_task_id"]


def officer(app):  # noqa: ANN001, ANN201
    """Return a signed-in officer's client."""
    client = app.test_client()
    f.sign_in(client, "officer1")
    return client


def decide(app, task_id: int, **body):  # noqa: ANN001, ANN003, ANN201
    """Claim and decide a contest task through the staff API."""
    staff = officer(app)
    assert staff.post(f"/api/v1/police/review-tasks/{task_id}/claim").status_code == 200
    return staff.post(f"/api/v1/police/review-tasks/{task_id}/contest", json=body)


def test_a_reduced_fine_is_stored_audited_sent_and_shown(found, client) -> None:  # noqa: ANN001
    task_id = contest_task(client)
    body = {"outcome": "reduced", "new_fine_paisa": 100_000, "note": "motorcycle, not car"}
    assert decide(found, task_id, **body).status_code == 201
    with found.app_context():
        challan = db.session.scalars(sa.select(Challan)).one()
        contest = db.session.scalars(sa.select(Contest)).one()
        assert (challan.status, challan.fine_paisa) == ("upheld", 100_000)
        assert (contest.status, contest.new_fine_paisa) == ("reduced", 100_000)
        assert contest.decision_reasons == ["motorcycle, not car"]
        actions = set(db.session.scalars(sa.select(AuditEntry.action)))
        assert {"contest.decided", "challan.fine_reduced"} <= actions
        sms = db.session.scalars(sa.select(Notice).where(Notice.recipient == "+923001234567"))
        text = sms.one().payload["text"]
        assert "fine is reduced" in text and "Rs 1,000" in text and "جرمانہ کم" in text
    page = client.get(f"/my/challans/{NUMBER}").get_data(as_text=True)
    assert "Decision letter" in page and "reduced from Rs" in page and "motorcycle, not car" in page


@pytest.mark.parametrize("new_fine", [0, 10_000_000, None])
def test_a_reduction_must_lower_the_fine(found, client, new_fine) -> None:  # noqa: ANN001
    task_id = contest_task(client)
    body = {"outcome": "reduced"} | ({} if new_fine is None else {"new_fine_paisa": new_fine})
    assert decide(found, task_id, **body).status_code == 422
    with found.app_context():
        assert db.session.scalar(sa.select(Challan.status)) == "contested"


def test_a_cancelled_contest_shows_its_letter_and_deciding_twice_is_refused(found, client) -> None:  # noqa: ANN001
    task_id = contest_task(client)
    body = {"outcome": "cancelled", "reason": "evidence_insufficient", "note": "not your car"}
    assert decide(found, task_id, **body).status_code == 201
    again = officer(found).post(f"/api/v1/police/review-tasks/{task_id}/contest", json=body)
    assert again.status_code == 409
    with found.app_context():
        assert (
            db.session.scalar(
                sa.select(sa.func.count())
                .select_from(Notice)
                .where(Notice.idempotency_key.like("contest:%"))
            )
            == 1
        )
    page = client.get(f"/my/challans/{NUMBER}").get_data(as_text=True)
    assert "the challan is cancelled" in page and "not your car" in page


def ask_waiver(client, cnic: str = CNIC, apology: str = "I am sorry; I will wear a helmet."):  # noqa: ANN001, ANN201
    """Send the waiver form."""
    page = f"/my/challans/{NUMBER}/waiver"
    token = form_token(client.get(page).get_data(as_text=True))
    return client.post(page, data={"csrf_token": token, "cnic": cnic, "apology": apology})


def test_the_waiver_is_asked_confirmed_audited_and_shown(found, client) -> None:  # noqa: ANN001
    assert 'id="waiver-link"' in client.get(f"/my/challans/{NUMBER}").get_data(as_text=True)
    assert ask_waiver(client).status_code == 302
    with found.app_context():
        task = db.session.scalars(sa.select(ReviewTask).where(ReviewTask.kind == "waiver")).one()
    staff = officer(found)
    route = f"/api/v1/police/review-tasks/{task.id}/waiver"
    answer = staff.post(route, json={"decision": "approve", "reason": "first offence, apology"})
    assert answer.status_code == 200 and answer.json["status"] == "approved"
    assert staff.post(route, json={"decision": "approve", "reason": "again"}).status_code == 409
    with found.app_context():
        assert db.session.scalar(sa.select(Challan.status)) == "waived"
        assert "waiver.approved" in set(db.session.scalars(sa.select(AuditEntry.action)))
    page = client.get(f"/my/challans/{NUMBER}").get_data(as_text=True)
    assert "waiver was granted" in page and "first offence, apology" in page


def test_the_generic_review_route_cannot_decide_a_waiver(found, client) -> None:  # noqa: ANN001
    assert ask_waiver(client).status_code == 302
    with found.app_context():
        task_id = db.session.scalar(sa.select(ReviewTask.id).where(ReviewTask.kind == "waiver"))
    staff = officer(found)
    staff.post(f"/api/v1/police/review-tasks/{task_id}/claim")
    route = f"/api/v1/police/review-tasks/{task_id}/decision"
    assert staff.post(route, json={"decision": "approve"}).status_code == 409
    with found.app_context():
        assert db.session.scalar(sa.select(Challan.status)) == "issued"


def test_a_wrong_cnic_or_a_late_apology_gets_no_waiver(found, client) -> None:  # noqa: ANN001
    assert ask_waiver(client, cnic="42101-9048475-5").status_code == 404
    found.config["CLOCK"] = lambda: datetime(2026, 12, 4, 6, 0, tzinfo=UTC)  # day 11
    assert ask_waiver(client).status_code == 409
    with found.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(WaiverRequest)) == 0


def test_the_window_is_a_setting(found, client) -> None:  # noqa: ANN001
    import dataclasses

    from echallan.core import deps

    wide = dataclasses.replace(deps.of(found).settings, waiver_window_days=30)
    deps.install(found, dataclasses.replace(deps.of(found), settings=wide))
    found.config["CLOCK"] = lambda: datetime(2026, 12, 4, 6, 0, tzinfo=UTC)  # day 11
    assert ask_waiver(client).status_code == 302


def test_one_waiver_per_cnic_a_year(found, client) -> None:  # noqa: ANN001
    with found.app_context():
        challan = db.session.scalars(sa.select(Challan)).one()
        db.session.add(
            WaiverRequest(
                challan_id=challan.id,
                cnic="4210190484754",
                apology="an earlier one",
                filed_at=datetime(2026, 6, 1, tzinfo=UTC),
                status="approved",
                decided_at=datetime(2026, 6, 2, tzinfo=UTC),
            )
        )
        db.session.commit()
    assert ask_waiver(client).status_code == 409
    with found.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(WaiverRequest)) == 1


def test_the_waiver_page_speaks_urdu(found, client) -> None:  # noqa: ANN001
    page = client.get(f"/my/challans/{NUMBER}/waiver?lang=ur").get_data(as_text=True)
    assert 'dir="rtl"' in page and "معافی کی درخواست دیں" in page


SECOND = "KHI-2026-00000002"


def approve_waiver(app, client) -> None:  # noqa: ANN001
    """Ask for the waiver on the first challan and have an officer approve it."""
    assert ask_waiver(client).status_code == 302
    with app.app_context():
        task_id = db.session.scalar(sa.select(ReviewTask.id).where(ReviewTask.kind == "waiver"))
    route = f"/api/v1/police/review-tasks/{task_id}/waiver"
    answer = officer(app).post(route, json={"decision": "approve", "reason": "first offence"})
    assert answer.status_code == 200 and answer.json["status"] == "approved"


def ask_second(client):  # noqa: ANN001, ANN201
    """Ask for the waiver on the owner's second challan."""
    page = f"/my/challans/{SECOND}/waiver"
    token = form_token(client.get(page).get_data(as_text=True))
    body = {"csrf_token": token, "cnic": CNIC, "apology": "Sorry again; it will not recur."}
    return client.post(page, data=body)


def test_a_second_challan_in_the_year_gets_no_waiver_until_the_period_ends(found, client) -> None:  # noqa: ANN001
    import dataclasses

    from echallan.core import deps

    approve_waiver(found, client)
    with found.app_context():  # a second offence a week later, issued the same day
        later = f.event(plate="ASF-813", occurred_at="2026-12-01T09:00:00+05:00", track_id=2)
        assert f.process(later, "2026-12-01T12:00:00+05:00") == "issued"
    found.config["CLOCK"] = lambda: datetime(2026, 12, 2, 6, 0, tzinfo=UTC)
    assert client.get(f"/verify/{SECOND}?plate=ASF813").status_code == 200
    refused = ask_second(client)
    text = refused.get_data(as_text=True)
    assert refused.status_code == 409
    assert "already" in text and "365 days" in text and "25 Nov 2027" in text
    with found.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(WaiverRequest)) == 1
    client.get(f"/my/challans/{SECOND}/waiver?lang=ur")
    urdu = ask_second(client).get_data(as_text=True)
    assert "معافی پہلے ہی مانگی یا دی جا چکی ہے" in urdu and "25 Nov 2027" in urdu
    client.get(f"/my/challans/{SECOND}/waiver?lang=en")
    # The period is the WAIVER_ONCE_PER_DAYS setting: once it has passed, the owner may ask.
    short = dataclasses.replace(deps.of(found).settings, waiver_once_per_days=5)
    deps.install(found, dataclasses.replace(deps.of(found), settings=short))
    assert ask_second(client).status_code == 302
    with found.app_context():
        statuses = db.session.scalars(sa.select(WaiverRequest.status).order_by(WaiverRequest.id))
        assert list(statuses) == ["approved", "open"]
