"""The control-room board's read model: every site and device placed on a schematic map.

The map is drawn server-side as SVG from the registered coordinates (no map tiles: the control
room may have no internet). Positions are projected equirectangularly, which is exact enough
over a city, and fitted into a fixed view box. A device without coordinates of its own sits on
a small ring around its site, so that a box reporting a position away from home (on a thief's
truck) stands out by being drawn where it says it is.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from echallan.devices import reports
from echallan.devices.models import Alert as AlertRow
from echallan.devices.models import Device, Site
from rules.health import HealthConfig

WIDTH, HEIGHT, PAD = 800.0, 480.0, 40.0
RING_PX = 30.0  # how far from its site a device without coordinates is drawn

# A status, its label and its marker shape: never colour alone (WCAG 1.4.1).
OK, ALERT, OFFLINE = "ok", "alert", "offline"
SHAPES = {OK: "circle", ALERT: "triangle", OFFLINE: "square"}


@dataclass(frozen=True)
class Marker:
    """A device drawn on the map: where, in what state."""

    device: Device
    status: str
    x: float
    y: float
    online: bool
    last_seen_at: datetime | None

    @property
    def shape(self) -> str:
        """The marker's shape for its status."""
        return SHAPES[self.status]


@dataclass(frozen=True)
class SitePoint:
    """A site drawn on the map, with its devices."""

    site: Site
    x: float
    y: float
    markers: tuple[Marker, ...]


@dataclass(frozen=True)
class Board:
    """What the control room sees at a glance."""

    sites: tuple[SitePoint, ...]
    unplaced: tuple[Marker, ...]  # devices with no position anywhere (listed, not drawn)
    alerts: tuple[AlertRow, ...]
    manual_sites: tuple[Site, ...]
    counts: dict[str, int]


def board(now: datetime, config: HealthConfig) -> Board:
    """Read sites, devices and open alerts and place them on the map."""
    sites = reports.list_sites()
    devices = reports.list_devices()
    open_alerts = reports.list_alerts()
    alerted = {a.device_id for a in open_alerts}
    fit = _fit(_positions(sites, devices))
    by_site: dict[str | None, list[Device]] = {}
    for device in devices:
        by_site.setdefault(device.site_id, []).append(device)
    points = tuple(
        _site_point(site, by_site.get(site.id, []), fit, alerted, now, config)
        for site in sites
        if site.lat is not None and site.lon is not None
    )
    placed = {m.device.id for p in points for m in p.markers}
    unplaced = tuple(
        _marker(d, 0.0, 0.0, alerted, now, config) for d in devices if d.id not in placed
    )
    markers = [m for p in points for m in p.markers] + list(unplaced)
    counts = {s: sum(1 for m in markers if m.status == s) for s in SHAPES}
    manual = tuple(s for s in sites if s.mode == "manual")
    return Board(points, unplaced, tuple(open_alerts), manual, counts)


def _positions(sites: Iterable[Site], devices: Iterable[Device]) -> list[tuple[float, float]]:
    """Every known (lat, lon) on the board."""
    found = [(s.lat, s.lon) for s in sites if s.lat is not None and s.lon is not None]
    for device in devices:
        position = _own_position(device)
        if position is not None:
            found.append(position)
    return found  # type: ignore[return-value]


def _own_position(device: Device) -> tuple[float, float] | None:
    """Where the device says it is (its last GPS reading), else where it was installed."""
    if device.lat is not None and device.lon is not None:
        return device.lat, device.lon
    if device.registered_lat is not None and device.registered_lon is not None:
        return device.registered_lat, device.registered_lon
    return None


@dataclass(frozen=True)
class _Fit:
    """The projection of (lat, lon) into the view box."""

    lat0: float
    lon0: float
    scale: float
    cos_lat: float
    off_x: float
    off_y: float

    def xy(self, lat: float, lon: float) -> tuple[float, float]:
        """Project a position to view-box pixels (north up)."""
        x = self.off_x + (lon - self.lon0) * self.cos_lat * self.scale
        y = self.off_y + (self.lat0 - lat) * self.scale
        return round(x, 1), round(y, 1)


def _fit(positions: Sequence[tuple[float, float]]) -> _Fit:
    """Fit every position into the view box, keeping the aspect ratio; one point sits centred."""
    if not positions:
        return _Fit(0.0, 0.0, 1.0, 1.0, WIDTH / 2, HEIGHT / 2)
    lats = [p[0] for p in positions]
    lons = [p[1] for p in positions]
    cos_lat = math.cos(math.radians((min(lats) + max(lats)) / 2))
    span_x = (max(lons) - min(lons)) * cos_lat
    span_y = max(lats) - min(lats)
    if span_x <= 0 and span_y <= 0:
        return _Fit(lats[0], lons[0], 1.0, cos_lat, WIDTH / 2, HEIGHT / 2)
    scale = min(
        (WIDTH - 2 * PAD) / span_x if span_x > 0 else math.inf,
        (HEIGHT - 2 * PAD) / span_y if span_y > 0 else math.inf,
    )
    off_x = (WIDTH - span_x * scale) / 2
    off_y = (HEIGHT - span_y * scale) / 2
    return _Fit(max(lats), min(lons), scale, cos_lat, off_x, off_y)


def _site_point(
    site: Site,
    devices: Sequence[Device],
    fit: _Fit,
    alerted: set[str],
    now: datetime,
    config: HealthConfig,
) -> SitePoint:
    """Place a site and its devices (on a ring around it when they have no position)."""
    x, y = fit.xy(site.lat, site.lon)  # type: ignore[arg-type]
    markers = []
    for index, device in enumerate(devices):
        own = _own_position(device)
        if own is not None and own != (site.lat, site.lon):
            dx, dy = fit.xy(*own)
        else:
            angle = 2 * math.pi * index / max(len(devices), 1)
            dx = round(x + RING_PX * math.cos(angle), 1)
            dy = round(y + RING_PX * math.sin(angle), 1)
        markers.append(_marker(device, dx, dy, alerted, now, config))
    return SitePoint(site, x, y, tuple(markers))


def _marker(
    device: Device, x: float, y: float, alerted: set[str], now: datetime, config: HealthConfig
) -> Marker:
    """A device's marker: offline beats an open alert beats fine."""
    live = reports.device_status(device, now, config)
    status = OFFLINE if not live["online"] else ALERT if device.id in alerted else OK
    return Marker(device, status, x, y, live["online"], live["last_seen_at"])
