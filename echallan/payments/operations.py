"""Money in: 1Link 1Bill inquiry and payment by consumer number; idempotent and audited.

1Bill amounts travel in minor units (paisa). A payment must be the exact amount due when we
receive it: the discount, base and doubled bands come from `rules.dues` at our clock's date,
never the bank's tran_date, so a backdated advice cannot claim a discount that has ended. The
bank's date must be within a small window of our clock (`onebill_max_clock_skew`).

Every advice gets one row per (bank, authorisation id) holding the first answer; a replay is
answered from that row byte for byte, whatever happened since. Concurrency: the row's unique key
serialises replays of one advice (a loser of the insert race reads the winner's answer), and a
lock on the challan row (`SELECT ... FOR UPDATE` on PostgreSQL; SQLite's writers are serialised
by BEGIN IMMEDIATE) serialises different banks paying one bill, so exactly one of them pays.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from echallan.audit import operations as audit
from echallan.audit.models import AuditEntry
from echallan.challans import operations as challans
from echallan.challans.models import Challan, Payment
from echallan.core.deps import Settings
from echallan.core.extensions import db
from echallan.payments import ledger
from echallan.payments.errors import (
    AdviceInFlight,
    AdviceOutOfWindow,
    AmountNotDue,
    AuthIdReused,
    BillAlreadyPaid,
    BillNotPayable,
    OneBillRefusal,
    UnknownBill,
)
from echallan.payments.models import BillAdvice
from rules import dues, fines, lifecycle, numbers

log = logging.getLogger(__name__)
PAID = "payment recorded"


@dataclass(frozen=True)
class Bill:
    """What a bank may learn about a bill: the minimum to take the payment."""

    consumer_number: str
    status: str  # U unpaid, P paid, B blocked
    consumer_name: str  # masked
    amount_due_paisa: int
    due_date: date | None  # the date the price next changes
    amount_after_due_paisa: int
    paid_on: date | None = None
    amount_paid_paisa: int = 0


def _challan(consumer_number: str, lock: bool = False) -> Challan:
    """Return the challan billed under a consumer number (locked for update), or UnknownBill."""
    if not numbers.is_consumer_number(consumer_number):
        raise UnknownBill(f"no bill {consumer_number}")
    query = sa.select(Challan).where(Challan.consumer_number == consumer_number)
    if lock:  # the fresh row, not a copy loaded before the lock was granted
        query = query.with_for_update().execution_options(populate_existing=True)
    challan = db.session.scalar(query)
    if challan is None:
        raise UnknownBill(f"no bill {consumer_number}")
    return challan


_BILL = (
    sa.select(Challan, Payment)
    .outerjoin(Payment, Payment.challan_id == Challan.id)
    .where(Challan.consumer_number == sa.bindparam("consumer_number"))
    .options(joinedload(Challan.owner_snapshot))
    .order_by(Payment.id)
    .limit(1)
)


def inquire(consumer_number: str, on: datetime) -> Bill:
    """Answer a BillInquiry (one query: the challan, its owner snapshot and any payment)."""
    challan, paid = _bill(consumer_number)
    today = fines.to_karachi(on).date()
    price = dues.amount_due(challans.dues_of(challan), today)
    later = price.price_changes_on
    after = (
        dues.amount_due(challans.dues_of(challan), later).amount_paisa
        if later
        else price.amount_paisa
    )
    return Bill(
        consumer_number=consumer_number,
        status=lifecycle.bill_status(challan.status),
        consumer_name=_masked_owner(challan),
        amount_due_paisa=price.amount_paisa if price.payable else 0,
        due_date=later - timedelta(days=1) if later else None,
        amount_after_due_paisa=after if price.payable else 0,
        paid_on=fines.to_karachi(paid.paid_at).date() if paid else None,
        amount_paid_paisa=paid.amount_paisa if paid else 0,
    )


def _bill(consumer_number: str) -> tuple[Challan, Payment | None]:
    """Load a billed challan with its owner snapshot and payment in one round trip.

    Banks ask this many times a second; three queries (challan, lazy snapshot, payment) were
    most of an inquiry's cost on the profile; the statement is built once (`_BILL`), since
    building it took as long as running it.
    """
    if not numbers.is_consumer_number(consumer_number):
        raise UnknownBill(f"no bill {consumer_number}")
    row = db.session.execute(_BILL, {"consumer_number": consumer_number}).first()
    if row is None:
        raise UnknownBill(f"no bill {consumer_number}")
    return row[0], row[1]


def _masked_owner(challan: Challan) -> str:
    """Return the owner's name as initials (consumer numbers are guessable)."""
    name = challan.owner_snapshot.record.get("owner_name", "") if challan.owner_snapshot else ""
    return " ".join(part[0] + "." for part in name.split() if part)


