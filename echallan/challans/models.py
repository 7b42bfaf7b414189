"""Challans and what happens to them: payments, contests, notices."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from echallan.challans.events import OwnerSnapshot, ViolationEvent
from echallan.core.extensions import db
from echallan.core.types import UtcDateTime, utcnow


class Challan(db.Model):
    """A traffic ticket: one offence, one challan; money in paisa."""

    __tablename__ = "challan"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(32), unique=True)
    consumer_number: Mapped[str] = mapped_column(sa.String(24), unique=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("violation_event.id"), unique=True)
    owner_snapshot_id: Mapped[int | None] = mapped_column(sa.ForeignKey("owner_snapshot.id"))
    duplicate_of_id: Mapped[int | None] = mapped_column(sa.ForeignKey("challan.id"))
    status: Mapped[str] = mapped_column(sa.String(24), index=True)
    rule: Mapped[str] = mapped_column(sa.String(24))
    plate: Mapped[str] = mapped_column(sa.String(16), index=True)
    owner_cnic: Mapped[str | None] = mapped_column(sa.String(13), index=True)
    vehicle_class: Mapped[str] = mapped_column(sa.String(16))
    fine_paisa: Mapped[int] = mapped_column(sa.BigInteger)
    surcharge_paisa: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    schedule_version: Mapped[str] = mapped_column(sa.String(32))
    legal_basis: Mapped[str] = mapped_column(sa.String(200), default="")
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime)
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    discount_until: Mapped[date] = mapped_column(sa.Date)
    surcharge_from: Mapped[date] = mapped_column(sa.Date)
    flags: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    version: Mapped[int] = mapped_column(default=1)

    event: Mapped[ViolationEvent] = relationship(foreign_keys=[event_id])
    owner_snapshot: Mapped[OwnerSnapshot | None] = relationship(foreign_keys=[owner_snapshot_id])

    __mapper_args__ = {"version_id_col": version}


class Payment(db.Model):
    """Money received for a challan; `reference` makes a replayed payment a no-op."""

    __tablename__ = "payment"

    id: Mapped[int] = mapped_column(primary_key=True)
    challan_id: Mapped[int] = mapped_column(sa.ForeignKey("challan.id"), index=True)
    channel: Mapped[str] = mapped_column(sa.String(16))  # 1bill | wallet | counter
    reference: Mapped[str] = mapped_column(sa.String(64), unique=True)
    amount_paisa: Mapped[int] = mapped_column(sa.BigInteger)
    paid_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    payer: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)


class Contest(db.Model):
    """A citizen's challenge to a challan, decided through the review queue."""

    __tablename__ = "contest"

    id: Mapped[int] = mapped_column(primary_key=True)
    challan_id: Mapped[int] = mapped_column(sa.ForeignKey("challan.id"), index=True)
    grounds: Mapped[str] = mapped_column(sa.Text)
    contact_phone: Mapped[str | None] = mapped_column(sa.String(20))
    filed_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(sa.String(16), default="open")
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # What the citizen chose from the list (rules.contest.REASONS); `grounds` is their own words.
    reason: Mapped[str] = mapped_column(sa.String(32), default="other", server_default="other")
    # An optional photo or PDF, stored by the hash of its (metadata-stripped) bytes.
    evidence_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    evidence_type: Mapped[str | None] = mapped_column(sa.String(40))
    # The officer's decision as the citizen reads it: who, why, and the new fine when reduced.
    decided_by: Mapped[str | None] = mapped_column(sa.String(100))
    decision_reasons: Mapped[list[str] | None] = mapped_column(sa.JSON)
    fine_before_paisa: Mapped[int | None] = mapped_column(sa.BigInteger)
    new_fine_paisa: Mapped[int | None] = mapped_column(sa.BigInteger)


class WaiverRequest(db.Model):
    """A first-offence waiver asked for with a written apology, decided by an officer."""

    __tablename__ = "waiver_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    challan_id: Mapped[int] = mapped_column(sa.ForeignKey("challan.id"), index=True)
    cnic: Mapped[str] = mapped_column(sa.String(13), index=True)
    apology: Mapped[str] = mapped_column(sa.Text)
    filed_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(sa.String(16), default="open")  # open|approved|refused
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    decided_by: Mapped[str | None] = mapped_column(sa.String(100))
    decision_reason: Mapped[str | None] = mapped_column(sa.Text)


class Notice(db.Model):
    """An outbox row: a notice to deliver, retried with backoff, sent at most once."""

    __tablename__ = "notice"

    id: Mapped[int] = mapped_column(primary_key=True)
    challan_id: Mapped[int | None] = mapped_column(sa.ForeignKey("challan.id"), index=True)
    channel: Mapped[str] = mapped_column(sa.String(16))  # pdf | sms | webhook
    recipient: Mapped[str] = mapped_column(sa.String(200), default="")
    idempotency_key: Mapped[str] = mapped_column(sa.String(100), unique=True)
    payload: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    status: Mapped[str] = mapped_column(sa.String(16), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    provider_id: Mapped[str | None] = mapped_column(sa.String(100))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    challan: Mapped[Challan | None] = relationship()
