"""Wallet payments (JazzCash, Easypaisa style): signed webhooks, exactly once, reconciliation.

Webhooks are signed here as the provider signs them; the checkout, reconciliation and refund
tests run the wallet simulator on loopback, whose webhooks reach the app served on loopback.
The concurrent tests send from 20 threads, each with its own test client, released together.
"""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from echallan import bootstrap
from echallan.audit.models import AuditEntry
from echallan.challans.models import Challan, Payment
from echallan.core.extensions import db
from echallan.core.uow import unit_of_work
from echallan.payments import refunds, wallet
from echallan.payments.models import Refund, WalletCheckout, WalletEvent
from integrations.registry.simulator.server import run_in_thread
from integrations.wallets import HttpWallet, signing
from integrations.wallets.simulator import create_simulator, state_of
from tests.integration import factories as f

NOW = datetime.fromisoformat("2026-11-25T10:15:00+05:00")
SECRET, OLD_SECRET = "jc-secret-2", "jc-secret-1"
DUE = 500_000  # Rs 10,000 red light, half within 14 days
PLATE = "ASF-813"


@pytest.fixture
def due(app):  # noqa: ANN001, ANN201
    """An issued challan, the clock fixed in its discount window, JazzCash's secrets set."""
    app.config["JOBS_MODE"] = "defer"
    app.config["CLOCK"] = lambda: NOW
    bootstrap.reconfigure(
        app,
        WALLET_JAZZCASH_SECRET=SECRET,
        WALLET_EASYPAISA_SECRET="ep-secret",
        WALLET_JAZZCASH_PREVIOUS_SECRET=OLD_SECRET,
        WALLET_JAZZCASH_PREVIOUS_UNTIL="2026-11-25T12:00:00+05:00",
    )
    with app.app_context():
        f.camera()
        f.process(f.event(plate=PLATE), "2026-11-23T12:00:00+05:00")
        number = db.session.scalar(sa.select(Challan.number))
    return app, number


def checkout_row(app, number: str, reference: str, provider: str = "jazzcash") -> None:  # noqa: ANN001
    """Record a checkout as if started (the webhook tests need no simulator)."""
    with app.app_context(), unit_of_work():
        challan_id = db.session.scalar(sa.select(Challan.id).where(Challan.number == number))
        db.session.add(
            WalletCheckout(
                provider=provider,
                reference=reference,
                challan_id=challan_id,
                amount_paisa=DUE,
                redirect_url="https://wallet.invalid/pay",
                status="pending",
                created_at=NOW,
            )
        )


def event(
    reference: str, amount: int = DUE, event_id: str = "", kind: str = "payment.succeeded"
) -> bytes:
    """A webhook body."""
    body = {
        "event_id": event_id or f"evt-{reference}",
        "type": kind,
        "reference": reference,
        "amount_paisa": amount,
    }
    return json.dumps(body).encode()


def send(
    client,
    body: bytes,
    secret: str = SECRET,
    at: datetime = NOW,
    provider: str = "jazzcash",
    **headers,
):  # noqa: ANN001, ANN201
    """POST a webhook signed with `secret` at `at`."""
    signed = signing.headers(secret, int(at.timestamp()), body)
    return client.post(
        f"/api/v1/wallets/{provider}/webhook",
        data=body,
        headers={**signed, **headers, "Content-Type": "application/json"},
    )


def counts(app) -> tuple[int, int, int]:  # noqa: ANN001
    """Return the numbers of payments, wallet events and audit entries."""
    with app.app_context():
        return tuple(
            db.session.scalar(sa.select(sa.func.count()).select_from(model))
            for model in (Payment, WalletEvent, AuditEntry)
        )


def status_of(app, number: str) -> str:  # noqa: ANN001
    """Return a challan's status."""
    with app.app_context():
        return db.session.scalar(sa.select(Challan.status).where(Challan.number == number))