@dataclass(frozen=True)
class PaymentAdvice:
    """A bank's BillPayment; `tran_at` is the bank's own date and time (aware)."""

    consumer_number: str
    amount_paisa: int
    auth_id: str
    bank: str
    tran_at: datetime


@dataclass(frozen=True)
class Reply:
    """A BillPayment answer: the 1Bill response code, our reference when paid, and why."""

    code: str
    identification: str = ""
    detail: str = ""

    @classmethod
    def refusing(cls, refusal: OneBillRefusal) -> Reply:
        """Return the answer to a refused advice (its code comes from the refusal's class)."""
        return cls(refusal.onebill_code, "", refusal.detail)


def accept_payment(
    advice: PaymentAdvice, actor: str, received_at: datetime, settings: Settings
) -> Reply:
    """Answer a BillPayment: the stored first answer for a replay, else settle or refuse it."""
    stored = _stored(advice)
    if stored is None:
        row = _claimed(advice, received_at)
        if row is not None:
            return _decided(row, actor, settings)
        stored = _stored(advice)  # a concurrent request took the key first and has answered
        if stored is None:
            raise AdviceInFlight(f"advice {advice.auth_id} is being answered; retry")
    return _replayed(stored, advice, actor)


def _stored(advice: PaymentAdvice) -> BillAdvice | None:
    """Return the advice row already kept for this bank and authorisation id."""
    return db.session.scalar(
        sa.select(BillAdvice)
        .where(BillAdvice.bank == advice.bank, BillAdvice.auth_id == advice.auth_id)
        .execution_options(populate_existing=True)
    )


def _claimed(advice: PaymentAdvice, received_at: datetime) -> BillAdvice | None:
    """Insert the advice's row under its unique key; None when another request holds the key.

    On PostgreSQL the insert waits for a concurrent holder of the key to commit, then fails on
    the unique key; the savepoint keeps the rest of this request's work, and the caller reads
    the answer the holder stored.
    """
    row = BillAdvice(
        bank=advice.bank,
        auth_id=advice.auth_id,
        consumer_number=advice.consumer_number,
        amount_paisa=advice.amount_paisa,
        tran_at=advice.tran_at,
        received_at=received_at,
        response_code="",
    )
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:
        log.info("advice %s/%s was taken by a concurrent request", advice.bank, advice.auth_id)
        return None
    return row


def _decided(row: BillAdvice, actor: str, settings: Settings) -> Reply:
    """Settle or refuse a first-seen advice; store the answer on its row, audit a refusal."""
    try:
        reply = _settled(row, actor, settings)
    except OneBillRefusal as refusal:
        reply = Reply.refusing(refusal)
        _answered(row, reply)
        audit.record(actor, "payment.refused", row, **_advice_facts(row))
        return reply
    _answered(row, reply)
    return reply


