"""Heartbeats and clip liveness: the hot path of network health.

10,000 devices every 30 s is 333 heartbeats a second, so it reads and writes with a few Core
statements: one select of the device, one of the open alerts of the device and its box, one
update of the device. Device keys are looked up through a bounded TTL cache.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from cachetools import TTLCache

from echallan.clips.models import Clip
from echallan.core.deps import Settings
from echallan.core.extensions import db
from echallan.devices import alerts
from echallan.devices.models import Alert as AlertRow
from echallan.devices.models import Device, Outage
from echallan.staff.models import ApiClient
from rules import health
from rules.errors import Forbidden, NotFound
from rules.health import DeviceKind, DeviceState, HealthConfig

log = logging.getLogger(__name__)
DEVICE = Device.__table__
ALERT = AlertRow.__table__
STATE_FIELDS = tuple(f.name for f in fields(DeviceState) if f.name not in ("device_id", "kind"))
# Plain table columns: Core statements skip the ORM's per-statement work on the hot path.
STATE_COLUMNS = tuple(DEVICE.c[name] for name in ("id", "kind", "down_since", "active")) + tuple(
    DEVICE.c[name] for name in STATE_FIELDS
)


# --- heartbeats -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DeviceKey:
    """What the heartbeat path needs of an API client, cached for a few seconds."""

    id: int
    name: str
    key_hash: str
    scopes: tuple[str, ...]
    device_id: str | None


def device_key_cache(ttl_s: float, size: int = 20_000) -> TTLCache:
    """Return a bounded cache of device keys, each kept `ttl_s` seconds."""
    return TTLCache(maxsize=size, ttl=ttl_s)


def device_key(key_id: str, cache: TTLCache) -> DeviceKey | None:
    """Return the active client with this key id, from a bounded cache kept a few seconds.

    10,000 devices beat 333 times a second; looking the key up each time costs a query per
    beat. A revoked key therefore keeps working for at most the cache's lifetime. Unknown key
    ids are not cached: made-up ids must not push the real keys out of the bounded cache.
    """
    cached = cache.get(key_id)
    if cached is not None:
        return cached
    client = db.session.scalar(sa.select(ApiClient).where(ApiClient.key_id == key_id))
    if client is None or not client.active:
        return None
    found = DeviceKey(
        client.id, client.name, client.key_hash, tuple(client.scopes), client.device_id
    )
    cache[key_id] = found
    return found


@dataclass(frozen=True)
class HeartbeatResult:
    """What a stored heartbeat changed."""

    device_id: str
    received_at: datetime
    clock_offset_s: float
    clock_trusted: bool
    opened: list[str]
    resolved: list[str]


def record_heartbeat(
    settings: Settings,
    device_id: str,
    raw: Mapping[str, Any],
    client: ApiClient | DeviceKey | None,
    now: datetime,
) -> HeartbeatResult:
    """Validate and store a heartbeat, then reconcile the alerts of the device and its box."""
    row, open_alerts, versions = _device_with_alerts(device_id)
    if row is None or not row.active:
        raise NotFound(f"no active device {device_id!r}")
    authorize(client, row)
    config = settings.health
    beat = health.validate_heartbeat(device_id, raw, now, config)
    state = state_of(row)
    findings = health.evaluate_heartbeat(state, beat, config)
    after = health.apply_heartbeat(state, beat)
    changes = health.reconcile(open_alerts, findings, now, config)
    done = alerts.persist(changes, versions, now, alerts.targets_of(settings))
    _store_heartbeat(after, beat)
    if row.down_since is not None:
        end_outage(device_id, now)
    return HeartbeatResult(
        device_id,
        now,
        after.clock_offset_s or 0.0,
        health.clock_trusted(after, config),
        [a.rule.value for a in done.opened],
        [a.rule.value for a in done.resolved],
    )


def authorize(client: ApiClient | DeviceKey | None, row: Any) -> None:
    """Refuse a device key bound to another device than this one or its box (403)."""
    bound = client.device_id if client is not None else None
    if bound and bound not in (row.id, row.box_id):
        raise Forbidden(f"this key belongs to device {bound!r}, not {row.id!r}")


def _device_row(device_id: str) -> Any:
    """Return the device's state columns as a Core row, or None."""
    query = sa.select(*STATE_COLUMNS).where(DEVICE.c.id == device_id)
    return db.session.execute(query).first()


