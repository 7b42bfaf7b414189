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