def _settled(row: BillAdvice, actor: str, settings: Settings) -> Reply:
    """Check the advice against the bill and our clock, then take the payment."""
    challan = _challan(row.consumer_number, lock=True)
    row.challan_id = challan.id
    _check_clock(row, settings.onebill_max_clock_skew)
    price = dues.amount_due(challans.dues_of(challan), fines.to_karachi(row.received_at).date())
    _check_payable(challan, price)
    if row.amount_paisa != price.amount_paisa:
        raise AmountNotDue(
            f"amount {row.amount_paisa} does not match the {price.amount_paisa} paisa due"
        )
    payment = _pay(challan, row, actor)
    row.payment_id = payment.id
    return Reply("00", payment.reference, PAID)


def _check_clock(row: BillAdvice, skew: timedelta) -> None:
    """Refuse an advice whose tran_date/tran_time is too far from when we received it."""
    if abs(row.received_at - row.tran_at) > skew:
        stated = fines.to_karachi(row.tran_at).strftime("%Y%m%d %H%M%S")
        raise AdviceOutOfWindow(
            f"tran_date/tran_time {stated} is more than {int(skew.total_seconds())} s"
            " from the biller's clock"
        )


def _check_payable(challan: Challan, price: dues.AmountDue) -> None:
    """Refuse to take money for a bill that is paid or blocked."""
    if price.payable:
        return
    status = lifecycle.bill_status(challan.status)
    if status == "P":
        raise BillAlreadyPaid(f"bill {challan.consumer_number} is already paid")
    raise BillNotPayable(f"bill {challan.consumer_number} is {status}: not payable")


def _pay(challan: Challan, row: BillAdvice, actor: str) -> Payment:
    """Record the bank's money against the challan (ledger.record_payment)."""
    return ledger.record_payment(
        challan,
        "1bill",
        f"1bill:{row.bank}:{row.auth_id}",
        row.amount_paisa,
        row.received_at,
        {"bank": row.bank, "auth_id": row.auth_id, "tran_at": row.tran_at.isoformat()},
        actor,
    )


def _answered(row: BillAdvice, reply: Reply) -> None:
    """Store the first answer on the advice's row."""
    row.response_code = reply.code
    row.identification = reply.identification
    row.detail = reply.detail
    db.session.flush()


def _advice_facts(row: BillAdvice) -> dict[str, object]:
    """Return what reconciliation needs to know about an advice and its answer."""
    return {
        "bank": row.bank,
        "auth_id": row.auth_id,
        "consumer_number": row.consumer_number,
        "amount_paisa": row.amount_paisa,
        "tran_at": row.tran_at.isoformat(),
        "received_at": row.received_at.isoformat(),
        "response_code": row.response_code,
        "detail": row.detail,
    }


def _replayed(stored: BillAdvice, advice: PaymentAdvice, actor: str) -> Reply:
    """Answer a repeated advice as the first time; another payment under its id is refused."""
    if (
        stored.consumer_number == advice.consumer_number
        and stored.amount_paisa == advice.amount_paisa
    ):
        return Reply(stored.response_code, stored.identification, stored.detail)
    refusal = AuthIdReused(f"authorisation {advice.auth_id} was already used for another payment")
    _record_reuse(stored, advice, actor)
    return Reply.refusing(refusal)


def _record_reuse(stored: BillAdvice, advice: PaymentAdvice, actor: str) -> None:
    """Audit a different advice under a used authorisation id, once per distinct advice."""
    facts = {"consumer_number": advice.consumer_number, "amount_paisa": advice.amount_paisa}
    db.session.scalar(sa.select(BillAdvice.id).where(BillAdvice.id == stored.id).with_for_update())
    earlier = db.session.scalars(
        sa.select(AuditEntry.data).where(
            AuditEntry.entity_type == BillAdvice.__tablename__,
            AuditEntry.entity_id == str(stored.id),
            AuditEntry.action == "payment.auth_reused",
        )
    )
    if not any(data == facts for data in earlier):
        audit.record(actor, "payment.auth_reused", stored, **facts)
