"""Every 1Bill payment advice a bank sent, with the first answer it got."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from echallan.core.extensions import db
from echallan.core.types import UtcDateTime


class BillAdvice(db.Model):
    """One BillPayment per (bank, authorisation id): what it said, and what we first answered.

    The unique key is what makes a replay answer as the first time did, byte for byte, whether
    the first answer paid the bill or refused it; refused advices stay here for reconciliation.
    """

    __tablename__ = "onebill_advice"
    __table_args__ = (
        sa.UniqueConstraint("bank", "auth_id", name="uq_onebill_advice_bank_auth_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    bank: Mapped[str] = mapped_column(sa.String(8))
    auth_id: Mapped[str] = mapped_column(sa.String(12))
    consumer_number: Mapped[str] = mapped_column(sa.String(24), index=True)
    amount_paisa: Mapped[int] = mapped_column(sa.BigInteger)
    tran_at: Mapped[datetime] = mapped_column(UtcDateTime)  # the bank's date and time
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)  # our clock: what prices it
    challan_id: Mapped[int | None] = mapped_column(sa.ForeignKey("challan.id"), index=True)
    payment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("payment.id"))
    response_code: Mapped[str] = mapped_column(sa.String(2))
    identification: Mapped[str] = mapped_column(sa.String(64), default="")
    detail: Mapped[str] = mapped_column(sa.String(200), default="")


class WalletCheckout(db.Model):
    """A wallet checkout we started for a challan: the provider's reference and where it stands.

    `pending` until the webhook (or reconciliation's inquiry) says paid or failed; the amount is
    what was due when the checkout started (the payment is priced again when the money arrives).
    """

    __tablename__ = "wallet_checkout"
    __table_args__ = (
        sa.UniqueConstraint("provider", "reference", name="uq_wallet_checkout_provider_reference"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(sa.String(16))
    reference: Mapped[str] = mapped_column(sa.String(64))
    challan_id: Mapped[int] = mapped_column(sa.ForeignKey("challan.id"), index=True)
    amount_paisa: Mapped[int] = mapped_column(sa.BigInteger)
    redirect_url: Mapped[str] = mapped_column(sa.String(500))
    status: Mapped[str] = mapped_column(sa.String(16), index=True)  # pending | paid | failed
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    checked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    payment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("payment.id"))


class WalletEvent(db.Model):
    """One provider event (webhook or inquiry answer), unique per provider and event id.

    Inserted in the same transaction as the payment it makes, so a replayed event finds the row
    and answers as the first time; `outcome` says what the event did (paid, duplicate, refused).
    """

    __tablename__ = "wallet_event"
    __table_args__ = (
        sa.UniqueConstraint("provider", "event_id", name="uq_wallet_event_provider_event_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(sa.String(16))
    event_id: Mapped[str] = mapped_column(sa.String(64))
    reference: Mapped[str] = mapped_column(sa.String(64))
    source: Mapped[str] = mapped_column(sa.String(16))  # webhook | inquiry
    amount_paisa: Mapped[int] = mapped_column(sa.BigInteger)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)
    challan_id: Mapped[int | None] = mapped_column(sa.ForeignKey("challan.id"), index=True)
    payment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("payment.id"))
    outcome: Mapped[str] = mapped_column(sa.String(24), default="")
    detail: Mapped[str] = mapped_column(sa.String(200), default="")


class Refund(db.Model):
    """Money to pay back, on the rail it came by: one row per source of money (idempotent).

    `source_key` names what is refunded (a payment, or a wallet event whose money we could not
    take), so asking twice finds the first row. Status: `pending` until paid out; a wallet refund
    becomes `paid` with the provider's refund reference, a 1Bill one `instructed` (the bank
    pays it back on our recorded instruction).
    """

    __tablename__ = "refund"

    id: Mapped[int] = mapped_column(primary_key=True)
    source_key: Mapped[str] = mapped_column(sa.String(64), unique=True)
    challan_id: Mapped[int] = mapped_column(sa.ForeignKey("challan.id"), index=True)
    payment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("payment.id"))
    rail: Mapped[str] = mapped_column(sa.String(16))  # wallet | 1bill
    provider: Mapped[str] = mapped_column(sa.String(16))  # jazzcash, easypaisa, or the bank
    paid_reference: Mapped[str] = mapped_column(sa.String(64))  # the money's reference
    amount_paisa: Mapped[int] = mapped_column(sa.BigInteger)
    reason: Mapped[str] = mapped_column(sa.String(200))
    status: Mapped[str] = mapped_column(sa.String(16), index=True)
    refund_reference: Mapped[str] = mapped_column(sa.String(64), default="")
    attempts: Mapped[int] = mapped_column(default=0)
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime)
    settled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
