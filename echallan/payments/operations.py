"""Money in: 1Link 1Bill inquiry and payment by consumer number; idempotent and audited.

1Bill amounts travel in minor units (paisa). A payment must be the exact amount due on its
date: the discount, base and doubled bands come from `rules.dues`, so the bank and the portal
always agree on the price. A replayed payment (same bank and authorisation id) changes
nothing and answers as the first time did.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from echallan.challans import operations as challans
from echallan.challans.models import Challan, Payment
from echallan.core.extensions import db
from rules import dues, fines, lifecycle, numbers
from rules.errors import Conflict, InvalidInput, NotFound
from rules.lifecycle import ChallanEvent


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


def _challan(consumer_number: str) -> Challan:
    """Return the challan billed under a consumer number, or NotFound."""
    if not numbers.is_consumer_number(consumer_number):
        raise InvalidInput("not a 1Bill consumer number", errors={"consumer_number": ["invalid"]})
    challan = db.session.scalar(
        sa.select(Challan).where(Challan.consumer_number == consumer_number)
    )
    if challan is None:
        raise NotFound(f"no bill {consumer_number}")
    return challan


def inquire(consumer_number: str, on: datetime) -> Bill:
    """Answer a BillInquiry."""
    challan = _challan(consumer_number)
    today = fines.to_karachi(on).date()
    price = dues.amount_due(challans.dues_of(challan), today)
    later = price.price_changes_on
    after = (
        dues.amount_due(challans.dues_of(challan), later).amount_paisa
        if later
        else price.amount_paisa
    )
    paid = _payment_of(challan)
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


def _masked_owner(challan: Challan) -> str:
    """Return the owner's name as initials (consumer numbers are guessable)."""
    name = challan.owner_snapshot.record.get("owner_name", "") if challan.owner_snapshot else ""
    return " ".join(part[0] + "." for part in name.split() if part)


def _payment_of(challan: Challan) -> Payment | None:
    """Return the payment that settled a challan, if any."""
    return db.session.scalar(sa.select(Payment).where(Payment.challan_id == challan.id))


@dataclass(frozen=True)
class PaymentAdvice:
    """A bank's BillPayment."""

    consumer_number: str
    amount_paisa: int
    auth_id: str
    bank: str
    paid_at: datetime


def accept_payment(advice: PaymentAdvice, actor: str) -> tuple[Payment, bool]:
    """Settle a challan with a bank's payment; return (payment, replayed)."""
    reference = f"1bill:{advice.bank}:{advice.auth_id}"
    earlier = db.session.scalar(sa.select(Payment).where(Payment.reference == reference))
    if earlier is not None:
        return _replayed(earlier, advice)
    challan = _challan(advice.consumer_number)
    price = dues.amount_due(challans.dues_of(challan), fines.to_karachi(advice.paid_at).date())
    if not price.payable:
        raise Conflict(
            f"bill {advice.consumer_number} is {lifecycle.bill_status(challan.status)}: not payable"
        )
    if advice.amount_paisa != price.amount_paisa:
        raise InvalidInput(
            f"amount {advice.amount_paisa} does not match the {price.amount_paisa} paisa due",
            errors={"transaction_amount": [f"must be {price.amount_paisa}"]},
        )
    payment = Payment(
        challan_id=challan.id,
        channel="1bill",
        reference=reference,
        amount_paisa=advice.amount_paisa,
        paid_at=advice.paid_at,
        payer={"bank": advice.bank, "auth_id": advice.auth_id},
    )
    db.session.add(payment)
    db.session.flush()
    challans.apply_event(
        challan,
        ChallanEvent.PAY,
        actor,
        payment_id=payment.id,
        amount_paisa=payment.amount_paisa,
        reference=reference,
    )
    return payment, False


def _replayed(earlier: Payment, advice: PaymentAdvice) -> tuple[Payment, bool]:
    """Answer a repeated advice as the first; a different one under the same id is refused."""
    challan = db.session.get(Challan, earlier.challan_id)
    if (
        challan.consumer_number != advice.consumer_number
        or earlier.amount_paisa != advice.amount_paisa
    ):
        raise Conflict(f"authorisation {advice.auth_id} was already used for another payment")
    return earlier, True
