"""The partner API: outstanding challans by plate or CNIC, status, ownership changes."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from echallan.audit.models import AuditEntry, IdempotencyRecord
from echallan.challans.models import Challan, Notice
from echallan.core.extensions import db
from echallan.review.models import ReviewDecision, ReviewTask
from tests.integration import factories as f

SELLER_CNIC = "4210190484754"  # ASF-813's owner in the registry seed


@pytest.fixture
def issued(app):  # noqa: ANN001, ANN201
    """Two challans for ASF-813 and keys for each partner scope."""
    app.config["JOBS_MODE"] = "defer"
    with app.app_context():
        f.camera()
        for n, when in enumerate(("2026-11-20T09:00:00+05:00", "2026-11-22T18:30:00+05:00")):
            f.process(f.event(plate="ASF-813", occurred_at=when, track_id=n))
        keys = {
            "read": f.partner_key(["challans:read"], "excise-read"),
            "write": f.partner_key(["ownership:write"], "excise-write"),
            "bank": f.partner_key(["payments:write"], "bank"),
        }
    return app, keys


def get(app, key, url):  # noqa: ANN001, ANN201
    """GET with an API key."""
    return app.test_client().get(url, headers={"X-Api-Key": key} if key else {})


def test_outstanding_by_plate_ignores_separators(issued) -> None:  # noqa: ANN001
    app, keys = issued
    page = get(app, keys["read"], "/api/v1/partners/challans?plate=asf813").json
    assert page["total"] == 2 and len(page["items"]) == 2
    item = page["items"][0]
    assert item["bill_status"] == "U" and item["amount_due_paisa"] > 0
    assert not {"owner_name", "owner_cnic", "owner_phone", "owner_address"} & set(item)


def test_outstanding_by_cnic_is_paginated(issued) -> None:  # noqa: ANN001
    app, keys = issued
    first = get(app, keys["read"], f"/api/v1/partners/challans?cnic={SELLER_CNIC}&limit=1").json
    second = get(
        app, keys["read"], f"/api/v1/partners/challans?cnic={SELLER_CNIC}&limit=1&offset=1"
    ).json
    assert first["total"] == second["total"] == 2
    assert first["items"][0]["number"] != second["items"][0]["number"]


@pytest.mark.parametrize(
    "query",
    ["cnic=12345", "cnic=42101-9048475-4x", "plate=%%%", "", "plate=ASF813&cnic=4210190484754"],
)
def test_bad_queries_are_422(issued, query) -> None:  # noqa: ANN001
    app, keys = issued
    response = get(app, keys["read"], f"/api/v1/partners/challans?{query}")
    assert response.status_code == 422 and response.mimetype == "application/problem+json"


def test_status_by_number(issued) -> None:  # noqa: ANN001
    app, keys = issued
    assert (
        get(app, keys["read"], "/api/v1/partners/challans/KHI-2026-00000002").json["status"]
        == "issued"
    )
    assert get(app, keys["read"], "/api/v1/partners/challans/KHI-2026-09999999").status_code == 404
    assert get(app, keys["read"], "/api/v1/partners/challans/not-a-number").status_code == 422


@pytest.mark.parametrize("who", [None, "bad", "write", "bank"])
def test_a_key_reads_only_what_its_scope_grants(issued, who) -> None:  # noqa: ANN001
    app, keys = issued
    key = {"bad": "abc.def"}.get(who, keys.get(who))
    for url in (
        "/api/v1/partners/challans?plate=ASF813",
        "/api/v1/partners/challans/KHI-2026-00000001",
    ):
        assert get(app, key, url).status_code == (401 if who in (None, "bad") else 403)


def transfer(app, key, body, idem="transfer-1"):  # noqa: ANN001, ANN201
    """POST an ownership change."""
    headers = {"X-Api-Key": key, "Idempotency-Key": idem}
    return app.test_client().post("/api/v1/partners/ownership-changes", json=body, headers=headers)


SALE = {
    "plate": "ASF-813",
    "transferred_at": "2026-11-21T12:00:00+05:00",
    "new_owner_cnic": "4220112345671",
    "new_owner_name": "Bilal Ahmed",
}
BUYER = SALE["new_owner_cnic"]


def test_ownership_change_holds_the_sellers_earlier_challans(issued) -> None:  # noqa: ANN001
    app, keys = issued
    response = transfer(app, keys["write"], {**SALE, "transferred_at": "2026-11-23T12:00:00+05:00"})
    assert response.status_code == 201
    assert response.json["held"] == ["KHI-2026-00000001", "KHI-2026-00000002"]
    with app.app_context():
        statuses = set(db.session.scalars(sa.select(Challan.status)))
    assert statuses == {"on_hold"}


def test_a_sale_before_the_offence_holds_the_buyers_challan(issued) -> None:  # noqa: ANN001
    # sold on the 21st: the 22nd's offence is the buyer's, yet the challan named the seller
    app, keys = issued
    response = transfer(app, keys["write"], SALE)
    assert response.status_code == 201
    assert sorted(response.json["held"]) == ["KHI-2026-00000001", "KHI-2026-00000002"]
    with app.app_context():
        after = db.session.scalar(sa.select(Challan).where(Challan.number.endswith("02")))
        assert after.status == "on_hold"
        assert after.flags["sale"]["sold_before_offence"] is True
        assert after.flags["sale"]["new_owner_cnic"] == SALE["new_owner_cnic"]


def test_a_challan_already_in_the_buyers_name_is_left_alone(issued) -> None:  # noqa: ANN001
    app, keys = issued
    response = transfer(app, keys["write"], {**SALE, "new_owner_cnic": SELLER_CNIC})
    assert response.status_code == 201 and response.json["held"] == []


def test_ownership_change_for_an_unknown_plate_is_404(issued) -> None:  # noqa: ANN001
    app, keys = issued
    response = transfer(app, keys["write"], {**SALE, "plate": "ZZZ-999"}, idem="unknown")
    assert response.status_code == 404 and response.mimetype == "application/problem+json"
    assert "ZZZ999" in response.json["detail"]
    with app.app_context():
        assert set(db.session.scalars(sa.select(Challan.status))) == {"issued"}


def test_replayed_idempotency_key_returns_the_first_answer(issued) -> None:  # noqa: ANN001
    app, keys = issued
    first = transfer(app, keys["write"], SALE)
    again = transfer(app, keys["write"], SALE)
    assert again.status_code == first.status_code == 201
    assert again.json == first.json and again.headers["Idempotent-Replayed"] == "true"
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(IdempotencyRecord)) == 1


def test_same_key_different_body_is_422(issued) -> None:  # noqa: ANN001
    app, keys = issued
    transfer(app, keys["write"], SALE)
    changed = transfer(app, keys["write"], {**SALE, "new_owner_name": "Someone Else"})
    assert changed.status_code == 422 and "different" in changed.json["detail"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"new_owner_cnic": "123"}, "cnic"),
        ({"transferred_at": "2026-11-21T12:00:00"}, "transferred_at"),
        ({"plate": ""}, "plate"),
    ],
)
def test_bad_ownership_change_is_422_and_changes_nothing(issued, change, field) -> None:  # noqa: ANN001
    app, keys = issued
    response = transfer(app, keys["write"], {**SALE, **change}, idem=f"bad-{field}")
    assert response.status_code == 422 and field in str(response.json)
    with app.app_context():
        assert set(db.session.scalars(sa.select(Challan.status))) == {"issued"}


def test_read_key_cannot_post_ownership_changes(issued) -> None:  # noqa: ANN001
    app, keys = issued
    assert transfer(app, keys["read"], SALE).status_code == 403


def hold_tasks(app) -> dict[str, int]:  # noqa: ANN001
    """Return the open hold tasks by challan number."""
    with app.app_context():
        rows = db.session.execute(
            sa.select(Challan.number, ReviewTask.id)
            .join(ReviewTask, ReviewTask.challan_id == Challan.id)
            .where(ReviewTask.kind == "hold", ReviewTask.status != "closed")
        )
        return dict(rows.all())


@pytest.fixture
def held(issued):  # noqa: ANN001, ANN201
    """Both challans held after a sale on the 21st, and an officer signed in."""
    app, keys = issued
    assert transfer(app, keys["write"], SALE).status_code == 201
    with app.app_context():
        f.staff("officer1", "officer")
    client = app.test_client()
    f.sign_in(client, "officer1")
    return app, keys, client, hold_tasks(app)


def test_a_hold_opens_a_review_task_per_challan(held) -> None:  # noqa: ANN001
    _, _, _, tasks = held
    assert sorted(tasks) == ["KHI-2026-00000001", "KHI-2026-00000002"]


def test_release_reissues_to_the_buyer_when_the_sale_came_first(held) -> None:  # noqa: ANN001
    app, _, client, tasks = held
    url = f"/api/v1/police/review-tasks/{tasks['KHI-2026-00000002']}/release"
    response = client.post(url, json={"note": "sale deed seen"})
    assert response.status_code == 201 and response.json["decision"] == "release"
    with app.app_context():
        challan = db.session.scalar(sa.select(Challan).where(Challan.number.endswith("02")))
        assert (challan.status, challan.owner_cnic) == ("issued", SALE["new_owner_cnic"])
        assert challan.owner_snapshot.record["owner_name"] == "Bilal Ahmed"
        assert challan.owner_snapshot.source == "ownership change"
        actions = set(db.session.scalars(sa.select(AuditEntry.action)))
    assert {"challan.release", "challan.reissued", "review.release"} <= actions
    again = client.post(url, json={"note": "sale deed seen"})
    assert again.status_code == 409 and again.mimetype == "application/problem+json"


def notices_of(app, number: str) -> list[tuple[str, str, str]]:  # noqa: ANN001
    """Return (channel, recipient, idempotency key) of a challan's outbox notices, in order."""
    with app.app_context():
        rows = db.session.execute(
            sa.select(Notice.channel, Notice.recipient, Notice.idempotency_key)
            .join(Challan, Challan.id == Notice.challan_id)
            .where(Challan.number == number)
            .order_by(Notice.id)
        )
        return [tuple(row) for row in rows]


