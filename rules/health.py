"""Health of the camera network (issue 6): heartbeat checks, alert rules, the alert lifecycle.

Pure functions over values. The service layer loads device states and open alerts, calls
these functions and persists what they return; nothing here reads a clock or a database.
All datetimes are timezone-aware; all durations are seconds.

Flow:
- a heartbeat arrives: `validate_heartbeat` (422 on bad input), `evaluate_heartbeat` for the
  immediate rules, `apply_heartbeat` for the state to store, then `reconcile`;
- a clip arrives: `apply_clip` (a camera that sends clips is alive and has frames);
- every sweep period: `evaluate_sweep` over all devices (offline, no frames), then `reconcile`;
- the control room acknowledges: `acknowledge`.

A `Finding` says a rule was evaluated for a device and whether its condition holds (`firing`)
or is clear. A rule that could not be evaluated (no GPS fix, a camera without a battery)
yields no finding, so it neither opens nor resolves anything.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from rules.errors import IllegalTransition, InvalidInput
from rules.geo import haversine_m


class DeviceKind(StrEnum):
    """What sort of device sends heartbeats."""

    BOX = "box"
    CAMERA = "camera"


class AlertRule(StrEnum):
    """A condition the control room is told about."""

    OFFLINE = "offline"
    ON_BATTERY = "on_battery"
    BATTERY_LOW = "battery_low"
    DOOR_OPEN = "door_open"
    MOVED = "moved"
    NO_FRAMES = "no_frames"
    CLOCK_DRIFT = "clock_drift"


class Severity(StrEnum):
    """How urgently a firing alert needs a person."""

    CRITICAL = "critical"
    WARNING = "warning"


class AlertStatus(StrEnum):
    """Where an alert is in its life."""

    FIRING = "firing"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


class SiteMode(StrEnum):
    """How a junction is enforced: by its cameras, or by officers on the ground."""

    AUTO = "auto"
    MANUAL = "manual"


class InhibitScope(StrEnum):
    """Which devices an inhibiting alert silences."""

    SELF = "self"
    CHILDREN = "children"


SEVERITY: dict[AlertRule, Severity] = {
    AlertRule.OFFLINE: Severity.CRITICAL,
    AlertRule.ON_BATTERY: Severity.WARNING,
    AlertRule.BATTERY_LOW: Severity.CRITICAL,
    AlertRule.DOOR_OPEN: Severity.CRITICAL,
    AlertRule.MOVED: Severity.CRITICAL,
    AlertRule.NO_FRAMES: Severity.WARNING,
    AlertRule.CLOCK_DRIFT: Severity.WARNING,
}


@dataclass(frozen=True, slots=True)
class Inhibition:
    """While a `source` alert is open on a device, `targets` alerts in `scope` are not raised."""

    source: AlertRule
    targets: frozenset[AlertRule]
    scope: InhibitScope


DEFAULT_INHIBITIONS: tuple[Inhibition, ...] = (
    # A dead or stolen box explains why its cameras are silent: one alert, not one per camera.
    Inhibition(
        AlertRule.OFFLINE,
        frozenset({AlertRule.OFFLINE, AlertRule.NO_FRAMES}),
        InhibitScope.CHILDREN,
    ),
    Inhibition(
        AlertRule.MOVED,
        frozenset({AlertRule.OFFLINE, AlertRule.NO_FRAMES}),
        InhibitScope.CHILDREN,
    ),
    # A box already reported as moved goes silent when the thieves cut it off; the theft
    # alert already has the control room's attention.
    Inhibition(AlertRule.MOVED, frozenset({AlertRule.OFFLINE}), InhibitScope.SELF),
)


@dataclass(frozen=True, slots=True)
class HealthConfig:
    """Thresholds of the alert rules and the alert lifecycle."""

    missed_intervals: float = 3.0  # offline after this many heartbeat intervals of silence
    late_intervals: float = 1.5  # a box this late holds back its cameras' offline verdicts
    battery_low_pct: float = 20.0
    clock_drift_limit_s: float = 2.0  # evidence timestamps must be trustworthy
    move_limit_m: float = 50.0
    no_frames_intervals: float = 2.0  # a live camera with no frames for this many intervals
    max_timestamp_skew_s: float = 86_400.0  # device_clock further off than this: 422
    min_firing_s: float = 300.0  # an alert stays open at least this long
    resolve_hold_s: float = 120.0  # the condition must stay clear this long to resolve
    flap_threshold: int = 3  # re-firings during hold-down that mark an alert as flapping
    flap_window_s: float = 900.0  # hold-down of a flapping alert
    repeat_interval_s: float = 1_800.0  # re-notify an unacknowledged firing alert
    inhibitions: tuple[Inhibition, ...] = DEFAULT_INHIBITIONS


DEFAULT_CONFIG = HealthConfig()


@dataclass(frozen=True, slots=True)
class Heartbeat:
    """One validated heartbeat; optional readings are None when the device does not report them."""

    device_id: str
    received_at: datetime
    device_clock: datetime
    mains_on: bool | None = None
    battery_pct: float | None = None
    door_open: bool | None = None
    lat: float | None = None
    lon: float | None = None
    temperature_c: float | None = None
    uptime_s: int | None = None
    frames_since_last: int | None = None


@dataclass(frozen=True, slots=True)
class DeviceState:
    """What the store knows about a device between heartbeats."""

    device_id: str
    kind: DeviceKind
    heartbeat_interval_s: float = 30.0
    box_id: str | None = None  # the distribution box a camera hangs off
    site_id: str | None = None
    registered_lat: float | None = None
    registered_lon: float | None = None
    battery_capacity_wh: float | None = None
    load_w: float | None = None
    commissioned_at: datetime | None = None  # silence is counted from here before any beat
    last_heartbeat_at: datetime | None = None
    last_clip_at: datetime | None = None
    frames_seen_at: datetime | None = None  # last time frames were known to flow
    frames_reported_at: datetime | None = None  # last heartbeat that reported a frame count
    clock_offset_s: float | None = None  # device clock minus server clock, last heartbeat


@dataclass(frozen=True, slots=True)
class Finding:
    """The outcome of one rule for one device at one moment."""

    device_id: str
    rule: AlertRule
    firing: bool
    at: datetime
    box_id: str | None = None
    detail: str = ""

    @property
    def severity(self) -> Severity:
        """Return how urgent this rule is."""
        return SEVERITY[self.rule]


@dataclass(frozen=True, slots=True)
class Alert:
    """One alert for one device and rule; at most one is open per device and rule."""

    device_id: str
    rule: AlertRule
    status: AlertStatus
    opened_at: datetime
    last_notified_at: datetime
    severity: Severity
    box_id: str | None = None
    detail: str = ""
    clear_since: datetime | None = None  # condition seen clear, pending hold-down
    flaps: int = 0  # times the condition came back during a hold-down
    acknowledged_by: str | None = None
    acknowledged_at: datetime | None = None
    resolved_at: datetime | None = None
    id: int | None = None  # the store's key; opaque here

    @property
    def key(self) -> tuple[str, AlertRule]:
        """Return the deduplication key: device and rule."""
        return (self.device_id, self.rule)


@dataclass(frozen=True, slots=True)
class AlertChanges:
    """What `reconcile` decided; every alert listed carries its new state, to be persisted.

    Notify the control room of `to_open` and `to_renotify` (and of `to_resolve`, if wanted);
    store `to_update` silently. An alert appears in at most one list.
    """

    to_open: list[Alert]
    to_resolve: list[Alert]
    to_renotify: list[Alert]
    to_update: list[Alert]
    inhibited: list[Finding]  # firing findings that opened nothing because of an inhibition


# --- heartbeat validation ---------------------------------------------------------------------

# Counters a device reports (uptime, frames) are stored as 64-bit integers; 2**31 - 1 seconds is
# 68 years of uptime, so anything larger is a broken device, and a number past 2**63 made the
# database raise (a 500, found by fuzzing the API).
MAX_COUNT = 2**31 - 1
HEARTBEAT_FIELDS = frozenset(
    {
        "device_clock",
        "mains_on",
        "battery_pct",
        "door_open",
        "lat",
        "lon",
        "temperature_c",
        "uptime_s",
        "frames_since_last",
    }
)


def validate_heartbeat(
    device_id: str,
    raw: Mapping[str, object],
    now: datetime,
    config: HealthConfig = DEFAULT_CONFIG,
) -> Heartbeat:
    """Check a heartbeat body as received; raise InvalidInput naming the offending field.

    `device_clock` (ISO 8601 with offset) is required; every other field may be absent or null.
    Unknown fields are refused so that a misspelt reading is not silently lost.
    """
    if not isinstance(raw, Mapping):
        raise InvalidInput("a heartbeat must be a JSON object", field="body")
    if not isinstance(device_id, str) or not device_id:
        raise InvalidInput("device_id must be a non-empty string", field="device_id")
    _reject_unknown_fields(raw)
    lat, lon = _position(raw)
    return Heartbeat(
        device_id=device_id,
        received_at=now,
        device_clock=_device_clock(raw, now, config),
        mains_on=_optional_bool(raw, "mains_on"),
        battery_pct=_optional_number(raw, "battery_pct", 0.0, 100.0),
        door_open=_optional_bool(raw, "door_open"),
        lat=lat,
        lon=lon,
        temperature_c=_optional_number(raw, "temperature_c", -60.0, 150.0),
        uptime_s=_optional_count(raw, "uptime_s"),
        frames_since_last=_optional_count(raw, "frames_since_last"),
    )


def _reject_unknown_fields(raw: Mapping[str, object]) -> None:
    """Refuse fields that are not part of the heartbeat contract."""
    unknown = sorted(str(k) for k in raw if k not in HEARTBEAT_FIELDS)
    if unknown:
        raise InvalidInput(f"unknown heartbeat field {unknown[0]!r}", field=unknown[0])


def _device_clock(raw: Mapping[str, object], now: datetime, config: HealthConfig) -> datetime:
    """Parse the device's clock and refuse one far from the server's."""
    value = raw.get("device_clock")
    if not isinstance(value, str):
        raise InvalidInput("device_clock is required as an ISO 8601 string", field="device_clock")
    try:
        clock = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput(
            f"device_clock {value!r} is not ISO 8601", field="device_clock"
        ) from None
    if clock.tzinfo is None:
        raise InvalidInput("device_clock needs a UTC offset", field="device_clock")
    skew = (clock - now).total_seconds()
    if abs(skew) > config.max_timestamp_skew_s:
        where = "future" if skew > 0 else "past"
        raise InvalidInput(
            f"device_clock is {abs(skew):.0f} s in the {where}", field="device_clock"
        )
    return clock


def _optional_bool(raw: Mapping[str, object], name: str) -> bool | None:
    """Return a JSON boolean field, None when absent or null."""
    value = raw.get(name)
    if value is None or isinstance(value, bool):
        return value
    raise InvalidInput(f"{name} must be true, false or null", field=name)


def _optional_number(raw: Mapping[str, object], name: str, low: float, high: float) -> float | None:
    """Return a finite number field within [low, high], None when absent or null."""
    value = raw.get(name)
    if value is None:
        return None
    # bool is an int in Python but never a reading.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidInput(f"{name} must be a number", field=name)
    if not math.isfinite(value) or not low <= value <= high:
        raise InvalidInput(f"{name} must be between {low:g} and {high:g}", field=name)
    return float(value)


def _optional_count(raw: Mapping[str, object], name: str) -> int | None:
    """Return a non-negative integer field up to MAX_COUNT, None when absent or null."""
    value = raw.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_COUNT:
        raise InvalidInput(f"{name} must be an integer from 0 to {MAX_COUNT}", field=name)
    return value


def _position(raw: Mapping[str, object]) -> tuple[float | None, float | None]:
    """Return the GPS position, (None, None) without a fix; refuse impossible coordinates."""
    lat = _optional_number(raw, "lat", -90.0, 90.0)
    lon = _optional_number(raw, "lon", -180.0, 180.0)
    if (lat is None) != (lon is None):
        missing = "lat" if lat is None else "lon"
        raise InvalidInput("lat and lon must be given together", field=missing)
    # GPS modules report exactly (0, 0) when they have no fix; reading it as a position would
    # call every box without a fix stolen (it is in the Gulf of Guinea, not Karachi).
    if lat == 0.0 and lon == 0.0:
        return None, None
    return lat, lon


# --- device state ----------------------------------------------------------------------------


def apply_heartbeat(state: DeviceState, heartbeat: Heartbeat) -> DeviceState:
    """Return the device state after a heartbeat, to be stored."""
    offset = (heartbeat.device_clock - heartbeat.received_at).total_seconds()
    state = replace(
        state,
        last_heartbeat_at=_latest(state.last_heartbeat_at, heartbeat.received_at),
        clock_offset_s=offset,
    )
    if heartbeat.frames_since_last is None:
        return state
    return _frames_report(state, heartbeat.received_at, heartbeat.frames_since_last > 0)


def _frames_report(state: DeviceState, at: datetime, flowing: bool) -> DeviceState:
    """Return the state after learning whether frames flowed up to `at`."""
    seen = _latest(state.frames_seen_at, at) if flowing else state.frames_seen_at
    return replace(
        state, frames_seen_at=seen, frames_reported_at=_latest(state.frames_reported_at, at)
    )


def apply_clip(state: DeviceState, clip_at: datetime) -> DeviceState:
    """Return a camera's state after a clip arrived: it is alive and its frames flow."""
    state = replace(state, last_clip_at=_latest(state.last_clip_at, clip_at))
    return _frames_report(state, clip_at, True)


