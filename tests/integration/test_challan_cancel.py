# ruff: noqa: F811 (the wallet tests' fixtures, imported, are the tests' parameters)
"""A supervisor cancels a served or paid challan: audited, once, and a paid one is refunded.

The refunds are paid out by the job queued at the commit (JOBS_MODE sync runs it right after),
not by the sweep. The wallet case runs the simulator on loopback; the doubled cancel is sent
from two threads, each with its own signed-in client, released together.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import sqlalchemy as sa

from echallan.audit.models import AuditEntry
from echallan.challans.models import Challan
from echallan.core.extensions import db
from echallan.payments.models import Refund
from tests.integration import factories as f
from tests.integration.pages import form_token
from tests.integration.test_wallets import (  # noqa: F401 (fixtures)
    DUE,
    NOW,
    due,
    simulated,
    start,
    status_of,
)

OWNER_CNIC = "42101-9048475-4"  # ASF-813's owner in the registry seed
WHY = {"reason": "wrong_vehicle", "note": "The plate is a motorcycle's; the car is a Corolla."}


def supervisor(app, name: str = "sup1", role: str = "supervisor"):  # noqa: ANN001, ANN201
    """A signed-in client of a new member of staff."""
    with app.app_context():
        f.staff(name, role)
    client = app.test_client()
    f.sign_in(client, name)
    return client


def cancel(client, number: str, body: dict | None = None):  # noqa: ANN001, ANN201
    """POST the cancellation."""
    return client.post(f"/api/v1/police/challans/{number}/cancel", json=body or WHY)


def refund_rows(app) -> list[tuple[str, str, str, int]]:  # noqa: ANN001
    """Return every refund's rail, provider, status and amount."""
    with app.app_context():
        rows = db.session.scalars(sa.select(Refund).order_by(Refund.id)).all()
        return [(r.rail, r.provider, r.status, r.amount_paisa) for r in rows]


def pay_by_1bill(app, number: str) -> None:  # noqa: ANN001
    """HBL pays today's amount through 1Bill."""
    with app.app_context():
        key = f.partner_key(["payments:write"], "HBL")
        consumer = db.session.scalar(sa.select(Challan.consumer_number))
    body = {
        "consumer_number": consumer,
        "tran_auth_id": "654321",
        "transaction_amount": str(DUE),
        "tran_date": "20261125",
        "tran_time": "101500",
        "bank_mnemonic": "HBL",
    }
    answer = app.test_client().post(
        "/api/v1/payments/1bill/bill-payment", json=body, headers={"X-Api-Key": key}
    )
    assert answer.json["response_code"] == "00", answer.json
    assert status_of(app, number) == "paid"


def test_an_unpaid_challan_is_cancelled_with_its_reason_and_no_refund(due) -> None:  # noqa: ANN001
    app, number = due
    app.config["JOBS_MODE"] = "sync"
    answer = cancel(supervisor(app), number)
    assert answer.status_code == 201, answer.get_data()
    assert answer.json["was"] == "issued" and answer.json["status"] == "cancelled"
    assert answer.json["reason"] == "wrong_vehicle" and answer.json["refunds"] == []
    assert refund_rows(app) == []
    with app.app_context():
        entry = db.session.scalars(
            sa.select(AuditEntry).where(AuditEntry.action == "challan.cancel")
        ).one()
        assert entry.actor == "user:sup1" and entry.data["reason"] == "wrong_vehicle"
        assert entry.data["note"] == WHY["note"]


def test_a_challan_paid_by_1bill_is_cancelled_and_its_refund_instructed_at_once(due) -> None:  # noqa: ANN001
    app, number = due
    app.config["JOBS_MODE"] = "sync"
    pay_by_1bill(app, number)
    answer = cancel(supervisor(app, "admin1", "admin"), number)
    assert answer.status_code == 201, answer.get_data()
    assert answer.json["was"] == "paid"
    assert refund_rows(app) == [("1bill", "HBL", "instructed", DUE)]  # no sweep ran
    again = cancel(supervisor(app, "sup2"), number, {"reason": "other", "note": "second try"})
    assert again.status_code == 200 and again.json["replay"] is True
    assert (again.json["reason"], again.json["cancelled_by"]) == ("wrong_vehicle", "user:admin1")
    assert [r["status"] for r in again.json["refunds"]] == ["instructed"]
    assert len(refund_rows(app)) == 1


