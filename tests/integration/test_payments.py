"""Banks pay through 1Link 1Bill: inquiry, exact payment, replays, blocked and unknown bills."""

from __future__ import annotations

from datetime import datetime

import pytest
import sqlalchemy as sa

from echallan.audit.models import AuditEntry
from echallan.challans.models import Challan, Payment
from echallan.core.extensions import db
from tests.integration import factories as f


@pytest.fixture
def bill(app):  # noqa: ANN001, ANN201
    """An issued challan (Rs 10,000 red light, car; half within 14 days) and a bank key."""
    app.config["JOBS_MODE"] = "defer"
    app.config["CLOCK"] = lambda: datetime.fromisoformat("2026-11-25T10:15:00+05:00")
    with app.app_context():
        f.camera()
        f.process(f.event(plate="ASF-813"), "2026-11-23T12:00:00+05:00")
        key = f.partner_key(["payments:write"], "HBL")
        consumer = db.session.scalar(sa.select(Challan.consumer_number))
    return app, key, consumer


def post(app, key, what: str, body: dict):  # noqa: ANN001, ANN201
    """POST to the 1Bill interface."""
    return app.test_client().post(
        f"/api/v1/payments/1bill/{what}", json=body, headers={"X-Api-Key": key}
    )


def payment(consumer: str, amount: str, auth: str = "123456", day: str = "20261125") -> dict:
    """A BillPayment body."""
    return {
        "consumer_number": consumer,
        "tran_auth_id": auth,
        "transaction_amount": amount,
        "tran_date": day,
        "tran_time": "101500",
        "bank_mnemonic": "HBL",
    }


def test_inquiry_shows_the_discounted_amount(bill) -> None:  # noqa: ANN001
    app, key, consumer = bill
    answer = post(
        app, key, "bill-inquiry", {"consumer_number": consumer, "bank_mnemonic": "HBL"}
    ).json
    assert answer["response_code"] == "00" and answer["bill_status"] == "U"
    assert answer["consumer_detail"] == "R. R."
    assert answer["amount_within_due_date"] == f"+{500000:013d}"  # 50% off within 14 days
    assert answer["amount_after_due_date"] == f"+{1000000:013d}"


def test_exact_payment_settles_once(bill) -> None:  # noqa: ANN001
    app, key, consumer = bill
    first = post(app, key, "bill-payment", payment(consumer, "+0000000500000")).json
    again = post(app, key, "bill-payment", payment(consumer, "+0000000500000")).json
    assert first["response_code"] == again["response_code"] == "00"
    assert again == first  # a replay is answered as the first time, detail and all
    with app.app_context():
        assert db.session.scalar(sa.select(Challan.status)) == "paid"
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Payment)) == 1
        paid = db.session.scalars(
            sa.select(AuditEntry).where(AuditEntry.action == "challan.pay")
        ).all()
        assert len(paid) == 1 and paid[0].data["amount_paisa"] == 500000
    status = post(
        app, key, "bill-inquiry", {"consumer_number": consumer, "bank_mnemonic": "HBL"}
    ).json
    assert status["bill_status"] == "P" and status["date_paid"] == "20261125"


def test_wrong_amount_and_reused_auth_are_refused(bill) -> None:  # noqa: ANN001
    app, key, consumer = bill
    wrong = payment(consumer, "100000", auth="111111")
    assert post(app, key, "bill-payment", wrong).json["response_code"] == "03"
    assert post(app, key, "bill-payment", payment(consumer, "500000")).json["response_code"] == "00"
    other = payment(consumer, "1000000", day="20261212")
    assert post(app, key, "bill-payment", other).json["response_code"] == "04"
    paid_again = payment(consumer, "500000", auth="654321")
    assert post(app, key, "bill-payment", paid_again).json["response_code"] == "02"


def test_unknown_bill_and_bad_requests(bill) -> None:  # noqa: ANN001
    app, key, consumer = bill
    unknown = consumer[:-1] + str((int(consumer[-1]) + 1) % 10)  # fails the Luhn check
    assert (
        post(app, key, "bill-inquiry", {"consumer_number": unknown, "bank_mnemonic": "HBL"}).json[
            "response_code"
        ]
        == "01"
    )
    bad = post(app, key, "bill-payment", {**payment(consumer, "500000"), "tran_date": "2026-11-25"})
    assert bad.status_code == 422 and bad.mimetype == "application/problem+json"


def test_only_bank_keys_may_pay(bill) -> None:  # noqa: ANN001
    app, _, consumer = bill
    with app.app_context():
        reader = f.partner_key(["challans:read"], "excise")
    assert post(app, reader, "bill-payment", payment(consumer, "500000")).status_code == 403
