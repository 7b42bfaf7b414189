"""A 10-minute registry outage in a steady stream of violations loses nothing (time compressed).

The registry is the simulator on loopback, reached through the real HTTP client; the outage is
its 503 switch. Simulated time advances in 30 s steps: each step a new violation arrives and the
sweep runs at that moment, as the scheduler would.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
import requests
import sqlalchemy as sa

from echallan import sweeps
from echallan.bootstrap import reconfigure, use
from echallan.challans.events import EventStatus, OwnerSnapshot, ViolationEvent
from echallan.challans.models import Challan
from echallan.core.extensions import db
from echallan.core.uow import unit_of_work
from integrations.registry import CircuitBreaker, HttpVehicleRegistry, RetryPolicy, Timeouts
from integrations.registry.memory import DEFAULT_SEED as SEED
from integrations.registry.simulator import create_simulator, run_in_thread
from tests.integration import factories as f

START = datetime.fromisoformat("2026-11-23T09:00:00+05:00")
STEP = timedelta(seconds=30)
OUTAGE = (timedelta(minutes=5), timedelta(minutes=15))
STEPS = 50  # 25 minutes of simulated time


@pytest.fixture
def simulator():  # noqa: ANN201
    """The registry simulator on a loopback port."""
    url, stop = run_in_thread(create_simulator(api_key="outage-key"))
    yield url
    stop()


def seed_vehicles(count: int) -> list[dict]:
    """Return distinct active cars and motorcycles from the registry seed."""
    vehicles = json.loads(SEED.read_text())["vehicles"]
    usable = [
        v
        for v in vehicles
        if v["registration_status"] == "active"
        and v["usage"] == "private"
        and v["vehicle_class"] in ("car", "motorcycle")
    ]
    return usable[:count]


def set_outage(url: str, on: bool) -> None:
    """Flip the simulator's full-outage switch."""
    body = {"outage": "503"} if on else {}
    headers = {"X-Api-Key": "outage-key"}
    assert requests.post(f"{url}/_faults", json=body, headers=headers, timeout=5).status_code == 200


def test_outage_loses_nothing(app, simulator) -> None:  # noqa: ANN001
    reconfigure(app, JOBS_MODE="sync", MAX_LOOKUP_ATTEMPTS=1000)
    breaker = CircuitBreaker(failure_threshold=3, reset_timeout=0.05)
    client = HttpVehicleRegistry(
        simulator,
        "outage-key",
        timeouts=Timeouts(0.5, 1.0),
        retries=RetryPolicy(0, 0.0, 0.0),
        breaker=breaker,
    )
    use(app, registry=client)
    vehicles = seed_vehicles(STEPS)
    clock = {"now": START}
    app.config["CLOCK"] = lambda: clock["now"]
    with app.app_context():
        f.camera()
        for step, vehicle in enumerate(vehicles):
            now = clock["now"] = START + step * STEP
            set_outage(simulator, OUTAGE[0] <= now - START < OUTAGE[1])
            event_id = f.event(
                plate=vehicle["registration_number"],
                observed_class=vehicle["vehicle_class"],
                occurred_at=now.isoformat(),
                track_id=step,
            )
            f.process(event_id, now.isoformat())
            with unit_of_work():
                sweeps.requeue_due_lookups(now)
        waited = _count(ViolationEvent.lookup_attempts > 0)
        _drain(clock, simulator)
        assert waited > 10, "the outage should have parked events"
        statuses = db.session.scalars(sa.select(ViolationEvent.status)).all()
        assert len(statuses) == STEPS
        pending = db.session.execute(
            sa.select(
                ViolationEvent.id, ViolationEvent.status_reason, ViolationEvent.next_lookup_at
            ).where(ViolationEvent.status == EventStatus.PENDING_LOOKUP)
        ).all()
        assert not pending, pending
        assert _count(ViolationEvent.status == EventStatus.ISSUED) == STEPS
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Challan)) == STEPS
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OwnerSnapshot)) == STEPS


def _drain(clock: dict[str, datetime], url: str) -> None:
    """Keep sweeping after recovery until no look-up is due (at most 100 minutes of sim time)."""
    set_outage(url, False)
    for _ in range(20):
        clock["now"] += timedelta(minutes=5)
        with unit_of_work():
            if not sweeps.requeue_due_lookups(clock["now"]):
                return


def _count(condition: sa.ColumnElement[bool]) -> int:
    """Count events matching a condition."""
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(ViolationEvent).where(condition)
    )
