"""The camera network's health (issue 6): devices, heartbeats, clip liveness, sweeps, uptime.

The rules live in `rules.health` (pure); this module loads device states and open alerts,
calls the rules and stores what they return. The heartbeat path is hot (10,000 devices every
30 s is 333 a second), so it reads and writes with a few Core statements: one select of the
device, one of the open alerts of the device and its box, one update of the device.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from cachetools import TTLCache
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from echallan.audit import operations as audit
from echallan.clips.models import Camera, Clip
from echallan.core.deps import Settings
from echallan.core.extensions import db
from echallan.core.types import UtcDateTime
from echallan.devices import alerts
from echallan.devices.models import Alert as AlertRow
from echallan.devices.models import Device, Outage, Site
from echallan.staff import operations as admin
from echallan.staff.models import ApiClient
from rules import health
from rules.errors import Conflict, Forbidden, InvalidInput, NotFound
from rules.geo import valid_position
from rules.health import DeviceKind, DeviceState, HealthConfig, SiteMode

log = logging.getLogger(__name__)
SYSTEM = "system:health"
# An arbitrary constant naming the device sweep's PostgreSQL advisory lock.
SWEEP_LOCK_KEY = 0x6465_7673
MODE_AUDIT_BATCH = 20  # more site mode changes in one sweep than this: one audit entry
DEVICE = Device.__table__
ALERT = AlertRow.__table__
STATE_FIELDS = tuple(f.name for f in fields(DeviceState) if f.name not in ("device_id", "kind"))
# Plain table columns: Core statements skip the ORM's per-statement work on the hot path.
STATE_COLUMNS = tuple(DEVICE.c[name] for name in ("id", "kind", "down_since", "active")) + tuple(
    DEVICE.c[name] for name in STATE_FIELDS
)


def health_config_from(config: HealthConfig | Mapping[str, Any] | None) -> HealthConfig:
    """Return the alert thresholds: the rules' defaults, or the configured HEALTH_CONFIG."""
    if config is None:
        return health.DEFAULT_CONFIG
    return config if isinstance(config, HealthConfig) else HealthConfig(**config)


# --- registration -----------------------------------------------------------------------------


def register_site(
    site_id: str,
    actor: str,
    name: str = "",
    lat: float | None = None,
    lon: float | None = None,
    address: str = "",
) -> Site:
    """Register a junction."""
    _check_position(lat, lon, "lat")
    if db.session.get(Site, site_id) is not None:
        raise Conflict(f"site {site_id!r} exists already")
    site = Site(id=site_id, name=name, lat=lat, lon=lon, address=address, mode=SiteMode.MANUAL)
    db.session.add(site)
    db.session.flush()
    audit.record(actor, "site.registered", site, name=name, lat=lat, lon=lon)
    return site


def register_box(
    box_id: str,
    site_id: str,
    actor: str,
    now: datetime,
    *,
    lat: float | None = None,
    lon: float | None = None,
    battery_capacity_wh: float | None = None,
    load_w: float | None = None,
    heartbeat_interval_s: float = 30.0,
    name: str = "",
) -> Device:
    """Register a distribution box at a site, with its installed position and battery."""
    _get_site(site_id)
    _check_position(lat, lon, "registered_lat")
    for label, value in (("battery_capacity_wh", battery_capacity_wh), ("load_w", load_w)):
        if value is not None and not value > 0:
            raise InvalidInput(f"{label} must be positive", field=label)
    box = _new_device(box_id, DeviceKind.BOX, site_id, None, heartbeat_interval_s, now, name)
    box.registered_lat, box.registered_lon = lat, lon
    box.battery_capacity_wh, box.load_w = battery_capacity_wh, load_w
    return _added(box, actor)


