"""The registry simulator on a loopback port, and clients tuned to fail fast."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests
from flask import Flask

from integrations.registry import (
    CacheTtl,
    CircuitBreaker,
    HttpVehicleRegistry,
    RetryPolicy,
    Timeouts,
)
from integrations.registry.simulator import create_simulator, run_in_thread
from tests.unit.integrations.records import FakeClock

API_KEY = "test-key"
FAST_TIMEOUTS = Timeouts(connect=0.5, read=0.3)
FAST_RETRIES = RetryPolicy(retries=2, backoff=0.01, backoff_max=0.02)


@pytest.fixture(scope="module")
def simulator() -> Flask:
    """Return the simulator app with the bundled seed."""
    return create_simulator(api_key=API_KEY)


@pytest.fixture(scope="module")
def sim_url(simulator: Flask) -> Iterator[str]:
    """Serve the simulator on a free loopback port for the module."""
    url, stop = run_in_thread(simulator)
    yield url
    stop()


@pytest.fixture
def faults(sim_url: str) -> Iterator[Callable[..., dict]]:
    """Return a setter for the fault switches; heal the simulator after the test."""

    def set_faults(**switches: Any) -> dict:
        response = requests.post(f"{sim_url}/_faults", json=switches, headers=_key(), timeout=5)
        response.raise_for_status()
        return response.json()

    yield set_faults
    requests.delete(f"{sim_url}/_faults", headers=_key(), timeout=5).raise_for_status()


@pytest.fixture
def stats(sim_url: str) -> Callable[[], dict[str, int]]:
    """Return a function reading the simulator's request counters."""
    return lambda: requests.get(f"{sim_url}/_stats", headers=_key(), timeout=5).json()


@pytest.fixture
def clock() -> FakeClock:
    """Return the fake clock the clients' breaker and cache run on."""
    return FakeClock()


@pytest.fixture
def make_client(sim_url: str, clock: FakeClock) -> Iterator[Callable[..., HttpVehicleRegistry]]:
    """Return a factory of fast-failing clients (breaker of 3, 30 s, on the fake clock)."""
    made: list[HttpVehicleRegistry] = []

    def make(url: str = sim_url, api_key: str = API_KEY, **options: Any) -> HttpVehicleRegistry:
        options.setdefault("timeouts", FAST_TIMEOUTS)
        options.setdefault("retries", FAST_RETRIES)
        options.setdefault("breaker", CircuitBreaker(3, 30.0, clock=clock))
        options.setdefault("cache_ttl", CacheTtl(found=60, not_found=10))
        made.append(HttpVehicleRegistry(url, api_key, clock=clock, **options))
        return made[-1]

    yield make
    for client in made:
        client.close()


def _key() -> dict[str, str]:
    """Return the admin header."""
    return {"X-Api-Key": API_KEY}
