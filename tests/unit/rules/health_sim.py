"""A simulated camera network driving rules.health over simulated time, as the service would."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from rules.health import (
    DEFAULT_CONFIG,
    Alert,
    DeviceKind,
    DeviceState,
    Finding,
    HealthConfig,
    SiteMode,
    apply_changes,
    apply_clip,
    apply_heartbeat,
    evaluate_heartbeat,
    evaluate_sweep,
    reconcile,
    site_mode,
    validate_heartbeat,
)

T0 = datetime(2026, 11, 23, 5, 0, tzinfo=UTC)
HOME = (24.860700, 67.001100)  # a junction in Saddar, Karachi
INTERVAL = 30.0
SWEEP_PERIOD = 30

# behaviour(device_id, t_seconds) -> heartbeat readings, or None when the device is silent.
Behaviour = Callable[[str, int], dict[str, object] | None]


def at(seconds: float) -> datetime:
    """Return the simulated time `seconds` after the start."""
    return T0 + timedelta(seconds=seconds)


def junction(site: str = "S1", box: str = "B1", cameras: int = 3) -> list[DeviceState]:
    """Return one box and its cameras at one site, commissioned at the start."""
    devices = [
        DeviceState(
            box,
            DeviceKind.BOX,
            INTERVAL,
            site_id=site,
            registered_lat=HOME[0],
            registered_lon=HOME[1],
            battery_capacity_wh=1200.0,
            load_w=80.0,
            commissioned_at=T0,
        )
    ]
    for i in range(1, cameras + 1):
        devices.append(
            DeviceState(f"{box}-C{i}", DeviceKind.CAMERA, INTERVAL, box, site, commissioned_at=T0)
        )
    return devices


def normal(device_id: str) -> dict[str, object]:
    """Return the readings of a healthy device at home."""
    if "-C" in device_id:
        return {"frames_since_last": 750}
    return {
        "mains_on": True,
        "battery_pct": 100,
        "door_open": False,
        "lat": HOME[0],
        "lon": HOME[1],
        "temperature_c": 34.5,
    }


@dataclass
class Network:
    """Device states and open alerts, changed only through rules.health."""

    devices: list[DeviceState]
    config: HealthConfig = DEFAULT_CONFIG
    states: dict[str, DeviceState] = field(init=False)
    alerts: list[Alert] = field(default_factory=list)
    opened: list[Alert] = field(default_factory=list)
    resolved: list[Alert] = field(default_factory=list)
    renotified: list[Alert] = field(default_factory=list)
    inhibited: list[Finding] = field(default_factory=list)

    def __post_init__(self) -> None:
        """Index the devices."""
        self.states = {d.device_id: d for d in self.devices}

    def beat(self, device_id: str, now: datetime, readings: dict[str, object]) -> None:
        """Deliver one heartbeat the way the API would."""
        raw = {"device_clock": now.isoformat(), **readings}
        heartbeat = validate_heartbeat(device_id, raw, now, self.config)
        findings = evaluate_heartbeat(self.states[device_id], heartbeat, self.config)
        self.states[device_id] = apply_heartbeat(self.states[device_id], heartbeat)
        self.settle(findings, now)

    def clip(self, device_id: str, now: datetime) -> None:
        """Record a clip arriving from a camera."""
        self.states[device_id] = apply_clip(self.states[device_id], now)

    def sweep(self, now: datetime) -> None:
        """Run the periodic sweep."""
        self.settle(evaluate_sweep(self.states.values(), now, self.config), now)

    def settle(self, findings: list[Finding], now: datetime) -> None:
        """Reconcile findings with the open alerts and keep a log of what happened."""
        changes = reconcile(self.alerts, findings, now, self.config)
        self.opened += changes.to_open
        self.resolved += changes.to_resolve
        self.renotified += changes.to_renotify
        self.inhibited += changes.inhibited
        self.alerts = apply_changes(self.alerts, changes)

    def mode(self, site: str, now: datetime) -> SiteMode:
        """Return a site's enforcement mode."""
        cameras = [s for s in self.states.values() if s.site_id == site]
        return site_mode(cameras, now, self.config)

    def run(self, start: int, end: int, behaviour: Behaviour, step: int = 5) -> None:
        """Advance time in steps: devices beat in their phase, the sweep runs every period."""
        ids = sorted(self.states)
        for t in range(start, end, step):
            for index, device_id in enumerate(ids):
                if t % int(INTERVAL) == (index * step) % int(INTERVAL):
                    readings = behaviour(device_id, t)
                    if readings is not None:
                        self.beat(device_id, at(t), readings)
            if t % SWEEP_PERIOD == SWEEP_PERIOD // 2:
                self.sweep(at(t))

    def open_rules(self) -> set[tuple[str, str]]:
        """Return the (device, rule) pairs of the open alerts."""
        return {(a.device_id, str(a.rule)) for a in self.alerts}
