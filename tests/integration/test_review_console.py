"""The officer's review console through Flask's test client: queue, evidence viewer, decisions."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from echallan.challans.events import EventStatus, ViolationEvent
from echallan.core.extensions import db
from echallan.review.models import ReviewDecision, ReviewTask
from tests.integration import console_factories as cf
from tests.integration import factories as f
from tests.integration.pages import form_token, sign_in_page

HUMAN = ReviewDecision.decided_by_id.is_not(None)  # the machine records its own decisions too


@pytest.fixture
def console(app):  # noqa: ANN001, ANN201
    """Staff of every role, a camera, and one task whose evidence is really stored."""
    app.config["JOBS_MODE"] = "defer"
    with app.app_context():
        f.camera()
        f.staff("officer1", "officer")
        f.staff("officer2", "officer")
        f.staff("super", "supervisor")
        f.staff("root", "admin")
        task_id = cf.stored_task()
    return app, task_id


def signed_in(app, username: str):  # noqa: ANN001, ANN201
    """Return a test client signed in through the sign-in form."""
    client = app.test_client()
    assert sign_in_page(client, username).status_code == 302
    return client


def claim(client, task_id: int):  # noqa: ANN001, ANN201
    """Claim a task with the queue's Claim button."""
    token = form_token(client.get("/review").get_data(as_text=True))
    return client.post(f"/review/{task_id}/claim", data={"csrf_token": token})


def decide(client, task_id: int, action: str, **fields: str):  # noqa: ANN001, ANN201
    """Post one of the task page's decision forms with its own CSRF token."""
    html = client.get(f"/review/{task_id}").get_data(as_text=True)
    prefix = {"approve": "approve", "reject": "reject", "correct-plate": "correct"}[action]
    token = re.search(rf'name="{prefix}-csrf_token" type="hidden" value="([^"]+)"', html)
    assert token, f"no {prefix} form on the page"
    data = {f"{prefix}-csrf_token": token.group(1)}
    data.update({f"{prefix}-{name}": value for name, value in fields.items()})
    return client.post(f"/review/{task_id}/{action}", data=data)


@pytest.mark.parametrize("who", ["officer1", "super", "root"])
def test_every_staff_role_opens_the_console(console, who) -> None:  # noqa: ANN001
    app, task_id = console
    client = signed_in(app, who)
    assert client.get("/review").status_code == 200
    assert client.get(f"/review/{task_id}").status_code == 200


def test_signed_out_and_citizen_sessions_are_sent_to_the_staff_sign_in(console) -> None:  # noqa: ANN001
    app, task_id = console
    citizen = app.test_client()
    with citizen.session_transaction() as session:  # a citizen who looked a challan up
        session["found_challans"] = ["KHI-2026-000001"]
    for path in ("/review", f"/review/{task_id}", f"/review/{task_id}/images/plate"):
        response = citizen.get(path)
        assert response.status_code == 302 and "/staff/sign-in" in response.location
    refused = citizen.post(f"/review/{task_id}/claim", data={})
    assert refused.status_code in (302, 400)  # signed out: no claim either way
    with app.app_context():
        assert db.session.get(ReviewTask, task_id).claimed_by_id is None


def test_the_queue_filters_by_rule_reason_camera_age_assignee_and_kind(console) -> None:  # noqa: ANN001
    app, task_id = console
    client = signed_in(app, "officer1")

    def listed(query: str) -> set[int]:
        html = client.get(f"/review?{query}").get_data(as_text=True)
        return {int(n) for n in re.findall(r'<tr data-task="(\d+)"', html)}

    assert listed("") == {task_id}
    assert listed("rule=red_light") == {task_id} and listed("rule=wrong_way") == set()
    assert listed("reason=low_plate_confidence") == {task_id}
    assert listed("reason=registry_not_found") == set()
    assert listed("reason=registry_class_mismatch") == {task_id}  # a car read as a CD 70
    html = client.get("/review").get_data(as_text=True)
    assert 'data-reason="registry_class_mismatch">Vehicle class mismatch</span>' in html
    assert listed(f"camera={f.CAMERA_ID}") == {task_id}
    assert listed("kind=violation") == {task_id} and listed("kind=contest") == set()
    assert listed("age=72") == set()  # it was queued a moment ago
    assert listed("assignee=me") == set()
    claim(client, task_id)
    assert listed("assignee=me") == {task_id}
    # a tampered filter is said plainly, never a 500, and the whole queue is shown
    page = client.get("/review?camera=../../etc&rule=speeding")
    assert page.status_code == 200 and "not one of its choices" in page.get_data(as_text=True)
    assert listed("camera=../../etc") == {task_id}
    assert client.get("/review?rule=%00").status_code == 422  # the app's guard, as a page


