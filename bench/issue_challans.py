"""Issue challans end to end from approved violations with concurrent workers; print the rate.

Each violation goes through the real chain (`violations.process_event`: registry look-up in the
bundled seed, issuance policy, fine, gapless number, 1Bill consumer number, owner snapshot,
audit entries, outbox rows), one unit of work per violation, in N worker processes at once.
Afterwards it checks: every violation issued, numbers 1..N with no gap or duplicate, consumer
numbers unique, two outbox notices per challan, and the audit chain intact.

    scripts/test-services.sh sh -c 'python bench/issue_challans.py --database-url $TEST_PG_URL'
    .venv/bin/python bench/issue_challans.py --violations 10000 --workers 4 [--database-url URL]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

from echallan.core import deps

BASE = datetime.fromisoformat("2026-11-23T08:00:00+05:00")


def make_app(url: str, evidence: str):  # noqa: ANN201
    """Build an app with jobs deferred (issuance is measured, not delivery)."""
    from echallan import create_app
    from echallan.config import Config

    overrides = {
        "SQLALCHEMY_DATABASE_URI": url,
        "EVIDENCE_DIR": evidence,
        "JOBS_MODE": "defer",
        "SCHEDULER_ENABLED": False,
    }
    return create_app(Config, overrides)


def prepare(url: str, evidence: str, count: int) -> list[int]:
    """Migrate, register a camera and insert `count` violations of registered vehicles."""
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from echallan.challans.events import ViolationEvent
    from echallan.core.extensions import db
    from echallan.core.uow import unit_of_work
    from echallan.staff import operations as admin
    from integrations.registry.memory import DEFAULT_SEED as SEED
    from synth.scenes import calibration_for

    app = make_app(url, evidence)
    with app.app_context():
        upgrade(directory=str(Path(__file__).resolve().parent.parent / "migrations"))
        with unit_of_work():
            admin.register_camera(
                "BENCH-01", {**calibration_for((1280, 720)), "camera_id": "BENCH-01"}, actor="bench"
            )
        vehicles = [
            v
            for v in json.loads(SEED.read_text())["vehicles"]
            if v["registration_status"] == "active"
            and v["usage"] != "emergency"
            and v["vehicle_class"] in ("car", "motorcycle")
        ]
        rows = [_event_row(i, vehicles[i % len(vehicles)]) for i in range(count)]
        db.session.execute(sa.insert(ViolationEvent), rows)
        db.session.commit()
        ids = list(db.session.scalars(sa.select(ViolationEvent.id).order_by(ViolationEvent.id)))
        db.engine.dispose()
    return ids


def _event_row(i: int, vehicle: dict) -> dict:
    """A confident red-light violation; a plate comes back only outside the duplicate window."""
    return {
        "camera_id": "BENCH-01",
        "source": "camera",
        "rule": "red_light",
        "track_id": i,
        "frame": 40,
        "time_ms": 1600,
        "occurred_at": BASE + timedelta(seconds=2 * i),
        "bbox": [10, 20, 100, 80],
        "signal_state": "red",
        "observed_class": vehicle["vehicle_class"],
        "plate_read": vehicle["registration_number"],
        "plate_confidence": 0.98,
        "status": "new",
        "lookup_attempts": 0,
        "evidence": {
            "frames": [{"path": f"/bench/{i}-{n}.jpg"} for n in range(3)],
            "plate_valid": True,
        },
        "created_at": BASE,
    }


def work(args: tuple[str, str, list[int]]) -> int:
    """Issue one shard of violations, one unit of work each; return how many were issued."""
    url, evidence, ids = args
    from echallan.challans import issuance as violations
    from echallan.core.clock import now
    from echallan.core.extensions import db
    from echallan.core.uow import unit_of_work

    app = make_app(url, evidence)
    issued = 0
    with app.app_context():
        for event_id in ids:
            with unit_of_work():
                issued += violations.process_event(deps.current(), event_id, now()) == "issued"
        db.engine.dispose()
    return issued


def check(url: str, evidence: str, count: int) -> dict:
    """Verify numbering, outbox and audit chain after the run."""
    import sqlalchemy as sa

    from echallan.audit import operations as audit
    from echallan.challans.models import Challan, Notice
    from echallan.core.extensions import db

    app = make_app(url, evidence)
    with app.app_context():
        numbers = db.session.scalars(sa.select(Challan.number)).all()
        sequences = sorted(int(n.rsplit("-", 1)[1]) for n in numbers)
        consumers = db.session.scalar(
            sa.select(sa.func.count(sa.distinct(Challan.consumer_number)))
        )
        pdfs = db.session.scalar(
            sa.select(sa.func.count()).select_from(Notice).where(Notice.channel == "pdf")
        )
        notices = db.session.scalar(sa.select(sa.func.count()).select_from(Notice))
        chain = audit.verify()
        db.engine.dispose()
    return {
        "challans": len(numbers),
        "numbers_gapless_unique": sequences == list(range(1, len(numbers) + 1)),
        "consumer_numbers_unique": consumers == len(numbers),
        "outbox_notices": notices,
        "every_challan_has_its_pdf_notice": pdfs == len(numbers),
        "audit_entries": chain.entries,
        "audit_chain_ok": chain.ok,
        "all_issued": len(numbers) == count,
    }


def main() -> None:
    """Run the bench and print its figures as JSON."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--violations", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    args = parser.parse_args()
    if not args.database_url:
        parser.error("give --database-url or DATABASE_URL (PostgreSQL for the issue's figure)")
    evidence = tempfile.mkdtemp(prefix="bench-issue-")
    ids = prepare(args.database_url, evidence, args.violations)
    shards = [(args.database_url, evidence, ids[k :: args.workers]) for k in range(args.workers)]
    started = time.perf_counter()
    with multiprocessing.get_context("spawn").Pool(args.workers) as pool:
        issued = sum(pool.map(work, shards))
    seconds = time.perf_counter() - started
    result = {
        "violations": args.violations,
        "workers": args.workers,
        "issued": issued,
        "seconds": round(seconds, 2),
        "challans_per_s": round(issued / seconds, 1),
        **check(args.database_url, evidence, args.violations),
    }
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