def test_a_signed_webhook_pays_the_challan_once_and_audits(due) -> None:  # noqa: ANN001
    app, number = due
    checkout_row(app, number, "JC1")
    first = send(app.test_client(), event("JC1"))
    assert first.status_code == 200, first.get_data()
    assert first.json["outcome"] == "paid" and first.json["replay"] is False
    assert first.json["payment_reference"] == "wallet:jazzcash:JC1"
    again = send(app.test_client(), event("JC1"))
    assert again.json == {**first.json, "replay": True}
    assert status_of(app, number) == "paid"
    with app.app_context():
        actions = db.session.scalars(sa.select(AuditEntry.action)).all()
        assert actions.count("challan.pay") == 1 and actions.count("wallet.event") == 1
        assert db.session.scalar(sa.select(WalletCheckout.status)) == "paid"


@pytest.mark.parametrize(
    "why",
    ["stale", "future", "altered", "rotated_out", "unsigned", "wrong_secret", "bad_timestamp"],
)
def test_a_bad_signature_is_refused_and_writes_nothing(due, why) -> None:  # noqa: ANN001
    app, number = due
    checkout_row(app, number, "JC1")
    before = counts(app)
    client, body = app.test_client(), event("JC1")
    if why == "stale":
        answer = send(client, body, at=NOW - timedelta(seconds=301))
    elif why == "future":
        answer = send(client, body, at=NOW + timedelta(seconds=301))
    elif why == "altered":
        stamp = int(NOW.timestamp())
        headers = signing.headers(SECRET, stamp, body)
        answer = client.post(
            "/api/v1/wallets/jazzcash/webhook",
            data=event("JC1", amount=1),
            headers={**headers, "Content-Type": "application/json"},
        )
    elif why == "rotated_out":  # the previous secret, after its last instant
        app.config["CLOCK"] = lambda: datetime.fromisoformat("2026-11-25T12:00:01+05:00")
        answer = send(
            client, body, OLD_SECRET, at=datetime.fromisoformat("2026-11-25T12:00:01+05:00")
        )
    elif why == "unsigned":
        answer = client.post("/api/v1/wallets/jazzcash/webhook", data=body)
    elif why == "wrong_secret":
        answer = send(client, body, "ep-secret")
    else:
        answer = send(client, body, **{signing.TIMESTAMP_HEADER: "yesterday"})
    assert answer.status_code == 401, answer.get_data()
    assert answer.mimetype == "application/problem+json"
    assert answer.json["code"] == "signature_rejected"
    assert counts(app) == before
    assert status_of(app, number) == "issued"


def test_the_previous_secret_works_until_its_instant_and_the_tolerance_is_configurable(due) -> None:  # noqa: ANN001
    app, number = due
    checkout_row(app, number, "JC1")
    assert send(app.test_client(), event("JC1"), OLD_SECRET).json["outcome"] == "paid"
    bootstrap.reconfigure(app, WALLET_WEBHOOK_TOLERANCE_S=30)
    late = send(app.test_client(), event("JC1"), at=NOW - timedelta(seconds=31))
    assert late.status_code == 401


def test_a_malformed_or_unknown_event_is_a_4xx(due) -> None:  # noqa: ANN001
    app, _ = due
    assert send(app.test_client(), b"[1,2]").status_code == 422
    assert send(app.test_client(), b"not json").status_code == 422
    body = json.dumps(
        {"event_id": "e", "type": "payment.succeeded", "reference": "R", "amount_paisa": True}
    ).encode()
    assert send(app.test_client(), body).status_code == 422
    assert send(app.test_client(), event("JC1"), provider="paypal").status_code == 404


def at_once(app, bodies: list[bytes]) -> list:  # noqa: ANN001
    """POST every signed webhook body from its own thread and client, released together."""
    start = threading.Barrier(min(20, len(bodies)))

    def deliver(body: bytes):  # noqa: ANN202
        client = app.test_client()
        start.wait()
        return send(client, body)

    with ThreadPoolExecutor(20) as pool:
        return list(pool.map(deliver, bodies))


def test_a_hundred_replays_twenty_at_once_record_one_payment(due) -> None:  # noqa: ANN001
    app, number = due
    checkout_row(app, number, "JC1")
    answers = at_once(app, [event("JC1")] * 100)
    assert {a.status_code for a in answers} == {200}, {a.get_data() for a in answers}
    assert {a.json["outcome"] for a in answers} == {"paid"}
    assert sum(not a.json["replay"] for a in answers) == 1
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Payment)) == 1
        assert db.session.scalar(sa.select(sa.func.count()).select_from(WalletEvent)) == 1
        paid = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "challan.pay"))
        assert len(paid.all()) == 1


