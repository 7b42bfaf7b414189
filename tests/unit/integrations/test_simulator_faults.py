"""The simulator's fault dice: validated switches, reproducible draws."""

from __future__ import annotations

import pytest
from marshmallow import ValidationError

from integrations.registry.simulator.faults import (
    MALFORMED_KINDS,
    FaultConfig,
    FaultDice,
    FaultSchema,
)
from tests.unit.integrations.records import FakeClock


def rolls(config: FaultConfig, n: int = 200) -> list:
    """Return n verdicts from fresh dice."""
    dice = FaultDice(config)
    return [dice.roll() for _ in range(n)]


def test_healthy_by_default() -> None:
    assert all(v.error_status is None and v.delay_s == 0 for v in rolls(FaultConfig()))


def test_same_seed_same_sequence() -> None:
    config = FaultConfig(error_rate=0.3, malformed_rate=0.3, jitter_ms=10, seed=42)
    assert rolls(config) == rolls(config)
    assert rolls(config) != rolls(FaultConfig(error_rate=0.3, malformed_rate=0.3, seed=43))


def test_error_rate_is_roughly_honoured() -> None:
    errors = sum(v.error_status is not None for v in rolls(FaultConfig(error_rate=0.25), 2000))
    assert 400 < errors < 600
    statuses = {v.error_status for v in rolls(FaultConfig(error_rate=1.0))}
    assert statuses == {500, 502, 503}


def test_fail_next_fails_exactly_n_then_recovers() -> None:
    verdicts = rolls(FaultConfig(fail_next=3), 6)
    assert [v.error_status is not None for v in verdicts] == [True] * 3 + [False] * 3


def test_latency_with_jitter_stays_in_range() -> None:
    delays = [v.delay_s for v in rolls(FaultConfig(latency_ms=50, jitter_ms=20), 500)]
    assert min(delays) >= 0.05 and max(delays) <= 0.07 and len(set(delays)) > 100


def test_outage_wins_over_everything() -> None:
    verdicts = rolls(FaultConfig(outage="503", error_rate=1.0, malformed_rate=1.0), 5)
    assert all(v.outage == "503" and v.error_status is None for v in verdicts)


def test_random_malformed_kind_covers_every_kind() -> None:
    kinds = {v.malformed_kind for v in rolls(FaultConfig(malformed_rate=1.0), 500)}
    assert kinds == set(MALFORMED_KINDS) - {"random"}
    assert {"html", "truncated", "wrong_types", "oversized_stream", "trickle"} <= kinds


@pytest.mark.parametrize(
    "body",
    [
        {"error_rate": 1.5},
        {"outage": "maybe"},
        {"latency_ms": -1},
        {"fail_next": "3"},
        {"malformed_kind": "evil"},
        {"unknown": 1},
    ],
)
def test_schema_refuses_bad_switches(body: dict) -> None:
    with pytest.raises(ValidationError):
        FaultSchema().load(body)


def test_schema_fills_omitted_switches_with_healthy_defaults() -> None:
    assert FaultSchema().load({"outage": "drop"}) == FaultConfig(outage="drop")


def test_a_timed_outage_heals_itself() -> None:
    clock = FakeClock()
    dice = FaultDice(FaultConfig(outage="503", outage_seconds=600), clock=clock)
    assert dice.roll().outage == "503"
    clock.advance(599.9)
    assert dice.roll().outage == "503"
    clock.advance(0.1)
    assert dice.roll().outage == "off"