def _device_with_alerts_query() -> sa.Select:
    """Build the hot path's one select: a device and the ids of the open alerts of it and its box.

    Only the ids: most beats find none, and every selected column costs CPU in the driver.
    """
    mine = ALERT.c.device_id.in_([DEVICE.c.id, DEVICE.c.box_id])
    joined = DEVICE.outerjoin(ALERT, sa.and_(mine, ALERT.c.status != alerts.RESOLVED))
    query = sa.select(*STATE_COLUMNS, ALERT.c.id.label("alert_id")).select_from(joined)
    return query.where(DEVICE.c.id == sa.bindparam("device_id"))


# Built once: constructing these statements costs more CPU than running them.
DEVICE_WITH_ALERTS = _device_with_alerts_query()
READINGS = ("mains_on", "battery_pct", "door_open", "lat", "lon", "temperature_c", "uptime_s")
KEPT_STATE = ("last_heartbeat_at", "frames_seen_at", "frames_reported_at", "clock_offset_s")
STORE_HEARTBEAT = (
    sa.update(DEVICE)
    .where(DEVICE.c.id == sa.bindparam("b_id"))
    .values(
        {DEVICE.c[name]: sa.bindparam(f"b_{name}") for name in READINGS + KEPT_STATE}
        | {DEVICE.c.down_since: None}
        | {DEVICE.c.heartbeats_received: DEVICE.c.heartbeats_received + 1}
    )
)


def _device_with_alerts(device_id: str) -> tuple[Any, list[health.Alert], dict[int, int]]:
    """Return the device's state row with the open alerts of the device and its box."""
    # The session's connection, used directly: same transaction, without the ORM's dispatch.
    rows = db.session.connection().execute(DEVICE_WITH_ALERTS, {"device_id": device_id}).all()
    if not rows:
        return None, [], {}
    ids = [row.alert_id for row in rows if row.alert_id is not None]
    if not ids:
        return rows[0], [], {}
    found, versions = alerts.alerts_by_id(ids)
    return rows[0], found, versions


def state_of(row: Any) -> DeviceState:
    """Build the rules' device state from a row."""
    values = {name: getattr(row, name) for name in STATE_FIELDS}
    return DeviceState(device_id=row.id, kind=DeviceKind(row.kind), **values)


def _store_heartbeat(state: DeviceState, beat: health.Heartbeat) -> None:
    """Write the new state and the reported readings to the device row."""
    values = {f"b_{name}": getattr(beat, name) for name in READINGS}
    values.update({f"b_{name}": getattr(state, name) for name in KEPT_STATE})
    db.session.connection().execute(STORE_HEARTBEAT, {"b_id": state.device_id, **values})


def end_outage(device_id: str, at: datetime) -> None:
    """Close the device's open outage at its first sign of life."""
    outage = Outage.__table__
    db.session.execute(
        sa.update(outage)
        .where(outage.c.device_id == device_id, outage.c.ended_at.is_(None))
        .values(ended_at=at)
    )


# --- clips ------------------------------------------------------------------------------------


def record_clip_liveness(clip: Clip, config: HealthConfig) -> None:
    """A clip proves its camera alive; flag it when the camera's clock cannot be trusted."""
    row = _device_row(clip.camera_id)
    if row is None or row.kind != DeviceKind.CAMERA:
        return  # a camera without a device row is not health-tracked
    at = clip.received_at
    after = health.apply_clip(state_of(row), at)
    db.session.execute(
        sa.update(DEVICE)
        .where(DEVICE.c.id == row.id)
        .values(
            last_clip_at=after.last_clip_at,
            frames_seen_at=after.frames_seen_at,
            frames_reported_at=after.frames_reported_at,
            down_since=None,
        )
    )
    if row.down_since is not None:
        end_outage(row.id, at)
    if not health.clock_trusted(after, config):
        # Evidence timestamps from a drifting (or never synchronised) clock go to a human.
        clip.meta = {**clip.meta, "clock_drift": True, "clock_offset_s": after.clock_offset_s}