def test_the_queue_pages_twenty_at_a_time(console) -> None:  # noqa: ANN001
    app, first = console
    with app.app_context():
        for track in range(2, 24):
            f.process(f.event(plate="ASF-813", confidence=0.5, track_id=track))
    client = signed_in(app, "officer1")
    html = client.get("/review").get_data(as_text=True)
    assert len(re.findall(r"<tr data-task=", html)) == 20
    assert "Tasks 1–20 of 23" in html and 'rel="next"' in html and 'rel="prev"' not in html
    rest = client.get("/review?offset=20&rule=red_light").get_data(as_text=True)
    assert len(re.findall(r"<tr data-task=", rest)) == 3 and "Tasks 21–23 of 23" in rest
    assert 'rel="prev"' in rest and "rule=red_light" in rest
    assert client.get("/review?offset=-5").status_code == 200  # a bad offset is the first page


def test_sla_age_and_a_claim_s_holder_and_expiry_are_shown(console) -> None:  # noqa: ANN001
    app, task_id = console
    with app.app_context():
        task = db.session.get(ReviewTask, task_id)
        task.created_at = task.created_at - timedelta(hours=5)  # past the 4 h SLA
        db.session.commit()
    holder = signed_in(app, "officer1")
    claim(holder, task_id)
    html = signed_in(app, "officer2").get("/review").get_data(as_text=True)
    row = html.split(f'<tr data-task="{task_id}"', 1)[1].split("</tr>", 1)[0]
    assert 'class="overdue"' in row and "past SLA" in row and "5 hours" in row
    assert "Claimed by officer1" in row and "until" in row
    assert "Claim task" not in row  # a live claim of someone else offers no button
    with app.app_context():  # the lock runs out
        task = db.session.get(ReviewTask, task_id)
        task.claim_expires_at = task.claim_expires_at - timedelta(hours=1)
        db.session.commit()
    row = signed_in(app, "officer2").get("/review").get_data(as_text=True)
    row = row.split(f'<tr data-task="{task_id}"', 1)[1].split("</tr>", 1)[0]
    assert "Claim by officer1 expired at" in row and "Claim task" in row


def test_the_evidence_viewer_draws_over_the_original_frames(console) -> None:  # noqa: ANN001
    app, task_id = console
    client = signed_in(app, "officer1")
    html = client.get(f"/review/{task_id}").get_data(as_text=True)
    assert html.count('<svg class="overlay" viewBox="0 0 1280 720"') == 3
    assert '<line class="stop-line" x1="80" y1="430" x2="1200" y2="430"/>' in html
    assert 'points="600,600 600,500 600,400"' in html  # box-bottom centres of the track
    assert '<rect class="vehicle-box" x="500" y="380" width="200" height="120"/>' in html
    assert f"/review/{task_id}/images/frame-1" in html and 'id="plate-crop"' in html
    assert ">ASF-613<" in html and ">60%<" in html  # the read beside its confidence
    assert 'id="registry-make">Honda CD 70' in html and "mismatch" in html  # a car, not a CD 70
    assert '<rect class="phase red" x="375.0"' in html  # 3000 ms of an 8000 ms strip
    assert '<line class="moment" x1="450.0"' in html  # the offence at 3600 ms
    with app.app_context():
        sha = db.session.scalar(sa.select(ViolationEvent)).evidence["clip_sha256"]
    assert f'<code id="clip-sha" dir="ltr">{sha}</code>' in html
    assert "<video controls" in html and 'class="strip-frame"' in html  # frames as fallback
    image = client.get(f"/review/{task_id}/images/plate")
    assert image.status_code == 200 and image.mimetype == "image/png"
    assert client.get(f"/review/{task_id}/images/..%2Fetc").status_code == 404


def test_the_clip_streams_with_range_requests(console) -> None:  # noqa: ANN001
    app, task_id = console
    client = signed_in(app, "officer1")
    whole = client.get(f"/review/{task_id}/clip")
    assert whole.status_code == 200 and whole.mimetype == "video/mp4"
    part = client.get(f"/review/{task_id}/clip", headers={"Range": "bytes=0-99"})
    assert part.status_code == 206 and len(part.data) == 100
    assert part.headers["Content-Range"].startswith("bytes 0-99/")
    assert part.data == whole.data[:100]