def test_two_payments_of_one_challan_pay_once_and_the_second_is_refunded(due) -> None:  # noqa: ANN001
    app, number = due
    checkout_row(app, number, "JC1")
    checkout_row(app, number, "JC2")
    answers = at_once(app, [event("JC1"), event("JC2")] * 10)
    outcomes = sorted({(a.json["event_id"], a.json["outcome"]) for a in answers})
    assert sorted(o for _, o in outcomes) == ["already_paid", "paid"]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Payment)) == 1
        assert db.session.scalar(sa.select(sa.func.count()).select_from(WalletEvent)) == 2
        refund = db.session.scalars(sa.select(Refund)).one()
        assert (refund.rail, refund.provider, refund.status) == ("wallet", "jazzcash", "pending")
        paid_ref = db.session.scalar(sa.select(Payment.payer))["reference"]
        assert refund.paid_reference != paid_ref and refund.amount_paisa == DUE


@pytest.mark.parametrize("amount", [DUE - 1, DUE // 2, DUE + 100])
def test_a_partial_or_wrong_amount_is_refused_and_refunded(due, amount) -> None:  # noqa: ANN001
    app, number = due
    checkout_row(app, number, "JC1")
    answer = send(app.test_client(), event("JC1", amount=amount))
    assert answer.status_code == 200
    assert answer.json["outcome"] == "amount_not_due"
    assert status_of(app, number) == "issued"
    with app.app_context():
        refund = db.session.scalars(sa.select(Refund)).one()
        assert refund.amount_paisa == amount and refund.status == "pending"


def test_a_partial_1bill_payment_is_refused_with_03(due) -> None:  # noqa: ANN001
    app, number = due
    with app.app_context():
        key = f.partner_key(["payments:write"], "HBL")
        consumer = db.session.scalar(sa.select(Challan.consumer_number))
    body = {
        "consumer_number": consumer,
        "tran_auth_id": "123456",
        "transaction_amount": str(DUE // 2),
        "tran_date": "20261125",
        "tran_time": "101500",
        "bank_mnemonic": "HBL",
    }
    answer = app.test_client().post(
        "/api/v1/payments/1bill/bill-payment", json=body, headers={"X-Api-Key": key}
    )
    assert answer.json["response_code"] == "03"
    assert status_of(app, number) == "issued"


@pytest.fixture
def simulated(due, served):  # noqa: ANN001, ANN201
    """The wallet simulator on loopback, sending webhooks to the app served on loopback."""
    app, number = due
    sim = create_simulator(
        {"jazzcash": SECRET, "easypaisa": "ep-secret"}, f"{served}/api/v1/wallets"
    )
    url, stop = run_in_thread(sim)
    bootstrap.use(
        app,
        wallets={
            name: HttpWallet(name, f"{url}/{name}", "wallet-sim-key", read_timeout_s=2.0)
            for name in ("jazzcash", "easypaisa")
        },
    )
    yield app, number, state_of(sim), url
    stop()


def start(app, number: str, plate: str = PLATE, provider: str = "jazzcash"):  # noqa: ANN001, ANN201
    """POST the checkout hand-off."""
    return app.test_client().post(
        f"/api/v1/challans/{number}/wallet-checkout", json={"plate": plate, "provider": provider}
    )


def test_checkout_then_pay_at_the_simulator_pays_by_webhook(simulated) -> None:  # noqa: ANN001
    app, number, sim, url = simulated
    answer = start(app, number)
    assert answer.status_code == 201, answer.get_data()
    assert answer.json["amount_paisa"] == DUE
    assert answer.json["redirect_url"].startswith(f"{url}/jazzcash/pay/")
    assert start(app, number, plate="ASF-613").status_code == 404
    assert start(app, number, provider="paypal").status_code == 422
    sim.pay(answer.json["reference"], now=NOW.timestamp())
    assert status_of(app, number) == "paid"
    assert start(app, number).json["code"] == "not_payable"


def test_checkout_answers_503_when_the_wallet_is_down(simulated) -> None:  # noqa: ANN001
    app, number, sim, _ = simulated
    sim.faults.error_500 = True
    answer = start(app, number)
    assert answer.status_code == 503 and answer.json["code"] == "wallet_down"
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(WalletCheckout)) == 0


def sweep(app, at: datetime) -> dict:  # noqa: ANN001
    """Run the wallet sweep once at `at`."""
    from echallan.core import deps

    with app.app_context(), unit_of_work():
        return wallet.sweep_wallets(deps.of(app), at)


def test_reconciliation_records_a_dropped_webhook_once(simulated) -> None:  # noqa: ANN001
    app, number, sim, _ = simulated
    sim.faults.drop_webhook = True
    reference = start(app, number).json["reference"]
    checkout = sim.pay(reference, now=NOW.timestamp())
    assert status_of(app, number) == "issued"
    assert sweep(app, NOW + timedelta(minutes=5))["reconciled"]["asked"] == 0  # not stale yet
    later = NOW + timedelta(minutes=16)
    assert sweep(app, later)["reconciled"] == {
        "asked": 1,
        "paid": 1,
        "failed": 0,
        "refused": 0,
        "unavailable": 0,
        "expired": 0,
    }
    assert status_of(app, number) == "paid"
    sim.send_webhook(checkout, now=NOW.timestamp())  # the webhook arrives late after all
    assert sweep(app, later)["reconciled"]["asked"] == 0
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Payment)) == 1
        assert db.session.scalar(sa.select(WalletEvent.source)) == "inquiry"


