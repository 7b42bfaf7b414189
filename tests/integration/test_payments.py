"""Banks pay through 1Link 1Bill: inquiry, exact payment, replays, blocked and unknown bills.

The concurrent tests send from 20 threads, each with its own test client (its own session and
connection), released together by a barrier: on PostgreSQL they really race.
"""

from __future__ import annotations

import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from echallan import bootstrap
from echallan.audit.models import AuditEntry
from echallan.challans.models import Challan, Payment
from echallan.core.extensions import db
from echallan.payments.models import BillAdvice
from rules import numbers
from tests.integration import factories as f
from tests.integration.conftest import make_app

KARACHI = ZoneInfo("Asia/Karachi")


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


def refusals(app) -> list[AuditEntry]:  # noqa: ANN001
    """Return the audit entries of refused advices."""
    with app.app_context():
        return db.session.scalars(
            sa.select(AuditEntry).where(AuditEntry.action == "payment.refused")
        ).all()


def test_a_replay_gets_the_first_answer_byte_for_byte(bill) -> None:  # noqa: ANN001
    app, key, consumer = bill
    paid, wrong = payment(consumer, "500000"), payment(consumer, "100000", auth="111111")
    first_wrong = post(app, key, "bill-payment", wrong).get_data()
    first_paid = post(app, key, "bill-payment", paid).get_data()
    # Later the bill is paid and the advice is out of the clock window: the answers stand.
    app.config["CLOCK"] = lambda: datetime.fromisoformat("2026-11-26T09:00:00+05:00")
    for _ in range(3):
        assert post(app, key, "bill-payment", paid).get_data() == first_paid
        assert post(app, key, "bill-payment", wrong).get_data() == first_wrong
    assert b'"response_code":"00"' in first_paid.replace(b" ", b"")
    assert b'"response_code":"03"' in first_wrong.replace(b" ", b"")
    assert len(refusals(app)) == 1  # the refused advice is recorded once, not per replay


def at_once(app, key: str, bodies: list[dict]) -> list:  # noqa: ANN001
    """POST every BillPayment body from its own thread and test client, all released together."""
    start = threading.Barrier(len(bodies))

    def send(body: dict):  # noqa: ANN202
        client = app.test_client()
        start.wait()
        return client.post(
            "/api/v1/payments/1bill/bill-payment", json=body, headers={"X-Api-Key": key}
        )

    with ThreadPoolExecutor(len(bodies)) as pool:
        return list(pool.map(send, bodies))


def test_twenty_concurrent_replays_get_one_answer(bill) -> None:  # noqa: ANN001
    app, key, consumer = bill
    answers = at_once(app, key, [payment(consumer, "500000")] * 20)
    assert {a.status_code for a in answers} == {200}
    assert len({a.get_data() for a in answers}) == 1
    assert answers[0].json["response_code"] == "00"
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Payment)) == 1
        assert db.session.scalar(sa.select(sa.func.count()).select_from(BillAdvice)) == 1
        paid = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "challan.pay"))
        assert len(paid.all()) == 1


def bank(consumer: str, n: int) -> dict:
    """Bank number `n`'s payment of the bill, under its own mnemonic and authorisation id."""
    return {**payment(consumer, "500000", auth=f"{700000 + n}"), "bank_mnemonic": f"BK{n:02d}"}


def test_twenty_banks_paying_one_bill_at_once_pay_it_once(bill) -> None:  # noqa: ANN001
    app, key, consumer = bill
    banks = [bank(consumer, n) for n in range(20)]
    answers = at_once(app, key, banks)
    assert {a.status_code for a in answers} == {200}
    codes = sorted(a.json["response_code"] for a in answers)
    assert codes == ["00"] + ["02"] * 19
    assert {a.json["detail"] for a in answers if a.json["response_code"] == "02"} == {
        f"bill {consumer} is already paid"
    }
    assert len(refusals(app)) == 19  # each refused bank's attempt, for reconciliation
    again = at_once(app, key, banks)
    assert [a.get_data() for a in again] == [a.get_data() for a in answers]
    assert len(refusals(app)) == 19  # replays record nothing new
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Payment)) == 1
        kept = db.session.scalars(sa.select(BillAdvice.response_code)).all()
        assert sorted(kept) == codes