def test_a_wallet_paid_challan_cancelled_twice_at_once_is_refunded_once(simulated) -> None:  # noqa: ANN001
    app, number, sim, _ = simulated
    sim.pay(start(app, number).json["reference"], now=NOW.timestamp())
    assert status_of(app, number) == "paid"
    app.config["JOBS_MODE"] = "sync"
    clients = [supervisor(app, "sup1"), supervisor(app, "sup2")]
    gate = threading.Barrier(2)

    def send(client):  # noqa: ANN001, ANN202
        gate.wait()
        return cancel(client, number)

    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(send, clients))
    assert sorted(a.status_code for a in answers) == [200, 201], [a.json for a in answers]
    assert sorted(a.json["replay"] for a in answers) == [False, True]
    assert refund_rows(app) == [("wallet", "jazzcash", "paid", DUE)]  # paid out, no sweep
    assert len(sim.refunds) == 1
    with app.app_context():
        actions = db.session.scalars(sa.select(AuditEntry.action)).all()
        assert actions.count("challan.cancel") == 1 and actions.count("refund.paid") == 1


def test_only_supervisors_or_a_scoped_key_cancel_and_bad_input_is_a_4xx(due) -> None:  # noqa: ANN001
    app, number = due
    with app.app_context():
        f.staff("officer1", "officer")
        key = f.partner_key(["challans:cancel"], "dig-office")
        other = f.partner_key(["holds:write"], "excise")
    officer = app.test_client()
    f.sign_in(officer, "officer1")
    assert cancel(officer, number).status_code == 403
    assert cancel(app.test_client(), number).status_code == 401
    keyed = app.test_client()
    assert (
        keyed.post(
            f"/api/v1/police/challans/{number}/cancel", json=WHY, headers={"X-Api-Key": other}
        ).status_code
        == 403
    )
    boss = supervisor(app)
    assert cancel(boss, number, {"reason": "bored", "note": "xyz"}).status_code == 422
    assert cancel(boss, number, {"reason": "other"}).status_code == 422
    assert cancel(boss, "KHI-2026-99999999").status_code in (404, 422)
    assert status_of(app, number) == "issued"
    answer = keyed.post(
        f"/api/v1/police/challans/{number}/cancel", json=WHY, headers={"X-Api-Key": key}
    )
    assert answer.status_code == 201 and answer.json["cancelled_by"] == "client:dig-office"


def test_a_contested_challan_is_left_to_its_desk(due) -> None:  # noqa: ANN001
    app, number = due
    body = {"plate": "ASF-813", "grounds": "My car was parked at home in Clifton at that time."}
    filed = app.test_client().post(f"/api/v1/challans/{number}/contest", json=body)
    assert filed.status_code == 201
    answer = cancel(supervisor(app), number)
    assert answer.status_code == 409 and "contested" in answer.json["detail"]
    assert status_of(app, number) == "contested"


def owners_page(app, number: str) -> str:  # noqa: ANN001
    """Look the challan up as its owner (plate and CNIC) and return its portal page."""
    citizen = app.test_client()
    token = form_token(citizen.get("/").get_data(as_text=True))
    found = citizen.post(
        "/lookup/owner", data={"csrf_token": token, "plate": "ASF-813", "cnic": OWNER_CNIC}
    )
    assert found.status_code == 302, found.get_data(as_text=True)
    return citizen.get(f"/my/challans/{number}").get_data(as_text=True)


def test_the_owner_sees_the_wallet_link_then_the_refund_on_the_portal(due) -> None:  # noqa: ANN001
    app, number = due
    app.config["JOBS_MODE"] = "sync"
    before = owners_page(app, number)
    assert 'id="wallet-link"' in before and f"/pay/{number}?plate=ASF-813" in before
    assert "Refunds" not in before

    pay_by_1bill(app, number)
    assert cancel(supervisor(app), number).status_code == 201
    after = owners_page(app, number)

    assert 'id="wallet-link"' not in after  # nothing is due on a cancelled challan
    assert "Refunds" in after and f"Rs {DUE // 100:,}" in after and "sent to your bank" in after