def _latest(a: datetime | None, b: datetime) -> datetime:
    """Return the later of an optional time and a time."""
    return b if a is None or b > a else a


def last_seen(state: DeviceState) -> datetime | None:
    """Return the last time the device showed life: a heartbeat or, for a camera, a clip."""
    seen = [t for t in (state.last_heartbeat_at, state.last_clip_at) if t is not None]
    return max(seen) if seen else None


def silent_for(state: DeviceState, now: datetime) -> float | None:
    """Return seconds since the device was last seen (or commissioned); None if never known."""
    since = last_seen(state) or state.commissioned_at
    return None if since is None else (now - since).total_seconds()


def is_offline(state: DeviceState, now: datetime, config: HealthConfig = DEFAULT_CONFIG) -> bool:
    """Tell whether a device has missed too many heartbeats (never-known devices count as down)."""
    silent = silent_for(state, now)
    return silent is None or silent > config.missed_intervals * state.heartbeat_interval_s


def clock_trusted(state: DeviceState, config: HealthConfig = DEFAULT_CONFIG) -> bool:
    """Tell whether the device's timestamps can be used as evidence (unknown offset: no)."""
    offset = state.clock_offset_s
    return offset is not None and abs(offset) <= config.clock_drift_limit_s


def estimated_runtime_minutes(battery_pct: float, capacity_wh: float, load_w: float) -> float:
    """Return the minutes a battery at `battery_pct` lasts at a constant load."""
    if not 0 <= battery_pct <= 100:
        raise InvalidInput("battery_pct must be between 0 and 100", field="battery_pct")
    if not capacity_wh > 0:
        raise InvalidInput("battery capacity must be positive", field="battery_capacity_wh")
    if not load_w > 0:
        raise InvalidInput("load must be positive", field="load_w")
    return battery_pct / 100.0 * capacity_wh / load_w * 60.0