@pytest.mark.parametrize("tran_time", ["095900", "103100"])  # 16 minutes before, after
def test_dates_outside_the_clock_window_are_refused_and_recorded(bill, tran_time) -> None:  # noqa: ANN001
    app, key, consumer = bill
    late = {**payment(consumer, "500000"), "tran_time": tran_time}
    answer = post(app, key, "bill-payment", late)
    assert answer.status_code == 200 and answer.json["response_code"] == "03"
    assert "from the biller's clock" in answer.json["detail"]
    assert post(app, key, "bill-payment", late).get_data() == answer.get_data()
    [entry] = refusals(app)
    assert entry.data["response_code"] == "03" and entry.data["auth_id"] == "123456"
    with app.app_context():
        assert db.session.scalar(sa.select(Challan.status)) == "issued"
    inside = {**payment(consumer, "500000", auth="222222"), "tran_time": "100100"}  # 14 min
    assert post(app, key, "bill-payment", inside).json["response_code"] == "00"


def test_the_clock_window_is_configurable(bill) -> None:  # noqa: ANN001
    app, key, consumer = bill
    bootstrap.reconfigure(app, ONEBILL_MAX_CLOCK_SKEW_S=60)
    two_minutes_early = {**payment(consumer, "500000"), "tran_time": "101300"}
    assert post(app, key, "bill-payment", two_minutes_early).json["response_code"] == "03"


def test_an_unknown_consumer_number_is_01_from_inquiry_and_payment(bill) -> None:  # noqa: ANN001
    app, key, consumer = bill
    not_a_number = consumer[:-1] + str((int(consumer[-1]) + 1) % 10)  # fails the Luhn check
    prefix, serial = numbers.parse_consumer_number(consumer)
    never_issued = numbers.consumer_number(prefix, serial + 1)
    for unknown in (not_a_number, never_issued):
        asked = post(app, key, "bill-inquiry", {"consumer_number": unknown, "bank_mnemonic": "HBL"})
        paid = post(app, key, "bill-payment", payment(unknown, "500000", auth=unknown[-8:]))
        assert asked.json["response_code"] == paid.json["response_code"] == "01"
        again = post(app, key, "bill-payment", payment(unknown, "500000", auth=unknown[-8:]))
        assert again.get_data() == paid.get_data()
    assert len(refusals(app)) == 2


def test_a_backdated_advice_cannot_claim_the_discount(bill) -> None:  # noqa: ANN001
    app, key, consumer = bill
    asked = post(app, key, "bill-inquiry", {"consumer_number": consumer, "bank_mnemonic": "HBL"})
    last_discount_day = datetime.strptime(asked.json["due_date"], "%Y%m%d").date()
    received = datetime.combine(last_discount_day + timedelta(days=1), time(0, 5), KARACHI)
    app.config["CLOCK"] = lambda: received
    day_before = (last_discount_day).strftime("%Y%m%d")
    # Sent "at 23:58 on the last discount day", within the window: priced when received.
    backdated = {**payment(consumer, "500000", day=day_before), "tran_time": "235800"}
    assert post(app, key, "bill-payment", backdated).json["response_code"] == "03"
    # Dated well inside the discount period: outside the window, refused.
    older = {**payment(consumer, "500000", auth="333333"), "tran_date": "20261201"}
    assert post(app, key, "bill-payment", older).json["response_code"] == "03"
    full = {**payment(consumer, "1000000", auth="444444", day=day_before), "tran_time": "235800"}
    answer = post(app, key, "bill-payment", full).json
    assert answer["response_code"] == "00"
    with app.app_context():
        assert db.session.scalar(sa.select(Payment.amount_paisa)) == 1000000
        assert db.session.scalar(sa.select(Payment.paid_at)) == received


def test_a_busy_sqlite_asks_the_bank_to_resend(bill, database_url, tmp_path) -> None:  # noqa: ANN001
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite's single writer lock; PostgreSQL waits on row locks instead")
    app, key, consumer = bill
    impatient = make_app(
        database_url, tmp_path / "impatient", SQLITE_BUSY_TIMEOUT_MS=50, CLOCK=app.config["CLOCK"]
    )
    writer = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    try:
        busy = post(impatient, key, "bill-payment", payment(consumer, "500000"))
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert busy.status_code == 503 and busy.mimetype == "application/problem+json"
    assert busy.headers["Retry-After"] == "1"
    assert (
        post(impatient, key, "bill-payment", payment(consumer, "500000")).json["response_code"]
        == "00"
    )
    with impatient.app_context():
        db.engine.dispose()
