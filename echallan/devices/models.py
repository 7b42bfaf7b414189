"""The camera network's health: sites, devices (boxes and cameras), alerts and outages.

A camera keeps its `camera` row (calibration) and also has a `device` row with the same id
(kind camera); a distribution box has only a `device` row. The device row carries what
`rules.health.DeviceState` needs between heartbeats, plus the last readings reported.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from echallan.core.extensions import db
from echallan.core.types import UtcDateTime, utcnow


class Site(db.Model):
    """A junction: its boxes and cameras, and how it is enforced (auto or manual)."""

    __tablename__ = "site"

    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), default="")
    lat: Mapped[float | None]
    lon: Mapped[float | None]
    address: Mapped[str] = mapped_column(sa.String(500), default="")
    mode: Mapped[str] = mapped_column(sa.String(16), default="auto")  # auto | manual
    mode_changed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Device(db.Model):
    """A distribution box or a camera that sends heartbeats (a camera also sends clips)."""

    __tablename__ = "device"

    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(16))  # box | camera
    site_id: Mapped[str | None] = mapped_column(sa.ForeignKey("site.id"), index=True)
    box_id: Mapped[str | None] = mapped_column(sa.ForeignKey("device.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(200), default="")
    registered_lat: Mapped[float | None]
    registered_lon: Mapped[float | None]
    battery_capacity_wh: Mapped[float | None]
    load_w: Mapped[float | None]
    heartbeat_interval_s: Mapped[float] = mapped_column(default=30.0)
    active: Mapped[bool] = mapped_column(default=True)
    commissioned_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # rules.health.DeviceState, kept between heartbeats
    last_heartbeat_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_clip_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    frames_seen_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    frames_reported_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    clock_offset_s: Mapped[float | None]
    # the readings of the last heartbeat
    mains_on: Mapped[bool | None]
    battery_pct: Mapped[float | None]
    door_open: Mapped[bool | None]
    lat: Mapped[float | None]
    lon: Mapped[float | None]
    temperature_c: Mapped[float | None]
    uptime_s: Mapped[int | None] = mapped_column(sa.BigInteger)
    heartbeats_received: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    # set by the sweep when the device is declared offline, cleared by its next sign of life
    down_since: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Alert(db.Model):
    """An alert for one device and rule (rules.health.Alert); one open per device and rule."""

    __tablename__ = "device_alert"
    __table_args__ = (
        sa.Index(
            "uq_device_alert_open",
            "device_id",
            "rule",
            unique=True,
            postgresql_where=sa.text("status <> 'resolved'"),
            sqlite_where=sa.text("status <> 'resolved'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[str] = mapped_column(sa.ForeignKey("device.id"), index=True)
    box_id: Mapped[str | None] = mapped_column(sa.String(32), index=True)
    rule: Mapped[str] = mapped_column(sa.String(24))
    severity: Mapped[str] = mapped_column(sa.String(16))
    status: Mapped[str] = mapped_column(sa.String(16), index=True)  # firing | acknowledged | ...
    detail: Mapped[str] = mapped_column(sa.Text, default="")
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_notified_at: Mapped[datetime] = mapped_column(UtcDateTime)
    notifications: Mapped[int] = mapped_column(default=0)  # numbers the notices' keys
    clear_since: Mapped[datetime | None] = mapped_column(UtcDateTime)
    flaps: Mapped[int] = mapped_column(default=0)
    acknowledged_by: Mapped[str | None] = mapped_column(sa.String(100))
    acknowledged_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}


class Outage(db.Model):
    """A span a device counted as down, for the uptime (SLA) report; open while `ended_at` is None.

    It starts where the offline rule says the last sign of life stopped covering the device
    (last seen + missed intervals) and ends at the next sign of life, so the report agrees
    with `rules.health.uptime_ratio` without storing every heartbeat.
    """

    __tablename__ = "device_outage"
    __table_args__ = (
        sa.Index(
            "uq_device_outage_open",
            "device_id",
            unique=True,
            postgresql_where=sa.text("ended_at IS NULL"),
            sqlite_where=sa.text("ended_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[str] = mapped_column(sa.ForeignKey("device.id"), index=True)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)