# --- rules on a heartbeat --------------------------------------------------------------------


def evaluate_heartbeat(
    state: DeviceState, heartbeat: Heartbeat, config: HealthConfig = DEFAULT_CONFIG
) -> list[Finding]:
    """Evaluate the immediate rules on a heartbeat, given the device's state before it."""
    if heartbeat.device_id != state.device_id:
        raise InvalidInput("heartbeat is for another device", field="device_id")
    after = apply_heartbeat(state, heartbeat)
    checks = (_offline_clear, _on_battery, _battery_low, _door_open, _moved, _clock_drift)
    findings = [f for check in checks if (f := check(after, heartbeat, config)) is not None]
    frames = _no_frames(after, heartbeat.received_at, config)
    if frames is not None and heartbeat.frames_since_last is not None:
        findings.append(frames)
    return findings


def _finding(
    state: DeviceState, rule: AlertRule, firing: bool, at: datetime, detail: str
) -> Finding:
    """Build a finding for a device."""
    return Finding(state.device_id, rule, firing, at, state.box_id, detail)


def _offline_clear(state: DeviceState, hb: Heartbeat, config: HealthConfig) -> Finding:
    """A device that speaks is not offline."""
    return _finding(state, AlertRule.OFFLINE, False, hb.received_at, "heartbeat received")