def test_a_challan_reissued_to_the_buyer_queues_the_buyer_a_notice(held) -> None:  # noqa: ANN001
    app, _, client, tasks = held
    number = "KHI-2026-00000002"
    sellers = notices_of(app, number)
    assert sellers and all(":to:" not in key for _, _, key in sellers)
    url = f"/api/v1/police/review-tasks/{tasks[number]}/release"
    assert client.post(url, json={"note": "sale deed seen"}).status_code == 201
    after = notices_of(app, number)
    assert after[: len(sellers)] == sellers  # the seller's rows are kept, not queued again
    buyers = after[len(sellers) :]
    assert buyers == [("pdf", "print-and-post", f"challan:{number}:pdf:to:{BUYER}")]
    # The seller's phone is not the buyer's: no SMS goes out on the re-issue.
    assert not [n for n in buyers if n[0] == "sms"]


def test_a_release_kept_by_the_seller_sends_no_new_notice(held) -> None:  # noqa: ANN001
    app, _, client, tasks = held
    number = "KHI-2026-00000001"
    before = notices_of(app, number)
    url = f"/api/v1/police/review-tasks/{tasks[number]}/release"
    assert client.post(url, json={"note": "seller owned it then"}).status_code == 201
    assert notices_of(app, number) == before


def test_release_of_an_offence_before_the_sale_stays_with_the_seller(held) -> None:  # noqa: ANN001
    app, _, client, tasks = held
    url = f"/api/v1/police/review-tasks/{tasks['KHI-2026-00000001']}/release"
    assert client.post(url, json={"note": "seller owned it then"}).status_code == 201
    with app.app_context():
        challan = db.session.scalar(sa.select(Challan).where(Challan.number.endswith("01")))
        assert (challan.status, challan.owner_cnic) == ("issued", SELLER_CNIC)


