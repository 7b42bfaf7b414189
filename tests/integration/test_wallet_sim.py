"""`echallan wallet-sim`: the wallet simulator served by its command, with its fault switches."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest
import requests

from echallan.commands import discover


def test_the_command_is_registered() -> None:
    assert "wallet-sim" in [command.name for command in discover()]


def test_cli_serves_the_simulator_with_its_switches() -> None:
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from echallan.commands.wallet_sim import command; command()",
            "--port",
            "0",
            "--api-key",
            "cli-key",
            "--error-500",
            "--duplicate-webhook",
            "--slow-ms",
            "5",
            "--quiet",
            "--json",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    try:
        printed = json.loads(process.stdout.readline())
        assert printed["jazzcash"] == printed["url"] + "/jazzcash"
        state = _state(printed["url"], process)
        assert state["faults"] == {
            "slow_ms": 5.0,
            "error_500": True,
            "drop_webhook": False,
            "duplicate_webhook": True,
            "wrong_amount": False,
        }
        body = {"order_id": "KHI-1", "amount_paisa": 100, "return_url": ""}
        headers = {"X-Api-Key": "cli-key"}
        start = f"{printed['easypaisa']}/checkouts"
        assert requests.post(start, json=body, headers=headers, timeout=5).status_code == 500
        requests.post(f"{printed['url']}/_faults", json={"error_500": False}, timeout=5)
        assert requests.post(start, json=body, headers=headers, timeout=5).status_code == 201
        assert requests.post(start, json=body, timeout=5).status_code == 401
    finally:
        process.terminate()
        process.wait(timeout=10)


def _state(url: str, process: subprocess.Popen, seconds: float = 20.0) -> dict:
    """Poll the simulator's state until it answers or the process dies."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail("wallet-sim exited")
        try:
            return requests.get(f"{url}/_state", timeout=1).json()
        except requests.ConnectionError:
            time.sleep(0.1)
    pytest.fail("wallet-sim did not start")
