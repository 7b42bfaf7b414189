"""Device-health test helpers: a junction, a controllable clock, a control-room receiver."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from echallan.core import deps
from echallan.core.uow import unit_of_work
from echallan.devices import operations as devices
from echallan.devices import sweep as device_sweep
from echallan.staff import operations as admin
from tests.integration import factories as f

T0 = datetime(2026, 11, 23, 5, 0, tzinfo=UTC)  # 10:00 in Karachi
SITE = "SITE-001"
BOX = "BOX-001"
CAMERAS = ("KHI-0001", "KHI-0002")
HOME = (24.8607, 67.0011)  # where the box is installed
AWAY = (24.8652, 67.0011)  # 500 m north: on a thief's truck


class Clock:
    """The time the API and services see; the tests move it forward (no sleeping)."""

    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        """Return the current fake time."""
        return self.now

    def advance(self, seconds: float) -> datetime:
        """Move time forward and return the new now."""
        self.now += timedelta(seconds=seconds)
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """Give the device and field endpoints a fake clock."""
    fake = Clock()
    monkeypatch.setattr("echallan.core.clock.utcnow", fake)
    return fake


@dataclass
class Junction:
    """A site with one box and two cameras, their keys, and signed-in staff names."""

    keys: dict[str, str] = field(default_factory=dict)


def build_junction(now: datetime) -> Junction:
    """Register the site, its box (battery 1200 Wh at 80 W) and cameras, each with its own key."""
    junction = Junction()
    with unit_of_work():
        devices.register_site(SITE, "test", name="Teen Talwar", lat=HOME[0], lon=HOME[1])
        devices.register_box(
            BOX,
            SITE,
            "test",
            now,
            lat=HOME[0],
            lon=HOME[1],
            battery_capacity_wh=1200.0,
            load_w=80.0,
        )
        junction.keys[BOX] = _key(BOX, ["heartbeats:write"])
        for camera_id in CAMERAS:
            admin.register_camera(camera_id, f.calibration(camera_id), actor="test")
            devices.register_camera_device(camera_id, BOX, "test", now)
            junction.keys[camera_id] = _key(camera_id, ["heartbeats:write", "clips:write"])
    return junction


def _key(device_id: str, scopes: list[str]) -> str:
    """Create a device key bound to one device."""
    _, key = admin.create_api_client(f"device {device_id}", "device", scopes, "test", device_id)
    return key


def body(now: datetime, **changes: Any) -> dict[str, Any]:
    """Return a healthy heartbeat body at `now`, with `changes` applied."""
    data: dict[str, Any] = {
        "device_clock": now.isoformat(),
        "mains_on": True,
        "battery_pct": 100,
        "door_open": False,
        "lat": HOME[0],
        "lon": HOME[1],
        "temperature_c": 34.0,
        "uptime_s": 86_400,
    }
    data.update(changes)
    return data


def camera_body(now: datetime, **changes: Any) -> dict[str, Any]:
    """Return a healthy camera heartbeat (no battery or GPS, frames flowing)."""
    data: dict[str, Any] = {"device_clock": now.isoformat(), "frames_since_last": 750}
    data.update(changes)
    return data


def beat(client, key: str | None, device_id: str, payload: Any):  # noqa: ANN001, ANN201
    """POST one heartbeat."""
    headers = {"X-Api-Key": key} if key else {}
    return client.post(f"/api/v1/devices/{device_id}/heartbeats", json=payload, headers=headers)


@dataclass
class Receiver:
    """A control-room webhook receiver on loopback: what it got, and what it answers."""

    url: str = ""
    messages: list[dict[str, Any]] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)
    status: int = 200

    def types(self) -> list[str]:
        """Return the message types received, in order."""
        return [m["type"] for m in self.messages]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """Serve a webhook receiver on an ephemeral loopback port."""
    state = Receiver()

    @Request.application
    def app(request: Request) -> Response:
        state.keys.append(request.headers.get("Idempotency-Key", ""))
        if state.status < 300:
            state.messages.append(json.loads(request.get_data()))
        return Response("{}", status=state.status, mimetype="application/json")

    server = make_server("127.0.0.1", 0, app, threaded=True)
    state.url = f"http://127.0.0.1:{server.server_port}/alerts"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    thread.join(timeout=5)


def sweep(app: Flask, now: datetime) -> device_sweep.SweepReport:
    """Run the device sweep at `now` in its own unit of work."""
    with app.app_context(), unit_of_work():
        return device_sweep.sweep_offline(deps.of(app).settings, now)