def test_deciding_needs_the_claim(console) -> None:  # noqa: ANN001
    app, task_id = console
    client = signed_in(app, "officer1")
    html = client.get(f"/review/{task_id}").get_data(as_text=True)
    assert 'id="approve-form"' not in html and 'id="claim"' in html
    response = claim(client, task_id)
    assert response.status_code == 302 and response.location.endswith(f"/review/{task_id}")
    html = client.get(f"/review/{task_id}").get_data(as_text=True)
    assert "You hold task" in html and 'id="approve-form"' in html


def test_a_decision_without_the_claim_is_refused_as_a_page(console) -> None:  # noqa: ANN001
    app, task_id = console
    client = signed_in(app, "officer1")
    token = form_token(client.get(f"/review/{task_id}").get_data(as_text=True))
    data = {"approve-csrf_token": token, "approve-note": "looks right to me"}
    refused = client.post(f"/review/{task_id}/approve", data=data)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 409 and "Not recorded: claim review task" in html
    assert refused.mimetype == "text/html"
    missing = client.get("/review/999999")
    assert missing.status_code == 404 and missing.mimetype == "text/html"
    with app.app_context():
        assert not db.session.scalar(sa.select(ReviewDecision.id).where(HUMAN))


def test_reject_without_a_reason_re_renders_with_a_message(console) -> None:  # noqa: ANN001
    app, task_id = console
    client = signed_in(app, "officer1")
    claim(client, task_id)
    refused = decide(client, task_id, "reject", reason="", note="")
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "Choose the reason for rejecting." in html
    assert 'aria-invalid="true"' in html
    tampered = decide(client, task_id, "reject", reason="because")
    assert tampered.status_code == 422
    no_why = decide(client, task_id, "approve", note="")
    assert no_why.status_code == 422 and "Say why you approve." in no_why.get_data(as_text=True)
    with app.app_context():
        assert not db.session.scalar(sa.select(ReviewDecision.id).where(HUMAN))


def test_reject_with_a_listed_reason_is_shown_back(console) -> None:  # noqa: ANN001
    app, task_id = console
    client = signed_in(app, "officer1")
    claim(client, task_id)
    done = decide(client, task_id, "reject", reason="plate_unreadable", note="glare")
    assert done.status_code == 302
    html = client.get(done.location).get_data(as_text=True)
    assert f"Task {task_id} rejected. Outcome: dismissed." in html
    assert 'data-decision="reject"' in html and "plate_unreadable; glare" in html
    with app.app_context():
        assert db.session.scalar(sa.select(ViolationEvent.status)) == EventStatus.DISMISSED


def test_a_bad_plate_is_refused_and_a_good_one_looked_up_again(console) -> None:  # noqa: ANN001
    app, task_id = console
    client = signed_in(app, "officer1")
    claim(client, task_id)
    for bad in ("<script>", "12345", "ASF-813-XXXXXXXXXXXX"):
        refused = decide(client, task_id, "correct-plate", plate=bad, note="reads 8")
        assert refused.status_code == 422, bad
        assert 'id="correct-plate-error"' in refused.get_data(as_text=True)
    done = decide(client, task_id, "correct-plate", plate="asf-813", note="the 8 is a 6 in glare")
    assert done.status_code == 302
    html = client.get(done.location).get_data(as_text=True)
    assert f"Task {task_id} plate corrected to ASF-813." in html
    with app.app_context():
        event = db.session.scalar(sa.select(ViolationEvent))
        assert event.plate_read == "ASF-813" and event.evidence["machine_plate_read"] == "ASF-613"
        assert event.status in (EventStatus.ISSUED, EventStatus.IN_REVIEW)


def test_approve_without_an_owner_is_refused_and_rolled_back(console) -> None:  # noqa: ANN001
    app, _ = console
    with app.app_context():
        task_id = cf.stored_task(plate="ZZZ-999", track_id=2, with_clip=False)
    client = signed_in(app, "officer1")
    claim(client, task_id)
    refused = decide(client, task_id, "approve", note="looks right")
    html = refused.get_data(as_text=True)
    assert refused.status_code == 409 and "Not recorded: no registered owner" in html
    with app.app_context():
        assert db.session.get(ReviewTask, task_id).status == "claimed"  # nothing half-done
        assert not db.session.scalar(sa.select(ReviewDecision.id).where(HUMAN))
