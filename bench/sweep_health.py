"""Time the health sweep (rules.health.evaluate_sweep + reconcile + site_modes) over N devices.

Also times the pure part of one heartbeat's path (validate, evaluate, apply, reconcile), the
CPU each of the 333 heartbeats per second costs before any database work.

    .venv/bin/python bench/sweep_health.py [--devices 10000] [--cameras-per-box 4] [--repeat 7]

The fleet is synthetic and deterministic (seeded): boxes with cameras, 30 s heartbeats,
a few percent of boxes silent (their cameras too), some cameras blind, some sending only clips,
and one open alert per currently-firing condition, as a steady-state sweep would see it.
Prints the median and best wall time of each stage over `--repeat` runs, in pure Python.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from rules.health import (
    Alert,
    DeviceKind,
    DeviceState,
    SiteMode,
    apply_changes,
    apply_heartbeat,
    evaluate_heartbeat,
    evaluate_sweep,
    reconcile,
    site_modes,
    validate_heartbeat,
)

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
T = TypeVar("T")


def fleet(devices: int, per_box: int, rng: random.Random) -> list[DeviceState]:
    """Return `devices` device states: boxes each followed by up to `per_box` cameras."""
    states: list[DeviceState] = []
    box_index = 0
    while len(states) < devices:
        box_index += 1
        silent = rng.random() < 0.03  # stolen or without power: the box and its cameras
        states.append(box_state(box_index, silent, rng))
        for cam in range(1, min(per_box, devices - len(states)) + 1):
            states.append(camera_state(box_index, cam, silent, rng))
    return states


def box_state(index: int, silent: bool, rng: random.Random) -> DeviceState:
    """Return a box last heard recently, or long ago when `silent`."""
    ago = rng.uniform(200, 3600) if silent else rng.uniform(0, 30)
    return DeviceState(
        f"BOX-{index:05d}",
        DeviceKind.BOX,
        30.0,
        site_id=f"SITE-{index:05d}",
        registered_lat=24.86 + index * 1e-4,
        registered_lon=67.01,
        battery_capacity_wh=1200.0,
        load_w=80.0,
        commissioned_at=NOW - timedelta(days=90),
        last_heartbeat_at=NOW - timedelta(seconds=ago),
    )


def camera_state(box: int, cam: int, silent: bool, rng: random.Random) -> DeviceState:
    """Return a camera: alive with frames, blind, clips only, or silent with its box."""
    heard = NOW - timedelta(seconds=rng.uniform(200, 3600) if silent else rng.uniform(0, 30))
    blind = rng.random() < 0.02
    clips_only = rng.random() < 0.1
    seen = heard - timedelta(seconds=300) if blind else heard
    return DeviceState(
        f"BOX-{box:05d}-CAM-{cam}",
        DeviceKind.CAMERA,
        30.0,
        box_id=f"BOX-{box:05d}",
        site_id=f"SITE-{box:05d}",
        commissioned_at=NOW - timedelta(days=90),
        last_heartbeat_at=None if clips_only else heard,
        last_clip_at=heard if clips_only else None,
        frames_seen_at=seen,
        frames_reported_at=heard,
    )


def steady_alerts(states: list[DeviceState]) -> list[Alert]:
    """Return the open alerts a previous sweep would have left."""
    changes = reconcile([], evaluate_sweep(states, NOW - timedelta(minutes=10)), NOW)
    return apply_changes([], changes)


def timed(stage: Callable[[], T], repeat: int) -> tuple[list[float], T]:
    """Run a stage `repeat` times (at least once); return the wall times in ms and a result."""
    times = []
    for _ in range(max(1, repeat)):
        start = time.perf_counter()
        result = stage()
        times.append((time.perf_counter() - start) * 1000)
    return times, result


def heartbeat_path(states: list[DeviceState], alerts: list[Alert]) -> int:
    """Run every device's heartbeat through the pure path once; return findings made."""
    by_device: dict[str, list[Alert]] = {}
    for alert in alerts:
        by_device.setdefault(alert.device_id, []).append(alert)
    made = 0
    for state in states:
        raw = {
            "device_clock": NOW.isoformat(),
            "mains_on": True,
            "battery_pct": 100,
            "door_open": False,
            "lat": state.registered_lat,
            "lon": state.registered_lon,
            "frames_since_last": 750 if state.kind is DeviceKind.CAMERA else None,
        }
        heartbeat = validate_heartbeat(state.device_id, raw, NOW)
        findings = evaluate_heartbeat(state, heartbeat)
        apply_heartbeat(state, heartbeat)
        reconcile(by_device.get(state.device_id, []), findings, NOW)
        made += len(findings)
    return made


def report(name: str, times: list[float]) -> None:
    """Print one stage's timing."""
    print(f"{name:<28} median {statistics.median(times):8.1f} ms   best {min(times):8.1f} ms")


def main(argv: list[str] | None = None) -> None:
    """Build the fleet and time each stage of a sweep."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=10_000)
    parser.add_argument("--cameras-per-box", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--seed", type=int, default=6)
    args = parser.parse_args(argv)
    states = fleet(args.devices, args.cameras_per_box, random.Random(args.seed))
    alerts = steady_alerts(states)
    sweep_times, findings = timed(lambda: evaluate_sweep(states, NOW), args.repeat)
    rec_times, changes = timed(lambda: reconcile(alerts, findings, NOW), args.repeat)
    mode_times, modes = timed(lambda: site_modes(states, NOW), args.repeat)
    boxes = sum(s.kind is DeviceKind.BOX for s in states)
    print(
        f"devices {len(states)} ({boxes} boxes), open alerts {len(alerts)}, "
        f"findings {len(findings)}, python {sys.version.split()[0]}"
    )
    report("evaluate_sweep", sweep_times)
    report("reconcile", rec_times)
    report("site_modes", mode_times)
    total = [a + b + c for a, b, c in zip(sweep_times, rec_times, mode_times, strict=True)]
    report("sweep total", total)
    beat_times, _ = timed(lambda: heartbeat_path(states, alerts), max(1, args.repeat // 2))
    per_beat_us = statistics.median(beat_times) * 1000 / len(states)
    print(f"{'heartbeat path (pure)':<28} median {per_beat_us:8.1f} us per heartbeat")
    manual = sum(m is SiteMode.MANUAL for m in modes.values())
    print(
        f"opened {len(changes.to_open)}, inhibited {len(changes.inhibited)}, "
        f"sites manual {manual}/{len(modes)}"
    )


if __name__ == "__main__":
    main()