def _on_battery(state: DeviceState, hb: Heartbeat, config: HealthConfig) -> Finding | None:
    """Fire while mains power is lost, with the estimated runtime left."""
    if hb.mains_on is None:
        return None
    detail = "mains restored" if hb.mains_on else "mains lost" + _runtime_note(state, hb)
    return _finding(state, AlertRule.ON_BATTERY, not hb.mains_on, hb.received_at, detail)


def _runtime_note(state: DeviceState, hb: Heartbeat) -> str:
    """Describe the battery's remaining runtime when it can be estimated."""
    capacity, load = state.battery_capacity_wh or 0.0, state.load_w or 0.0
    # A box registered without a sane battery or load gets no estimate, not a 422 on its beat.
    if hb.battery_pct is None or capacity <= 0 or load <= 0:
        return ""
    minutes = estimated_runtime_minutes(hb.battery_pct, capacity, load)
    return f", battery {hb.battery_pct:.0f}%, about {minutes:.0f} min left"


def _battery_low(state: DeviceState, hb: Heartbeat, config: HealthConfig) -> Finding | None:
    """Fire while the battery is below the threshold."""
    if hb.battery_pct is None:
        return None
    firing = hb.battery_pct < config.battery_low_pct
    detail = f"battery {hb.battery_pct:.0f}% (limit {config.battery_low_pct:.0f}%)"
    return _finding(state, AlertRule.BATTERY_LOW, firing, hb.received_at, detail)


