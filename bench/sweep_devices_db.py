"""Time the device sweep through the real service (device_sweep.sweep_offline) on a seeded database.

    DATABASE_URL=postgresql+psycopg://... .venv/bin/python bench/sweep_devices_db.py \\
        [--repeat 5] [--silent 0.03] [--no-prepare]

bench/sweep_health.py times the pure rules; this times what a sweep costs in production: the
select of every device, the open alerts, reconcile, the alert and outage writes, site modes,
and the commit. Unless --no-prepare, the fleet (seeded by bench/seed_devices.py) is first put
in a steady state: every device heard within the last 30 s with frames flowing, except a
`--silent` share of boxes that, with their cameras, went quiet 200-3600 s ago. The first sweep
then opens their alerts and outages; the following ones find little to change (the steady
state). Prints one JSON object: device count, the first sweep's seconds and report, and the
median and best of the rest.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from echallan.core import deps

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def prepare(now: datetime, silent_share: float, rng: random.Random) -> int:
    """Put every device in a steady state, a share of boxes (and cameras) silent; return count."""
    import sqlalchemy as sa

    from echallan.core.extensions import db
    from echallan.devices.models import Alert, Device, Outage

    db.session.execute(sa.delete(Alert))
    db.session.execute(sa.delete(Outage))
    rows = db.session.execute(sa.select(Device.id, Device.kind, Device.box_id)).all()
    silent_boxes = {r.id for r in rows if r.kind == "box" and rng.random() < silent_share}
    updates = [_state(r, r.id in silent_boxes or r.box_id in silent_boxes, now, rng) for r in rows]
    db.session.execute(
        sa.update(Device.__table__).where(Device.__table__.c.id == sa.bindparam("b_id")),
        updates,
    )
    return len(rows)


def _state(row: Any, silent: bool, now: datetime, rng: random.Random) -> dict[str, Any]:
    """Return the stored state of one device: heard recently, or long ago when silent."""
    ago = rng.uniform(200, 3600) if silent else rng.uniform(0, 30)
    heard = now - timedelta(seconds=ago)
    return {
        "b_id": row.id,
        "last_heartbeat_at": heard,
        "frames_seen_at": heard if row.kind == "camera" else None,
        "frames_reported_at": heard if row.kind == "camera" else None,
        "clock_offset_s": 0.1,
        "down_since": None,
    }


def timed_sweep(now: datetime) -> tuple[float, dict[str, Any]]:
    """Run one sweep in its own unit of work (commit included); return seconds and report."""
    from echallan.core.uow import unit_of_work
    from echallan.devices import sweep as device_sweep

    started = time.perf_counter()
    with unit_of_work():
        report = device_sweep.sweep_offline(deps.current().settings, now)
    return time.perf_counter() - started, report.as_dict()


def main(argv: list[str] | None = None) -> int:
    """Prepare the fleet, run the sweeps and print the timings."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--silent", type=float, default=0.03)
    parser.add_argument("--no-prepare", action="store_true")
    args = parser.parse_args(argv)

    from echallan import create_app
    from echallan.core.uow import unit_of_work

    app = create_app()
    now = datetime.now(UTC)
    with app.app_context():
        if not args.no_prepare:
            with unit_of_work():
                prepare(now, args.silent, random.Random(7))
        first, report = timed_sweep(now)
        rest = [timed_sweep(now + timedelta(seconds=30 * (i + 1)))[0] for i in range(args.repeat)]
    summary = {
        "devices": report["devices"],
        "first_s": round(first, 3),
        "first_report": report,
        "steady_median_s": round(statistics.median(rest), 3) if rest else None,
        "steady_best_s": round(min(rest), 3) if rest else None,
    }
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
