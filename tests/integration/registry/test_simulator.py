"""The simulator's own API over loopback, and the `echallan registry-sim` command."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time

import pytest
import requests

from integrations.registry.simulator import create_simulator
from tests.integration.registry.conftest import API_KEY

KEY = {"X-Api-Key": API_KEY}


def test_health_needs_no_key(sim_url) -> None:
    assert requests.get(f"{sim_url}/_health", timeout=5).json() == {"status": "ok"}


@pytest.mark.parametrize("path", ["/api/v1/vehicles/ASF813", "/_faults", "/_stats"])
def test_everything_else_needs_the_key(sim_url, path: str) -> None:
    for headers in ({}, {"X-Api-Key": "nope"}):
        response = requests.get(f"{sim_url}{path}", headers=headers, timeout=5)
        assert response.status_code == 401
        assert response.headers["Content-Type"] == "application/problem+json"


def test_not_found_and_invalid_plates_are_problems(sim_url) -> None:
    missing = requests.get(f"{sim_url}/api/v1/vehicles/ZZZ-999", headers=KEY, timeout=5)
    assert missing.status_code == 404 and missing.json()["status"] == 404
    assert missing.headers["Content-Type"] == "application/problem+json"
    invalid = requests.get(f"{sim_url}/api/v1/vehicles/AB$C", headers=KEY, timeout=5)
    assert invalid.status_code == 422


def test_server_timing_reports_the_apps_own_time(sim_url, faults) -> None:
    faults(latency_ms=40)
    response = requests.get(f"{sim_url}/api/v1/vehicles/asf-813", headers=KEY, timeout=5)
    name, duration = response.headers["Server-Timing"].split(";dur=")
    assert name == "app" and 40.0 <= float(duration) < 1000.0
    assert response.json()["registration_number"] == "ASF-813"


def test_fault_switches_are_validated_replaced_and_cleared(sim_url) -> None:
    bad = requests.post(f"{sim_url}/_faults", json={"error_rate": 2}, headers=KEY, timeout=5)
    assert bad.status_code == 422 and "error_rate" in bad.json()["errors"]
    requests.post(f"{sim_url}/_faults", json={"latency_ms": 5}, headers=KEY, timeout=5)
    replaced = requests.post(f"{sim_url}/_faults", json={"outage": "503"}, headers=KEY, timeout=5)
    assert replaced.json()["latency_ms"] == 0 and replaced.json()["outage"] == "503"
    healed = requests.delete(f"{sim_url}/_faults", headers=KEY, timeout=5).json()
    assert healed["outage"] == "off"


def test_refuse_needs_a_duration_and_the_simulators_own_server() -> None:
    client = create_simulator(api_key=API_KEY).test_client()  # no RestartableServer behind it
    endless = client.post("/_faults", json={"outage": "refuse"}, headers=KEY)
    assert endless.status_code == 422 and "outage_seconds" in endless.json["errors"]
    timed = client.post("/_faults", json={"outage": "refuse", "outage_seconds": 1}, headers=KEY)
    assert timed.status_code == 422 and "own server" in timed.json["detail"]


def test_cli_serves_the_simulator_with_its_switches(tmp_path) -> None:
    port = _free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from echallan.commands.registry_sim import command; command()",
            "--port",
            str(port),
            "--api-key",
            "cli-key",
            "--outage",
            "503",
            "--quiet",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_until_up(url, process)
        response = requests.get(
            f"{url}/api/v1/vehicles/ASF813", headers={"X-Api-Key": "cli-key"}, timeout=5
        )
        assert response.status_code == 503
        switches = requests.get(f"{url}/_faults", headers={"X-Api-Key": "cli-key"}, timeout=5)
        assert switches.json()["outage"] == "503"
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_cli_prints_where_it_serves_as_json() -> None:
    port = _free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from echallan.commands.registry_sim import command; command()",
            "--port",
            str(port),
            "--quiet",
            "--json",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    try:
        printed = json.loads(process.stdout.readline())
        assert printed["url"] == f"http://127.0.0.1:{port}"
        _wait_until_up(printed["url"], process)
        assert requests.get(f"{printed['url']}/_health", timeout=5).status_code == 200
    finally:
        process.terminate()
        process.wait(timeout=10)


def _free_port() -> int:
    """Return a loopback port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_up(url: str, process: subprocess.Popen, seconds: float = 20.0) -> None:
    """Poll the health endpoint until the server answers or the process dies."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"registry-sim exited: {process.stdout.read().decode()}")
        try:
            requests.get(f"{url}/_health", timeout=1)
            return
        except requests.ConnectionError:
            time.sleep(0.1)
    pytest.fail("registry-sim did not start")