def _door_open(state: DeviceState, hb: Heartbeat, config: HealthConfig) -> Finding | None:
    """Fire while the enclosure door is open (tamper)."""
    if hb.door_open is None:
        return None
    detail = "door open" if hb.door_open else "door closed"
    return _finding(state, AlertRule.DOOR_OPEN, hb.door_open, hb.received_at, detail)


def _moved(state: DeviceState, hb: Heartbeat, config: HealthConfig) -> Finding | None:
    """Fire while the device reports a position too far from where it was installed (theft)."""
    if hb.lat is None or hb.lon is None:
        return None
    if state.registered_lat is None or state.registered_lon is None:
        return None
    metres = haversine_m(state.registered_lat, state.registered_lon, hb.lat, hb.lon)
    firing = metres > config.move_limit_m
    detail = f"{metres:.0f} m from its registered position, at {hb.lat:.6f},{hb.lon:.6f}"
    return _finding(state, AlertRule.MOVED, firing, hb.received_at, detail)


def _clock_drift(state: DeviceState, hb: Heartbeat, config: HealthConfig) -> Finding:
    """Fire while the device clock is off by more than the limit: its clips are not evidence."""
    offset = (hb.device_clock - hb.received_at).total_seconds()
    firing = abs(offset) > config.clock_drift_limit_s
    detail = f"clock off by {offset:+.1f} s (limit {config.clock_drift_limit_s:g} s)"
    return _finding(state, AlertRule.CLOCK_DRIFT, firing, hb.received_at, detail)


def _no_frames(state: DeviceState, now: datetime, config: HealthConfig) -> Finding | None:
    """Fire for a camera that reports no frames; None for boxes and when it never reported."""
    if state.kind is not DeviceKind.CAMERA or state.frames_reported_at is None:
        return None
    since = state.frames_seen_at or state.commissioned_at
    if since is None:
        return None
    # Judged at the last report, not at `now`: a silent camera is offline, not blind.
    stale = (state.frames_reported_at - since).total_seconds()
    firing = stale >= config.no_frames_intervals * state.heartbeat_interval_s
    detail = f"no frames for {stale:.0f} s" if firing else "frames flowing"
    return _finding(state, AlertRule.NO_FRAMES, firing, now, detail)


# --- rules over time -------------------------------------------------------------------------


def evaluate_sweep(
    states: Iterable[DeviceState], now: datetime, config: HealthConfig = DEFAULT_CONFIG
) -> list[Finding]:
    """Evaluate the time-based rules (offline, no frames) over every device at `now`."""
    states = list(states)
    boxes = {s.device_id: s for s in states if s.kind is DeviceKind.BOX}
    findings: list[Finding] = []
    for state in states:
        box = boxes.get(state.box_id) if state.box_id is not None else None
        findings.extend(_sweep_device(state, box, now, config))
    return findings


def _sweep_device(
    state: DeviceState, box: DeviceState | None, now: datetime, config: HealthConfig
) -> list[Finding]:
    """Evaluate offline and no-frames for one device."""
    silent = silent_for(state, now)
    if silent is None:
        return []
    interval = state.heartbeat_interval_s
    if silent > config.missed_intervals * interval:
        if box is not None and _box_late_not_offline(box, now, config):
            # The box's own verdict comes within a sweep or two and then inhibits ours.
            return []
        detail = f"silent for {silent:.0f} s (heartbeat every {interval:g} s)"
        return [_finding(state, AlertRule.OFFLINE, True, now, detail)]
    online = _finding(state, AlertRule.OFFLINE, False, now, "alive")
    frames = _no_frames(state, now, config)
    return [online] if frames is None else [online, frames]


