"""The police review queue: tasks and the decisions taken on them."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from echallan.challans.events import ViolationEvent
from echallan.core.extensions import db
from echallan.core.types import UtcDateTime, utcnow


class ReviewTask(db.Model):
    """A case a machine should not decide alone, with the reason it is here."""

    __tablename__ = "review_task"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("violation_event.id"), index=True)
    challan_id: Mapped[int | None] = mapped_column(sa.ForeignKey("challan.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(16), default="violation")  # violation | contest
    reasons: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    status: Mapped[str] = mapped_column(sa.String(16), default="open", index=True)
    claimed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    claim_expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    version: Mapped[int] = mapped_column(default=1)

    event: Mapped[ViolationEvent] = relationship()

    __mapper_args__ = {"version_id_col": version}


class ReviewDecision(db.Model):
    """Who decided what, when and why: a human's decision or the machine's own."""

    __tablename__ = "review_decision"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int | None] = mapped_column(sa.ForeignKey("review_task.id"), index=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("violation_event.id"), index=True)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    actor: Mapped[str] = mapped_column(sa.String(64))  # "user:<name>" or "system:issuance"
    decision: Mapped[str] = mapped_column(sa.String(24))
    reasons: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    corrected_plate: Mapped[str | None] = mapped_column(sa.String(16))
    decided_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