def register_camera_device(
    camera_id: str,
    box_id: str,
    actor: str,
    now: datetime,
    *,
    heartbeat_interval_s: float = 30.0,
    lat: float | None = None,
    lon: float | None = None,
) -> Device:
    """Give a registered camera its device row (same id), attached to a box at the box's site."""
    camera = db.session.get(Camera, camera_id)
    if camera is None:
        raise NotFound(f"no camera {camera_id!r}: register it with its calibration first")
    box = get_device(box_id)
    if box.kind != DeviceKind.BOX:
        raise InvalidInput(f"{box_id!r} is not a distribution box", field="box_id")
    _check_position(lat, lon, "registered_lat")
    device = _new_device(
        camera_id, DeviceKind.CAMERA, box.site_id, box.id, heartbeat_interval_s, now, camera.name
    )
    device.registered_lat, device.registered_lon = lat, lon
    camera.box_id, camera.site_id = box.id, box.site_id
    return _added(device, actor)


def register_device(data: Mapping[str, Any], actor: str, now: datetime) -> Device:
    """Register a box or a camera's device row from the admin API; optionally issue its key.

    The key, shown once, rides on the returned row as the unmapped attribute `api_key`.
    """
    common = {"heartbeat_interval_s": data.get("heartbeat_interval_s", 30.0)}
    position = {"lat": data.get("lat"), "lon": data.get("lon")}
    if data["kind"] == DeviceKind.BOX:
        if not data.get("site_id"):
            raise InvalidInput("a box needs its site_id", field="site_id")
        device = register_box(
            data["id"],
            data["site_id"],
            actor,
            now,
            **common,
            **position,
            battery_capacity_wh=data.get("battery_capacity_wh"),
            load_w=data.get("load_w"),
            name=data.get("name", ""),
        )
    else:
        if not data.get("box_id"):
            raise InvalidInput("a camera needs its box_id", field="box_id")
        device = register_camera_device(
            data["id"], data["box_id"], actor, now, **common, **position
        )
    device.api_key = _device_key(device, actor) if data.get("issue_key") else None  # type: ignore[attr-defined]
    return device


def _device_key(device: Device, actor: str) -> str:
    """Create a key bound to the device (cameras may also send clips); return it."""

    scopes = ["heartbeats:write"] + (["clips:write"] if device.kind == DeviceKind.CAMERA else [])
    _, key = admin.create_api_client(f"device {device.id}", "device", scopes, actor, device.id)
    return key


def _new_device(
    device_id: str,
    kind: DeviceKind,
    site_id: str | None,
    box_id: str | None,
    interval_s: float,
    now: datetime,
    name: str,
) -> Device:
    """Build a device row commissioned now (its silence counts from here)."""
    if not device_id or len(device_id) > 32:
        raise InvalidInput("device ids are 1-32 characters", field="id")
    if not 1 <= interval_s <= 3600:
        raise InvalidInput("heartbeat_interval_s must be 1-3600", field="heartbeat_interval_s")
    if db.session.get(Device, device_id) is not None:
        raise Conflict(f"device {device_id!r} exists already")
    return Device(
        id=device_id,
        kind=kind.value,
        site_id=site_id,
        box_id=box_id,
        name=name,
        heartbeat_interval_s=interval_s,
        commissioned_at=now,
        heartbeats_received=0,
    )


def _added(device: Device, actor: str) -> Device:
    """Store a new device and audit it."""
    db.session.add(device)
    db.session.flush()
    audit.record(
        actor,
        "device.registered",
        device,
        kind=device.kind,
        site_id=device.site_id,
        box_id=device.box_id,
        lat=device.registered_lat,
        lon=device.registered_lon,
    )
    return device


def _check_position(lat: float | None, lon: float | None, field: str) -> None:
    """Refuse half a position or one that cannot exist."""
    if lat is None and lon is None:
        return
    if lat is None or lon is None or not valid_position(lat, lon):
        raise InvalidInput("lat and lon must be given together and exist on Earth", field=field)


def _get_site(site_id: str) -> Site:
    """Return a site or raise NotFound."""
    site = db.session.get(Site, site_id)
    if site is None:
        raise NotFound(f"no site {site_id!r}")
    return site


def get_device(device_id: str) -> Device:
    """Return a device or raise NotFound."""
    device = db.session.get(Device, device_id)
    if device is None:
        raise NotFound(f"no device {device_id!r}")
    return device


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
    state = _state(row)
    findings = health.evaluate_heartbeat(state, beat, config)
    after = health.apply_heartbeat(state, beat)
    changes = health.reconcile(open_alerts, findings, now, config)
    done = alerts.persist(changes, versions, now, alerts.targets_of(settings))
    _store_heartbeat(after, beat)
    if row.down_since is not None:
        _end_outage(device_id, now)
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