def _box_late_not_offline(box: DeviceState, now: datetime, config: HealthConfig) -> bool:
    """Tell whether a box has missed a heartbeat but is not yet declared offline."""
    silent = silent_for(box, now)
    if silent is None:
        return False
    interval = box.heartbeat_interval_s
    return config.late_intervals * interval < silent <= config.missed_intervals * interval


def camera_is_up(state: DeviceState, now: datetime, config: HealthConfig = DEFAULT_CONFIG) -> bool:
    """Tell whether a camera can enforce: alive and its frames flowing."""
    if is_offline(state, now, config):
        return False
    frames = _no_frames(state, now, config)
    return frames is None or not frames.firing


def site_mode(
    cameras: Iterable[DeviceState], now: datetime, config: HealthConfig = DEFAULT_CONFIG
) -> SiteMode:
    """Return MANUAL when no camera of a site can enforce (all down, or none installed)."""
    up = any(camera_is_up(c, now, config) for c in cameras if c.kind is DeviceKind.CAMERA)
    return SiteMode.AUTO if up else SiteMode.MANUAL


def site_modes(
    states: Iterable[DeviceState], now: datetime, config: HealthConfig = DEFAULT_CONFIG
) -> dict[str, SiteMode]:
    """Return the mode of every site that has devices."""
    by_site: dict[str, list[DeviceState]] = {}
    for state in states:
        if state.site_id is not None:
            by_site.setdefault(state.site_id, []).append(state)
    return {site: site_mode(members, now, config) for site, members in by_site.items()}


def uptime_ratio(
    signs_of_life: Iterable[datetime],
    start: datetime,
    end: datetime,
    interval_s: float,
    config: HealthConfig = DEFAULT_CONFIG,
) -> float:
    """Return the share of [start, end) a device counted as up (the SLA figure), 0 to 1.

    Each sign of life (heartbeat or clip) covers the `missed_intervals` after it, the same
    rule that declares a device offline; pass the last sign before `start` too.
    """
    span = (end - start).total_seconds()
    if span <= 0:
        raise InvalidInput("the period must end after it starts", field="end")
    cover = timedelta(seconds=config.missed_intervals * interval_s)
    up, reach = 0.0, start
    for seen in sorted(signs_of_life):
        lo, hi = max(seen, reach), min(seen + cover, end)
        if hi > lo:
            up += (hi - lo).total_seconds()
            reach = hi
    return up / span


# --- alert lifecycle -------------------------------------------------------------------------


def reconcile(
    open_alerts: Iterable[Alert],
    findings: Iterable[Finding],
    now: datetime,
    config: HealthConfig = DEFAULT_CONFIG,
) -> AlertChanges:
    """Fold findings into the open alerts: open, hold, resolve, re-notify; one alert per key."""
    current = {a.key: a for a in open_alerts if a.status is not AlertStatus.RESOLVED}
    before = dict(current)
    ordered = sorted(findings, key=lambda f: f.at)
    active = _inhibitor_keys(current.values(), ordered, config)
    opened: list[tuple[str, AlertRule]] = []
    inhibited: list[Finding] = []
    for finding in ordered:
        key = (finding.device_id, finding.rule)
        alert = current.get(key)
        if alert is not None:
            current[key] = _observe(alert, finding)
        elif not finding.firing:
            continue
        elif _inhibited(finding.device_id, finding.rule, finding.box_id, active, config):
            inhibited.append(finding)
        else:
            current[key] = _open(finding, now)
            opened.append(key)
    return _changes(before, current, opened, inhibited, active, now, config)


def _inhibitor_keys(
    alerts: Iterable[Alert], findings: Sequence[Finding], config: HealthConfig
) -> set[tuple[str, AlertRule]]:
    """Return the (device, rule) pairs that inhibit others: open alerts and firing findings."""
    sources = {i.source for i in config.inhibitions}
    keys = {a.key for a in alerts if a.rule in sources}
    keys.update((f.device_id, f.rule) for f in findings if f.firing and f.rule in sources)
    return keys


