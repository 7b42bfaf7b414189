"""The circuit breaker's state machine, driven by a fake clock."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from integrations.registry.breaker import BreakerState, CircuitBreaker
from tests.unit.integrations.records import FakeClock


def tripped(clock: FakeClock, threshold: int = 3, reset: float = 10.0) -> CircuitBreaker:
    """Return a breaker that has just opened."""
    breaker = CircuitBreaker(failure_threshold=threshold, reset_timeout=reset, clock=clock)
    for _ in range(threshold):
        assert breaker.allow()
        breaker.record_failure()
    return breaker


def test_opens_after_threshold_consecutive_failures() -> None:
    breaker = CircuitBreaker(failure_threshold=3, reset_timeout=10, clock=FakeClock())
    breaker.record_failure()
    breaker.record_failure()
    assert breaker.state is BreakerState.CLOSED
    breaker.record_failure()
    assert breaker.state is BreakerState.OPEN
    assert not breaker.allow()


def test_a_success_resets_the_failure_count() -> None:
    breaker = CircuitBreaker(failure_threshold=3, reset_timeout=10, clock=FakeClock())
    for _ in range(5):
        breaker.record_failure()
        breaker.record_failure()
        breaker.record_success()
    assert breaker.state is BreakerState.CLOSED


def test_stays_open_until_the_reset_timeout() -> None:
    clock = FakeClock()
    breaker = tripped(clock)
    clock.advance(9.99)
    assert not breaker.allow()
    assert breaker.state is BreakerState.OPEN


def test_half_open_admits_exactly_one_probe() -> None:
    clock = FakeClock()
    breaker = tripped(clock)
    clock.advance(10)
    assert breaker.allow()
    assert breaker.state is BreakerState.HALF_OPEN
    assert not breaker.allow()
    assert not breaker.allow()


def test_successful_probe_closes() -> None:
    clock = FakeClock()
    breaker = tripped(clock)
    clock.advance(10)
    assert breaker.allow()
    breaker.record_success()
    assert breaker.state is BreakerState.CLOSED
    assert breaker.allow() and breaker.allow()


def test_failed_probe_reopens_for_a_full_timeout() -> None:
    clock = FakeClock()
    breaker = tripped(clock)
    clock.advance(10)
    assert breaker.allow()
    clock.advance(2)
    breaker.record_failure()
    assert breaker.state is BreakerState.OPEN
    clock.advance(9.99)
    assert not breaker.allow()
    clock.advance(0.01)
    assert breaker.allow()


def test_a_probe_that_never_reports_is_replaced_after_the_timeout() -> None:
    clock = FakeClock()
    breaker = tripped(clock)
    clock.advance(10)
    assert breaker.allow()
    clock.advance(10)
    assert breaker.allow()


@pytest.mark.parametrize(("threshold", "reset"), [(0, 10), (3, 0)])
def test_refuses_nonsense_settings(threshold: int, reset: float) -> None:
    with pytest.raises(ValueError):
        CircuitBreaker(failure_threshold=threshold, reset_timeout=reset)


def test_half_open_admits_one_probe_among_racing_threads() -> None:
    clock = FakeClock()
    breaker = tripped(clock)
    clock.advance(10)
    start = threading.Barrier(16)

    def race() -> bool:
        start.wait()
        return breaker.allow()

    with ThreadPoolExecutor(max_workers=16) as pool:
        admitted = list(pool.map(lambda _: race(), range(16)))
    assert admitted.count(True) == 1