def test_duplicate_and_wrong_amount_webhooks_from_the_simulator(simulated) -> None:  # noqa: ANN001
    app, number, sim, _ = simulated
    sim.faults.duplicate_webhook = sim.faults.wrong_amount = True
    sim.pay(start(app, number).json["reference"], now=NOW.timestamp())
    assert sim.webhooks_sent == 2
    assert status_of(app, number) == "issued"
    with app.app_context():
        assert db.session.scalar(sa.select(WalletEvent.outcome)) == "amount_not_due"
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Refund)) == 1


def test_a_refused_payment_is_paid_back_through_the_simulator_once(simulated) -> None:  # noqa: ANN001
    app, number, sim, _ = simulated
    first, second = start(app, number).json, start(app, number).json
    sim.pay(first["reference"], now=NOW.timestamp())
    sim.pay(second["reference"], now=NOW.timestamp())
    sim.faults.error_500 = True
    assert sweep(app, NOW)["refunds"]["retrying"] == 1
    sim.faults.error_500 = False
    assert sweep(app, NOW)["refunds"]["paid"] == 1
    assert sweep(app, NOW)["refunds"]["paid"] == 0
    assert len(sim.refunds) == 1
    with app.app_context():
        challan = db.session.scalar(sa.select(Challan))
        shown = refunds.refunds_for(challan)
        assert [(r["status"], r["paid_reference"]) for r in shown] == [
            ("paid", second["reference"])
        ]
        assert shown[0]["reference"].startswith("RF-")
        actions = db.session.scalars(sa.select(AuditEntry.action)).all()
        assert actions.count("refund.requested") == 1 and actions.count("refund.paid") == 1


def test_a_paid_challan_cancelled_gets_one_refund_on_its_rail(due) -> None:  # noqa: ANN001
    app, number = due
    checkout_row(app, number, "JC1")
    send(app.test_client(), event("JC1"))
    with app.app_context(), unit_of_work():
        challan = db.session.scalar(sa.select(Challan))
        assert refunds.refund_if_cancelled(challan, "user:officer", NOW) == []  # still paid
        # The call itself, whichever desk cancelled (test_challan_cancel runs the real path).
        challan.status = "cancelled"
        made = refunds.refund_if_cancelled(challan, "user:officer", NOW)
        again = refunds.refund_if_cancelled(challan, "user:officer", NOW)
        assert len(made) == 1 and [r.id for r in again] == [made[0].id]
        assert (made[0].rail, made[0].paid_reference) == ("wallet", "JC1")


