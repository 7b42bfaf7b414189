"""Reading the network: device and site status, alerts, the SLA uptime report and metrics."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from echallan.core.extensions import db
from echallan.devices import alerts
from echallan.devices import operations as devices
from echallan.devices.heartbeats import state_of
from echallan.devices.models import Alert as AlertRow
from echallan.devices.models import Device, Outage, Site
from rules import health
from rules.errors import InvalidInput
from rules.health import DeviceKind, HealthConfig

log = logging.getLogger(__name__)


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
    state = state_of(device)
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
    site = devices.get_site(site_id)
    columns = {c.key: getattr(site, c.key) for c in Site.__table__.columns}
    return {**columns, "devices": list_devices(site_id=site_id)}


def list_sites() -> list[Site]:
    """Return every site, ordered by id."""
    return list(db.session.scalars(sa.select(Site).order_by(Site.id)))


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
    yield from heartbeat_gauges()


def heartbeat_gauges() -> Iterator[Any]:
    """Yield each active device's last heartbeat time and its expected interval.

    Together they let Prometheus alert on a stale device by itself
    (time() - last > 3 x interval) even when the sweep that opens alerts has stopped.
    """
    labels = ["device", "kind", "site"]
    last = GaugeMetricFamily(
        "echallan_device_last_heartbeat_timestamp_seconds",
        "Unix time of the device's last stored heartbeat",
        labels=labels,
    )
    interval = GaugeMetricFamily(
        "echallan_device_heartbeat_interval_seconds",
        "Seconds between the device's expected heartbeats",
        labels=labels,
    )
    columns = (Device.id, Device.kind, Device.site_id, Device.last_heartbeat_at)
    query = sa.select(*columns, Device.heartbeat_interval_s).where(Device.active)
    for device_id, kind, site_id, beat_at, every_s in db.session.execute(query.order_by(Device.id)):
        names = [device_id, kind, site_id or ""]
        interval.add_metric(names, float(every_s))
        if beat_at is not None:
            last.add_metric(names, beat_at.timestamp())
    yield last
    yield interval


def _count_by(column: Any, *conditions: Any) -> list[tuple[str, int]]:
    """Count rows grouped by one column, under conditions."""
    query = sa.select(column, sa.func.count()).where(*conditions).group_by(column)
    return [(str(value), count) for value, count in db.session.execute(query)]


def _labelled(family: Any, counts: Iterable[tuple[str, int]]) -> Any:
    """Add one sample per label value to a metric family."""
    for value, count in sorted(counts):
        family.add_metric([value], count)
    return family
