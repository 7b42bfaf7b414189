"""Violations found in clips and the registry answers used for them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from echallan.clips.models import Clip
from echallan.core.extensions import db
from echallan.core.types import UtcDateTime, utcnow


class EventStatus:
    """Where a violation event is between detection and a challan."""

    NEW = "new"
    PENDING_LOOKUP = "pending_lookup"
    IN_REVIEW = "in_review"
    ISSUED = "issued"
    DUPLICATE = "duplicate"
    DISMISSED = "dismissed"


class ViolationEvent(db.Model):
    """One offence by one track in one clip (or one field record by an officer)."""

    __tablename__ = "violation_event"
    __table_args__ = (sa.UniqueConstraint("clip_id", "rule", "track_id", name="uq_event_offence"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    clip_id: Mapped[int | None] = mapped_column(sa.ForeignKey("clip.id"), index=True)
    camera_id: Mapped[str | None] = mapped_column(sa.ForeignKey("camera.id"), index=True)
    source: Mapped[str] = mapped_column(sa.String(16), default="camera")  # camera | field
    rule: Mapped[str] = mapped_column(sa.String(24))
    track_id: Mapped[int] = mapped_column(default=0)
    frame: Mapped[int] = mapped_column(default=0)
    time_ms: Mapped[int] = mapped_column(default=0)
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    bbox: Mapped[list[int]] = mapped_column(sa.JSON, default=list)
    signal_state: Mapped[str | None] = mapped_column(sa.String(16))
    observed_class: Mapped[str | None] = mapped_column(sa.String(16))
    observed_colour: Mapped[str | None] = mapped_column(sa.String(24))
    plate_read: Mapped[str | None] = mapped_column(sa.String(16), index=True)
    plate_confidence: Mapped[float | None]
    # The detector's confidence in the offence itself; None for an officer's field record.
    offence_confidence: Mapped[float | None]
    evidence: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    status: Mapped[str] = mapped_column(sa.String(16), default=EventStatus.NEW, index=True)
    status_reason: Mapped[str | None] = mapped_column(sa.Text)
    duplicate_of_challan_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("challan.id", use_alter=True), index=True
    )
    lookup_attempts: Mapped[int] = mapped_column(default=0)
    next_lookup_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    clip: Mapped[Clip | None] = relationship()


class OwnerSnapshot(db.Model):
    """The registry's answer as it was when a decision used it, frozen."""

    __tablename__ = "owner_snapshot"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("violation_event.id"), index=True)
    plate: Mapped[str] = mapped_column(sa.String(16))
    found: Mapped[bool] = mapped_column(default=True)
    record: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    fetched_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    source: Mapped[str] = mapped_column(sa.String(64), default="registry")
