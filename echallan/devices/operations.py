"""Registering the camera network (sites, boxes, cameras, devices) and acknowledging alerts.

The rules live in `rules.health` (pure); heartbeats, the sweep and the reports have their own
modules beside this one.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from echallan.audit import operations as audit
from echallan.clips.models import Camera
from echallan.core.extensions import db
from echallan.devices import alerts
from echallan.devices.models import Alert as AlertRow
from echallan.devices.models import Device, Site
from echallan.staff import operations as admin
from rules import health
from rules.errors import Conflict, InvalidInput, NotFound
from rules.geo import valid_position
from rules.health import DeviceKind, HealthConfig, SiteMode

log = logging.getLogger(__name__)


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
    get_site(site_id)
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


def get_site(site_id: str) -> Site:
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