def _inhibited(
    device_id: str,
    rule: AlertRule,
    box_id: str | None,
    active: set[tuple[str, AlertRule]],
    config: HealthConfig,
) -> bool:
    """Tell whether an open inhibiting alert silences this device's rule."""
    for inhibition in config.inhibitions:
        if rule not in inhibition.targets:
            continue
        source = device_id if inhibition.scope is InhibitScope.SELF else box_id
        if source is not None and (source, inhibition.source) in active:
            return True
    return False


def _open(finding: Finding, now: datetime) -> Alert:
    """Open a firing alert from a finding."""
    return Alert(
        device_id=finding.device_id,
        rule=finding.rule,
        status=AlertStatus.FIRING,
        opened_at=finding.at,
        last_notified_at=now,
        severity=finding.severity,
        box_id=finding.box_id,
        detail=finding.detail,
    )


def _observe(alert: Alert, finding: Finding) -> Alert:
    """Update an open alert with a new observation of its condition."""
    if not finding.firing:
        return alert if alert.clear_since is not None else replace(alert, clear_since=finding.at)
    if alert.clear_since is None:
        return alert
    # Back during the hold-down: the same alert goes on, and it counts as a flap.
    return replace(alert, clear_since=None, flaps=alert.flaps + 1, detail=finding.detail)


def _changes(
    before: Mapping[tuple[str, AlertRule], Alert],
    current: Mapping[tuple[str, AlertRule], Alert],
    opened: Sequence[tuple[str, AlertRule]],
    inhibited: list[Finding],
    active: set[tuple[str, AlertRule]],
    now: datetime,
    config: HealthConfig,
) -> AlertChanges:
    """Sort every alert into the list of what happens to it now."""
    changes = AlertChanges([current[k] for k in opened], [], [], [], inhibited)
    new = set(opened)
    for key, alert in current.items():
        if key in new:
            continue
        if _resolvable(alert, now, config):
            changes.to_resolve.append(replace(alert, status=AlertStatus.RESOLVED, resolved_at=now))
        elif _repeat_due(alert, now, config) and not _alert_inhibited(alert, active, config):
            changes.to_renotify.append(replace(alert, last_notified_at=now))
        elif alert != before[key]:
            changes.to_update.append(alert)
    return changes


def _alert_inhibited(
    alert: Alert, active: set[tuple[str, AlertRule]], config: HealthConfig
) -> bool:
    """Tell whether an open alert is currently silenced by another."""
    return _inhibited(alert.device_id, alert.rule, alert.box_id, active, config)


def _resolvable(alert: Alert, now: datetime, config: HealthConfig) -> bool:
    """Tell whether an alert's condition has stayed clear long enough, and it lived long enough."""
    if alert.clear_since is None:
        return False
    hold = config.flap_window_s if alert.flaps >= config.flap_threshold else config.resolve_hold_s
    clear_for = (now - alert.clear_since).total_seconds()
    open_for = (now - alert.opened_at).total_seconds()
    return clear_for >= hold and open_for >= config.min_firing_s


def _repeat_due(alert: Alert, now: datetime, config: HealthConfig) -> bool:
    """Tell whether an unacknowledged, still-firing alert is due another notification."""
    if alert.status is not AlertStatus.FIRING or alert.clear_since is not None:
        return False
    return (now - alert.last_notified_at).total_seconds() >= config.repeat_interval_s


def apply_changes(open_alerts: Iterable[Alert], changes: AlertChanges) -> list[Alert]:
    """Return the open alerts after `changes` (an in-memory store, for simulations and tests)."""
    by_key = {a.key: a for a in open_alerts if a.status is not AlertStatus.RESOLVED}
    for alert in [*changes.to_open, *changes.to_update, *changes.to_renotify]:
        by_key[alert.key] = alert
    for alert in changes.to_resolve:
        by_key.pop(alert.key, None)
    return list(by_key.values())


def acknowledge(alert: Alert, by: str, now: datetime) -> Alert:
    """Record that a person has taken charge of an alert; stops its repeat notifications."""
    if alert.status is AlertStatus.RESOLVED:
        raise IllegalTransition("a resolved alert cannot be acknowledged", status=alert.status)
    if not by or not by.strip():
        raise InvalidInput("acknowledging needs the person's name", field="by")
    if alert.status is AlertStatus.ACKNOWLEDGED:
        return alert
    return replace(alert, status=AlertStatus.ACKNOWLEDGED, acknowledged_by=by, acknowledged_at=now)
