"""bench/heartbeat_load.py against a small stub of the heartbeat endpoint on loopback.

The stub checks the key, knows its devices and validates every body with the real
rules.health.validate_heartbeat, so the generator's body is held to the endpoint's contract.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask import Flask, request
from werkzeug.serving import make_server

from rules.errors import InvalidInput
from rules.health import Heartbeat, validate_heartbeat

SCRIPT = Path(__file__).resolve().parents[2] / "bench" / "heartbeat_load.py"
KEY = "bench-key"


@dataclass
class Stub:
    """The stub server's address and what it accepted or refused."""

    url: str
    accepted: list[Heartbeat] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)


def stub_app(stub: Stub, devices: set[str]) -> Flask:
    """Build the stub heartbeat endpoint."""
    app = Flask("heartbeat-stub")

    @app.post("/api/v1/devices/<device_id>/heartbeats")
    def heartbeat(device_id: str) -> tuple[dict[str, object], int]:
        """Check the key and the device, validate the body and keep it."""
        if request.headers.get("X-Api-Key") != KEY:
            return {"title": "Unauthorized"}, 401
        if device_id not in devices:
            return {"title": "Not found"}, 404
        try:
            hb = validate_heartbeat(device_id, request.get_json(), datetime.now(UTC))
        except InvalidInput as error:
            stub.refused.append(str(error.extra.get("field")))
            return {"title": error.title, "field": error.extra.get("field")}, 422
        stub.accepted.append(hb)
        return {"accepted": True}, 202

    return app


@pytest.fixture
def stub() -> Iterator[Stub]:
    """Serve the stub on an ephemeral loopback port for one test."""
    devices = {f"LOAD-{i:05d}" for i in range(40)}
    state = Stub("")
    server = make_server("127.0.0.1", 0, stub_app(state, devices), threaded=True)
    state.url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    thread.join(timeout=5)


def load(*args: str) -> subprocess.CompletedProcess[str]:
    """Run the load generator as a person would."""
    command = [sys.executable, str(SCRIPT), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)


def test_sends_every_device_on_schedule_with_valid_bodies(stub: Stub) -> None:
    done = load(
        "--url",
        stub.url,
        "--key",
        KEY,
        "--devices",
        "40",
        "--period",
        "1",
        "--duration",
        "2",
        "--workers",
        "4",
        "--json",
    )
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["requests"] == summary["ok"] == 80
    assert summary["statuses"] == {"202": 80}
    assert stub.refused == []
    beats = {}
    for hb in stub.accepted:
        beats[hb.device_id] = beats.get(hb.device_id, 0) + 1
    assert beats == {f"LOAD-{i:05d}": 2 for i in range(40)}
    assert 30 <= summary["rate"] <= 50  # 40 devices a second
    latency = summary["request_ms"]
    assert 0 < latency["p50"] <= latency["p95"] <= latency["p99"] <= latency["max"]
    assert all(hb.battery_pct == 100 and hb.frames_since_last == 25 for hb in stub.accepted)


def test_per_device_key_template_and_failures_are_reported(stub: Stub) -> None:
    done = load(
        "--url",
        stub.url,
        "--key",
        "{device_id}",
        "--devices",
        "5",
        "--period",
        "1",
        "--duration",
        "1",
        "--workers",
        "2",
    )
    assert done.returncode == 1
    assert "statuses: {'401': 5}" in done.stdout
    assert "p99" in done.stdout


def test_unknown_devices_are_counted_as_404(stub: Stub) -> None:
    done = load(
        "--url",
        stub.url,
        "--key",
        KEY,
        "--devices",
        "3",
        "--period",
        "1",
        "--duration",
        "1",
        "--id-format",
        "NOPE-{}",
        "--json",
    )
    assert json.loads(done.stdout)["statuses"] == {"404": 3}


@pytest.mark.parametrize(
    "url",
    ["http://10.0.0.5:8000", "http://example.com", "http://0.0.0.0:8000", "ftp://127.0.0.1/"],
)
def test_refuses_anything_but_loopback(url: str) -> None:
    done = load("--url", url, "--key", KEY, "--duration", "1")
    assert done.returncode != 0
    assert "refusing" in done.stderr


def test_refuses_unbounded_runs() -> None:
    done = load("--url", "http://127.0.0.1:9", "--key", KEY, "--duration", "7200")
    assert done.returncode == 2 and "--duration" in done.stderr


def test_unreachable_server_counts_connection_errors() -> None:
    # Port 9 (discard) on loopback has no listener here: every beat fails fast.
    done = load(
        "--url",
        "http://127.0.0.1:9",
        "--key",
        KEY,
        "--devices",
        "2",
        "--period",
        "1",
        "--duration",
        "1",
        "--timeout",
        "1",
        "--json",
    )
    assert done.returncode == 1
    assert json.loads(done.stdout)["statuses"] == {"ConnectionRefusedError": 2}
