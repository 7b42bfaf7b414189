"""Money out: refunds on the rail the money came by, idempotent and audited.

A refund is asked for when money cannot stand: a challan cancelled after it was paid
(`refund_if_cancelled`, one call where each cancellation happens), or wallet money we refused (a
second payment of a paid challan, a wrong amount, a blocked challan). Each source of money gets
one row (`source_key`), so asking twice finds the first. A new row queues its own payout, run
right after the commit (`pay_out_refund`); `pay_out_refunds`, the sweep, pays whatever is left:
a wallet refund through the provider's refund call, keyed by our refund id so a retry after a
lost answer is paid once; a 1Bill refund becomes a recorded instruction for the bank (1Bill has
no refund message), `instructed`. `refunds_for` is what the portal shows.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from echallan.audit import operations as audit
from echallan.challans.models import Challan, Payment
from echallan.core import jobs
from echallan.core.deps import Deps
from echallan.core.extensions import db
from echallan.payments.jobs import PayOutRefund
from echallan.payments.models import Refund
from integrations.wallets import WalletError, WalletRefused
from rules.lifecycle import ChallanStatus

log = logging.getLogger(__name__)
PENDING, PAID, INSTRUCTED, FAILED = "pending", "paid", "instructed", "failed"
MAX_ATTEMPTS = 10


@dataclass(frozen=True)
class RefundAsk:
    """What to pay back, from which money, on which rail, and why."""

    source_key: str
    challan_id: int
    rail: str  # wallet | 1bill
    provider: str
    paid_reference: str
    amount_paisa: int
    reason: str
    payment_id: int | None = None


def request_refund(ask: RefundAsk, actor: str, now: datetime) -> Refund:
    """Record a refund to pay (once per source of money: a repeat returns the first row)."""
    existing = _by_key(ask.source_key)
    if existing is not None:
        return existing
    row = Refund(
        source_key=ask.source_key,
        challan_id=ask.challan_id,
        payment_id=ask.payment_id,
        rail=ask.rail,
        provider=ask.provider,
        paid_reference=ask.paid_reference,
        amount_paisa=ask.amount_paisa,
        reason=ask.reason[:200],
        status=PENDING,
        refund_reference="",
        attempts=0,
        requested_at=now,
    )
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:  # a concurrent request asked first
        return _by_key(ask.source_key)  # type: ignore[return-value]
    audit.record(actor, "refund.requested", row, **_facts(row))
    jobs.enqueue(PayOutRefund(row.id))  # dispatched after the commit, never for a rollback
    return row


def _by_key(source_key: str) -> Refund | None:
    """Return the refund already asked for this source of money."""
    return db.session.scalar(sa.select(Refund).where(Refund.source_key == source_key))


def refund_if_cancelled(challan: Challan, actor: str, now: datetime) -> list[Refund]:
    """Ask for the refund of every payment of a cancelled challan (otherwise do nothing).

    Called once wherever a challan is cancelled; it checks the status itself so the caller's
    edit stays one line whichever way its decision went.
    """
    if challan.status != ChallanStatus.CANCELLED:
        return []
    payments = db.session.scalars(sa.select(Payment).where(Payment.challan_id == challan.id))
    return [request_refund(_ask_for(payment, challan), actor, now) for payment in payments]


def _ask_for(payment: Payment, challan: Challan) -> RefundAsk:
    """Return the refund of one payment, on its own rail."""
    payer = payment.payer or {}
    wallet = payment.channel == "wallet"
    return RefundAsk(
        source_key=f"payment:{payment.id}",
        challan_id=challan.id,
        rail="wallet" if wallet else payment.channel,
        provider=str(payer.get("provider") if wallet else payer.get("bank", "")),
        paid_reference=str(payer.get("reference")) if wallet else payment.reference,
        amount_paisa=payment.amount_paisa,
        reason=f"challan {challan.number} cancelled after payment",
        payment_id=payment.id,
    )


@dataclass
class PaidOut:
    """What one payout pass did."""

    paid: int = 0
    instructed: int = 0
    retrying: int = 0
    failed: int = 0

    def as_dict(self) -> dict[str, int]:
        """Return the counts."""
        return asdict(self)


def pay_out_refunds(deps: Deps, now: datetime, actor: str = "system:refunds") -> PaidOut:
    """Pay every pending refund through its rail (a provider that does not answer: next pass)."""
    done = PaidOut()
    query = sa.select(Refund).where(Refund.status == PENDING).order_by(Refund.id).limit(200)
    for refund in db.session.scalars(query.with_for_update(skip_locked=True)).all():
        _pay_out(deps, refund, actor, now, done)
    db.session.flush()
    return done


def pay_out_refund(deps: Deps, refund_id: int, now: datetime) -> str:
    """Pay one refund out now; answer its status (one paid or locked by another pass: as is)."""
    query = sa.select(Refund).where(Refund.id == refund_id, Refund.status == PENDING)
    refund = db.session.scalar(query.with_for_update(skip_locked=True))
    if refund is None:
        return "not_pending"
    _pay_out(deps, refund, "system:refunds", now, PaidOut())
    db.session.flush()
    return refund.status


def _pay_out(deps: Deps, refund: Refund, actor: str, now: datetime, done: PaidOut) -> None:
    """Pay one refund back on its rail."""
    if refund.rail != "wallet":  # 1Bill has no refund message: the bank acts on our instruction
        refund.status, refund.settled_at = INSTRUCTED, now
        refund.refund_reference = f"{refund.rail}-refund-{refund.id}"
        done.instructed += 1
        audit.record(actor, "refund.instructed", refund, **_facts(refund))
        return
    refund.attempts += 1
    try:
        reference = _wallet_refund(deps, refund)
    except WalletRefused as error:
        _failed(refund, actor, error.detail, done)
        return
    except WalletError as error:
        log.warning("refund %s not paid yet: %s", refund.id, error.detail)
        done.retrying += 1
        if refund.attempts >= MAX_ATTEMPTS:
            _failed(refund, actor, error.detail, done)
        return
    refund.status, refund.refund_reference, refund.settled_at = PAID, reference[:64], now
    done.paid += 1
    audit.record(actor, "refund.paid", refund, **_facts(refund))


def _wallet_refund(deps: Deps, refund: Refund) -> str:
    """Ask the provider to pay a refund back (keyed by our id, so a retry pays once)."""
    wallet = deps.wallets.get(refund.provider)
    if wallet is None:
        raise WalletRefused(f"no wallet provider {refund.provider!r} is configured")
    return wallet.refund(refund.paid_reference, refund.amount_paisa, f"echallan-refund-{refund.id}")


def _failed(refund: Refund, actor: str, why: str, done: PaidOut) -> None:
    """Give a refund up to people (the provider refused it, or never answered), audited."""
    refund.status = FAILED
    done.failed += 1
    audit.record(actor, "refund.failed", refund, why=why[:200], **_facts(refund))


def _facts(refund: Refund) -> dict[str, object]:
    """Return what the audit trail keeps about a refund."""
    return {
        "challan_id": refund.challan_id,
        "rail": refund.rail,
        "provider": refund.provider,
        "paid_reference": refund.paid_reference,
        "amount_paisa": refund.amount_paisa,
        "status": refund.status,
        "refund_reference": refund.refund_reference,
        "reason": refund.reason,
    }


def refunds_for(challan: Challan) -> list[dict[str, object]]:
    """Return a challan's refunds for the portal, oldest first (read only)."""
    rows = db.session.scalars(
        sa.select(Refund).where(Refund.challan_id == challan.id).order_by(Refund.id)
    )
    return [
        {
            "rail": row.rail,
            "provider": row.provider,
            "reference": row.refund_reference,
            "paid_reference": row.paid_reference,
            "amount_paisa": row.amount_paisa,
            "status": row.status,
            "reason": row.reason,
            "requested_at": row.requested_at,
            "settled_at": row.settled_at,
        }
        for row in rows
    ]
