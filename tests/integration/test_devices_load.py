"""bench/heartbeat_load.py against the real heartbeat endpoint, served on loopback.

Devices registered by bench/seed_devices.py's own code; every beat must be stored once.
"""

# ruff: noqa: ANN001
from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa

from echallan.core.extensions import db
from echallan.core.types import utcnow
from echallan.core.uow import unit_of_work
from echallan.devices.models import Alert, Device

BENCH = Path(__file__).resolve().parents[2] / "bench"


def bench_module(name: str):  # noqa: ANN201
    """Import a bench script as a module."""
    spec = importlib.util.spec_from_file_location(name, BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_load_generator_beats_are_all_stored(app, served) -> None:
    seed = bench_module("seed_devices")
    with app.app_context(), unit_of_work():
        seed.insert(seed.plan(20, 4, "LOAD-{:05d}", utcnow()))
        key = seed.fleet_key()
    command = [sys.executable, str(BENCH / "heartbeat_load.py"), "--url", served, "--key", key]
    command += ["--devices", "20", "--period", "1", "--duration", "2", "--workers", "4", "--json"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    summary = json.loads(done.stdout)
    assert summary["statuses"] == {"202": 40}
    with app.app_context():
        beats = dict(db.session.execute(sa.select(Device.id, Device.heartbeats_received)).all())
        reported = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Device)
            .where(Device.lat.is_not(None), Device.battery_pct == 100)
        )
    assert beats == {f"LOAD-{i:05d}": 2 for i in range(20)}
    assert reported == 20
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Alert)) == 0
