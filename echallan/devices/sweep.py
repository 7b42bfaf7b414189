"""The offline sweep: devices that went quiet, the outages they open and the site modes."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from echallan.audit import operations as audit
from echallan.core.deps import Settings
from echallan.core.extensions import db
from echallan.core.types import UtcDateTime
from echallan.devices import alerts
from echallan.devices.heartbeats import DEVICE, STATE_COLUMNS, end_outage
from echallan.devices.models import Outage, Site
from rules import health
from rules.health import DeviceKind, DeviceState, HealthConfig, SiteMode

log = logging.getLogger(__name__)
SYSTEM = "system:health"
# An arbitrary constant naming the device sweep's PostgreSQL advisory lock.
SWEEP_LOCK_KEY = 0x6465_7673
MODE_AUDIT_BATCH = 20  # more site mode changes in one sweep than this: one audit entry


# --- the sweep --------------------------------------------------------------------------------


@dataclass(frozen=True)
class SweepReport:
    """What one sweep found and did."""

    devices: int
    findings: int
    opened: int
    resolved: int
    renotified: int
    inhibited: int
    outages_started: int
    outages_ended: int
    sites_changed: int
    seconds: float
    skipped: bool = False

    def as_dict(self) -> dict[str, Any]:
        """Return the report as a JSON-ready dictionary."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


def sweep_offline(settings: Settings, now: datetime) -> SweepReport:
    """Evaluate offline and no-frames over every device, reconcile alerts, update site modes."""
    started = time.perf_counter()
    if not _lock_sweep():
        return SweepReport(0, 0, 0, 0, 0, 0, 0, 0, 0, 0.0, skipped=True)
    config = settings.health
    rows = db.session.execute(_sweep_query().where(DEVICE.c.active)).all()
    states = [DeviceState(row[0], DeviceKind(row[1]), *row[4:]) for row in rows]
    findings = health.evaluate_sweep(states, now, config)
    open_alerts, versions = alerts.open_alerts()
    changes = health.reconcile(open_alerts, findings, now, config)
    done = alerts.persist(changes, versions, now, alerts.targets_of(settings))
    started_n, ended_n = _track_outages(rows, states, now, config)
    sites = _update_site_modes(states, now, config)
    return SweepReport(
        len(rows),
        len(findings),
        len(done.opened),
        len(done.resolved),
        len(done.renotified),
        len(changes.inhibited),
        started_n,
        ended_n,
        sites,
        time.perf_counter() - started,
    )


def _sweep_query() -> sa.Select:
    """Select every device's state; columns in DeviceState's order after id, kind, down, active.

    PostgreSQL hands back aware datetimes already, so the sweep skips UtcDateTime's conversion
    of 70,000 values; SQLite stores naive UTC and keeps it.
    """
    if db.session.get_bind().dialect.name != "postgresql":
        return sa.select(*STATE_COLUMNS)
    aware = sa.DateTime(timezone=True)
    return sa.select(
        *(
            sa.type_coerce(c, aware).label(c.name) if isinstance(c.type, UtcDateTime) else c
            for c in STATE_COLUMNS
        )
    )


def _lock_sweep() -> bool:
    """Let one sweep run at a time across processes (PostgreSQL); SQLite serialises writers."""
    if db.session.get_bind().dialect.name != "postgresql":
        return True
    lock = sa.select(sa.func.pg_try_advisory_xact_lock(SWEEP_LOCK_KEY))
    return bool(db.session.scalar(lock))


def _track_outages(
    rows: Sequence[Any], states: Sequence[DeviceState], now: datetime, config: HealthConfig
) -> tuple[int, int]:
    """Open an outage for each device newly offline; close those of devices alive again."""
    starting, ending = [], []
    for row, state in zip(rows, states, strict=True):
        offline = health.is_offline(state, now, config)
        if offline and row.down_since is None:
            starting.append((row.id, _down_from(state, config) or now))
        elif not offline and row.down_since is not None:
            ending.append((row.id, health.last_seen(state) or now))
    _start_outages(starting)
    for device_id, at in ending:
        end_outage(device_id, at)
        db.session.execute(
            sa.update(DEVICE).where(DEVICE.c.id == device_id).values(down_since=None)
        )
    return len(starting), len(ending)


def _down_from(state: DeviceState, config: HealthConfig) -> datetime | None:
    """Return when the last sign of life stopped covering the device (the offline rule)."""
    since = health.last_seen(state) or state.commissioned_at
    cover = timedelta(seconds=config.missed_intervals * state.heartbeat_interval_s)
    return None if since is None else since + cover


def _start_outages(starting: Sequence[tuple[str, datetime]]) -> None:
    """Record the start of each outage and mark its device down, in two statements."""
    if not starting:
        return
    db.session.execute(
        sa.insert(Outage), [{"device_id": d, "started_at": at} for d, at in starting]
    )
    db.session.execute(
        sa.update(DEVICE)
        .where(DEVICE.c.id == sa.bindparam("b_id"))
        .values(down_since=sa.bindparam("b_at")),
        [{"b_id": d, "b_at": at} for d, at in starting],
    )


def _update_site_modes(states: Iterable[DeviceState], now: datetime, config: HealthConfig) -> int:
    """Store each site's mode (manual when no camera can enforce); return how many changed."""
    modes = health.site_modes(states, now, config)
    site = Site.__table__
    changed = {}
    for site_id, mode in db.session.execute(sa.select(site.c.id, site.c.mode)):
        wanted = modes.get(site_id, SiteMode.MANUAL).value
        if mode != wanted:
            changed[site_id] = wanted
    if changed:
        db.session.execute(
            sa.update(site)
            .where(site.c.id == sa.bindparam("b_id"))
            .values(mode=sa.bindparam("b_mode"), mode_changed_at=now),
            [{"b_id": site_id, "b_mode": mode} for site_id, mode in changed.items()],
        )
        _audit_modes(changed)
    return len(changed)


@dataclass(frozen=True)
class _SiteBatch:
    """Many sites at once, as the subject of one audit entry."""

    id: str
    __tablename__ = "site"


def _audit_modes(changed: dict[str, str]) -> None:
    """Audit each site's new mode; a city-wide change (a grid failure) is one entry, not 2,000."""
    if len(changed) <= MODE_AUDIT_BATCH:
        for site_id, mode in changed.items():
            audit.record(SYSTEM, "site.mode_changed", _SiteBatch(site_id), mode=mode)
        return
    subject = _SiteBatch(f"{len(changed)} sites")
    audit.record(SYSTEM, "site.mode_changed", subject, modes=changed)