def test_cancel_a_hold_with_a_key_carrying_the_scope(held) -> None:  # noqa: ANN001
    app, keys, _, tasks = held
    with app.app_context():
        key = f.partner_key(["holds:write"], "holds")
    url = f"/api/v1/police/review-tasks/{tasks['KHI-2026-00000001']}/cancel"
    wrong = app.test_client().post(url, json={"note": "x" * 5}, headers={"X-Api-Key": keys["read"]})
    assert wrong.status_code == 403
    response = app.test_client().post(
        url, json={"note": "vehicle was stolen"}, headers={"X-Api-Key": key}
    )
    assert response.status_code == 201 and response.json["actor"] == "client:holds"
    with app.app_context():
        challan = db.session.scalar(sa.select(Challan).where(Challan.number.endswith("01")))
        assert challan.status == "cancelled"
        decisions = db.session.scalars(
            sa.select(ReviewDecision.decision).where(ReviewDecision.task_id.is_not(None))
        )
        assert list(decisions) == ["cancel"]


def test_a_hold_is_not_decided_as_a_violation(held) -> None:  # noqa: ANN001
    _, _, client, tasks = held
    url = f"/api/v1/police/review-tasks/{tasks['KHI-2026-00000002']}/decision"
    response = client.post(url, json={"decision": "approve"})
    assert response.status_code == 409 and "release or cancel" in response.json["detail"]


def test_hold_routes_need_staff_or_the_scope(held) -> None:  # noqa: ANN001
    app, _, _, tasks = held
    url = f"/api/v1/police/review-tasks/{tasks['KHI-2026-00000002']}/release"
    assert app.test_client().post(url, json={"note": "let it go"}).status_code == 401