def contest_and_task(app, number: str) -> int:  # noqa: ANN001
    """File a contest through the citizen API; return its review task."""
    body = {"plate": PLATE, "grounds": "My car was parked at home in Clifton at that time."}
    answer = app.test_client().post(f"/api/v1/challans/{number}/contest", json=body)
    assert answer.status_code == 201, answer.get_data()
    return answer.json["review_task_id"]


def cancel_contest(app, task_id: int) -> None:  # noqa: ANN001
    """An officer upholds the citizen's contest: the challan is cancelled."""
    with app.app_context():
        f.staff("officer1", "officer")
    officer = app.test_client()
    f.sign_in(officer, "officer1")
    assert officer.post(f"/api/v1/police/review-tasks/{task_id}/claim").status_code == 200
    decision = {"decision": "reject", "reason": "evidence_insufficient"}
    url = f"/api/v1/police/review-tasks/{task_id}/decision"
    assert officer.post(url, json=decision).status_code == 201


def test_money_arriving_during_a_contest_is_refused_and_refunded(due) -> None:  # noqa: ANN001
    app, number = due
    checkout_row(app, number, "JC1")  # started while payable, paid after the contest was filed
    task_id = contest_and_task(app, number)
    answer = send(app.test_client(), event("JC1"))
    assert answer.json["outcome"] == "not_payable"
    cancel_contest(app, task_id)
    assert status_of(app, number) == "cancelled"
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Payment)) == 0
        assert db.session.scalars(sa.select(Refund.source_key)).all() == ["wallet-event:1"]


def test_cancelling_a_contest_refunds_a_recorded_payment_on_its_rail(due) -> None:  # noqa: ANN001
    app, number = due
    task_id = contest_and_task(app, number)
    with app.app_context(), unit_of_work():
        # No rail pays a contested challan; a payment row stands for money recorded by a path
        # that does (a later rule change): the cancellation's one call must find and refund it.
        challan = db.session.scalar(sa.select(Challan))
        payer = {"bank": "HBL", "auth_id": "123456"}
        db.session.add(
            Payment(
                challan_id=challan.id,
                channel="1bill",
                reference="1bill:HBL:123456",
                amount_paisa=DUE,
                paid_at=NOW,
                payer=payer,
            )
        )
    cancel_contest(app, task_id)
    assert sweep(app, NOW)["refunds"] == {"paid": 0, "instructed": 1, "retrying": 0, "failed": 0}
    with app.app_context():
        refund = db.session.scalars(sa.select(Refund)).one()
        assert (refund.rail, refund.provider, refund.status) == ("1bill", "HBL", "instructed")
        assert refund.paid_reference == "1bill:HBL:123456"
        assert refund.refund_reference == f"1bill-refund-{refund.id}"


def test_reconciliation_keeps_asking_until_a_checkout_is_abandoned(simulated) -> None:  # noqa: ANN001
    app, number, sim, _ = simulated
    start(app, number)
    sim.faults.error_500 = True
    assert sweep(app, NOW + timedelta(minutes=16))["reconciled"]["unavailable"] == 1
    sim.faults.error_500 = False
    assert sweep(app, NOW + timedelta(hours=23))["reconciled"]["expired"] == 0
    assert sweep(app, NOW + timedelta(hours=25))["reconciled"]["expired"] == 1
    assert sweep(app, NOW + timedelta(hours=26))["reconciled"]["asked"] == 0
    with app.app_context():
        assert db.session.scalar(sa.select(WalletCheckout.status)) == "expired"


def test_webhooks_are_rate_limited_per_provider_and_signed_replays_under_it_pass(due) -> None:  # noqa: ANN001
    app, number = due
    app.config["WALLET_WEBHOOK_RATE_LIMIT"] = "3 per minute"
    checkout_row(app, number, "JC1")
    answers = [send(app.test_client(), event("JC1")) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert [a.json["replay"] for a in answers] == [False, True, True]
    limited = send(app.test_client(), event("JC1"))
    assert limited.status_code == 429, limited.get_data()
    assert limited.mimetype == "application/problem+json" and limited.json["status"] == 429
    assert int(limited.headers["Retry-After"]) >= 0
    # Another provider from the same address has its own count.
    other = send(app.test_client(), event("EP1"), "ep-secret", provider="easypaisa")
    assert other.status_code != 429, other.get_data()
    assert counts(app)[0] == 1