def _state(row: Any) -> DeviceState:
    """Build the rules' device state from a row."""
    values = {name: getattr(row, name) for name in STATE_FIELDS}
    return DeviceState(device_id=row.id, kind=DeviceKind(row.kind), **values)


def _store_heartbeat(state: DeviceState, beat: health.Heartbeat) -> None:
    """Write the new state and the reported readings to the device row."""
    values = {f"b_{name}": getattr(beat, name) for name in READINGS}
    values.update({f"b_{name}": getattr(state, name) for name in KEPT_STATE})
    db.session.connection().execute(STORE_HEARTBEAT, {"b_id": state.device_id, **values})


def _end_outage(device_id: str, at: datetime) -> None:
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
    after = health.apply_clip(_state(row), at)
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
        _end_outage(row.id, at)
    if not health.clock_trusted(after, config):
        # Evidence timestamps from a drifting (or never synchronised) clock go to a human.
        clip.meta = {**clip.meta, "clock_drift": True, "clock_offset_s": after.clock_offset_s}


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
        _end_outage(device_id, at)
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


# --- acknowledging ----------------------------------------------------------------------------


def acknowledge_alert(alert_id: int, by: str, now: datetime) -> AlertRow:
    """Record that a person has taken charge of an alert (stops its repeats), audited."""
    row = db.session.get(AlertRow, alert_id)
    if row is None:
        raise NotFound(f"no alert {alert_id}")
    before = row.status
    acked = health.acknowledge(alerts.to_alert(row), by, now)
    row.status = acked.status.value
    row.acknowledged_by, row.acknowledged_at = acked.acknowledged_by, acked.acknowledged_at
    db.session.flush()
    if before != row.status:
        audit.record(by, "alert.acknowledged", row, device_id=row.device_id, rule=row.rule)
    return row


# --- reading ----------------------------------------------------------------------------------


