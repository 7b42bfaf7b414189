"""Cameras and the clips they send."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from echallan.core.extensions import db
from echallan.core.types import UtcDateTime, utcnow


class Camera(db.Model):
    """A junction camera with its calibration (stop line, approach, signal ROI, rules)."""

    __tablename__ = "camera"

    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), default="")
    site_id: Mapped[str | None] = mapped_column(sa.String(32), index=True)
    box_id: Mapped[str | None] = mapped_column(sa.String(32), index=True)
    calibration: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    timezone: Mapped[str] = mapped_column(sa.String(64), default="Asia/Karachi")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class ClipStatus:
    """Where a clip is in the pipeline."""

    RECEIVED = "received"
    ANALYSED = "analysed"
    FAILED = "failed"


class Clip(db.Model):
    """A violation clip as received: content-addressed by SHA-256, stored once."""

    __tablename__ = "clip"

    id: Mapped[int] = mapped_column(primary_key=True)
    camera_id: Mapped[str] = mapped_column(sa.ForeignKey("camera.id"), index=True)
    sha256: Mapped[str] = mapped_column(sa.String(64), unique=True)
    stored_path: Mapped[str] = mapped_column(sa.String(500))
    size_bytes: Mapped[int] = mapped_column(sa.BigInteger)
    media_type: Mapped[str] = mapped_column(sa.String(64))
    original_name: Mapped[str] = mapped_column(sa.String(255), default="")
    meta: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    analysed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    status: Mapped[str] = mapped_column(sa.String(16), default=ClipStatus.RECEIVED, index=True)
    failure_reason: Mapped[str | None] = mapped_column(sa.Text)
    job_id: Mapped[str | None] = mapped_column(sa.String(64))
    # The analysing worker's lease: taken when it starts, renewed while it runs, cleared when it
    # is done. A lease run out on a received clip means its worker died (kill -9, OOM).
    claimed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)
    analysis_attempts: Mapped[int] = mapped_column(default=0, server_default="0")

    camera: Mapped[Camera] = relationship()