def list_devices(
    kind: str | None = None,
    site_id: str | None = None,
    box_id: str | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[Device]:
    """Return devices, filtered, ordered by id (a page of them when `limit` is given)."""
    query = sa.select(Device).order_by(Device.id).offset(offset).limit(limit)
    for column, value in ((Device.kind, kind), (Device.site_id, site_id), (Device.box_id, box_id)):
        if value is not None:
            query = query.where(column == value)
    return list(db.session.scalars(query))


def device_status(device: Device, now: datetime, config: HealthConfig) -> dict[str, Any]:
    """Describe a device's live condition: online, clock trusted, battery runtime left."""
    state = _state(device)
    return {
        "online": not health.is_offline(state, now, config),
        "last_seen_at": health.last_seen(state),
        "clock_trusted": health.clock_trusted(state, config),
        "can_enforce": device.kind == DeviceKind.CAMERA and health.camera_is_up(state, now, config),
        "runtime_minutes": _runtime(device),
    }


def _runtime(device: Device) -> float | None:
    """Estimate a box's battery runtime from its last reading, when it is on battery."""
    if device.mains_on is not False or device.battery_pct is None:
        return None
    if not (device.battery_capacity_wh or 0) > 0 or not (device.load_w or 0) > 0:
        return None
    return round(
        health.estimated_runtime_minutes(
            device.battery_pct,
            device.battery_capacity_wh,
            device.load_w,  # type: ignore[arg-type]
        ),
        1,
    )


def site_detail(site_id: str) -> dict[str, Any]:
    """Return a site's fields and its devices."""
    site = _get_site(site_id)
    columns = {c.key: getattr(site, c.key) for c in Site.__table__.columns}
    return {**columns, "devices": list_devices(site_id=site_id)}


def list_sites() -> list[Site]:
    """Return every site, ordered by id."""
    return list(db.session.scalars(sa.select(Site).order_by(Site.id)))


def get_site(site_id: str) -> Site:
    """Return a site or raise NotFound."""
    return _get_site(site_id)


def list_alerts(
    include_resolved: bool = False,
    device_id: str | None = None,
    rule: str | None = None,
    limit: int = 200,
) -> list[AlertRow]:
    """Return alerts, newest first: the open ones, or all."""
    query = sa.select(AlertRow).order_by(AlertRow.opened_at.desc(), AlertRow.id.desc())
    if not include_resolved:
        query = query.where(AlertRow.status != alerts.RESOLVED)
    for column, value in ((AlertRow.device_id, device_id), (AlertRow.rule, rule)):
        if value is not None:
            query = query.where(column == value)
    return list(db.session.scalars(query.limit(limit)))


# --- the SLA report ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Uptime:
    """A device's share of a period counted as up."""

    device_id: str
    site_id: str | None
    box_id: str | None
    period_s: float
    down_s: float
    outages: int
    ratio: float | None  # None when the device was not commissioned during the period


def uptime_report(
    start: datetime, end: datetime, now: datetime, kind: str = DeviceKind.CAMERA.value
) -> list[Uptime]:
    """Return each device's uptime over [start, end), from its recorded outages."""
    if end <= start:
        raise InvalidInput("the period must end after it starts", field="end")
    devices = list_devices(kind=kind)
    spans = _outages_by_device(start, end)
    return [_uptime(d, spans.get(d.id, []), start, min(end, now)) for d in devices]


def _outages_by_device(
    start: datetime, end: datetime
) -> dict[str, list[tuple[datetime, datetime | None]]]:
    """Return the outages overlapping [start, end), grouped by device."""
    query = sa.select(Outage.device_id, Outage.started_at, Outage.ended_at).where(
        Outage.started_at < end, sa.or_(Outage.ended_at.is_(None), Outage.ended_at > start)
    )
    spans: dict[str, list[tuple[datetime, datetime | None]]] = {}
    for device_id, began, ended in db.session.execute(query):
        spans.setdefault(device_id, []).append((began, ended))
    return spans


def _uptime(
    device: Device,
    spans: Iterable[tuple[datetime, datetime | None]],
    start: datetime,
    end: datetime,
) -> Uptime:
    """Compute one device's uptime over the part of the period it was in service."""
    lo = max(start, device.commissioned_at or start)
    period = max((end - lo).total_seconds(), 0.0)
    down, count = 0.0, 0
    for began, ended in spans:
        overlap = (min(ended or end, end) - max(began, lo)).total_seconds()
        if overlap > 0:
            down, count = down + overlap, count + 1
    ratio = None if period <= 0 else max(0.0, 1.0 - down / period)
    return Uptime(device.id, device.site_id, device.box_id, period, down, count, ratio)


# --- metrics ----------------------------------------------------------------------------------


def metric_families() -> Iterator[Any]:
    """Yield the device-health gauges for /metrics (read from the database at scrape time)."""

    offline = GaugeMetricFamily(
        "echallan_devices_offline", "Devices declared offline by the sweep", labels=["kind"]
    )
    counts = dict(_count_by(Device.kind, Device.down_since.is_not(None), Device.active))
    for kind in DeviceKind:
        offline.add_metric([kind.value], counts.get(kind.value, 0))
    yield offline
    yield _labelled(
        GaugeMetricFamily("echallan_alerts_open", "Open device alerts by rule", labels=["rule"]),
        _count_by(AlertRow.rule, AlertRow.status != alerts.RESOLVED),
    )
    yield _labelled(
        GaugeMetricFamily("echallan_sites", "Sites by enforcement mode", labels=["mode"]),
        _count_by(Site.mode),
    )
    total = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(Device.heartbeats_received), 0))
    )
    beats = CounterMetricFamily("echallan_heartbeats_received", "Heartbeats stored, all devices")
    beats.add_metric([], int(total or 0))
    yield beats


def _count_by(column: Any, *conditions: Any) -> list[tuple[str, int]]:
    """Count rows grouped by one column, under conditions."""
    query = sa.select(column, sa.func.count()).where(*conditions).group_by(column)
    return [(str(value), count) for value, count in db.session.execute(query)]


def _labelled(family: Any, counts: Iterable[tuple[str, int]]) -> Any:
    """Add one sample per label value to a metric family."""
    for value, count in sorted(counts):
        family.add_metric([value], count)
    return family
