"""Replay 1Bill payment advices and race banks on one bill over real HTTP; print the answers.

The app runs in-process on a loopback port (werkzeug, threaded) against the PostgreSQL given by
--database-url (or DATABASE_URL / TEST_PG_URL; use a throwaway database: it is migrated to
head). It issues challans through the real chain, then:

- replay: `--advices` distinct advices (one per challan), each sent `--replays` times, shuffled,
  `--concurrency` requests in flight; every advice must get one distinct answer body, all 00;
- banks: `--rounds` fresh challans, each paid by `--banks` different banks released together
  by a barrier; each challan must get exactly one 00 (the others 02 "already paid").

    scripts/test-services.sh sh -c '.venv/bin/python bench/onebill_replay.py'
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import tempfile
import threading
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests
from werkzeug.serving import make_server

ISSUED_AT = datetime.fromisoformat("2026-11-23T09:00:00+05:00")
RECEIVED_AT = datetime.fromisoformat("2026-11-25T10:15:00+05:00")
PAYMENT = "/api/v1/payments/1bill/bill-payment"


class Counting(logging.Handler):
    """Count log records (the lost races for an advice's key)."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        """Count one record."""
        self.count += 1


def make_app(url: str, evidence: str):  # noqa: ANN201
    """Build an app on `url` with jobs deferred and the clock fixed at RECEIVED_AT."""
    from echallan import create_app
    from echallan.config import Config

    overrides = {
        "SQLALCHEMY_DATABASE_URI": url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 25, "max_overflow": 5},
        "EVIDENCE_DIR": evidence,
        "JOBS_MODE": "defer",
        "SCHEDULER_ENABLED": False,
        # In UTC: the audit chain hashes `at` as given and re-reads it in UTC (see the report).
        "CLOCK": lambda: RECEIVED_AT.astimezone(UTC),
    }
    return create_app(Config, overrides)


def prepare(app, count: int) -> tuple[str, list[str]]:  # noqa: ANN001
    """Migrate, register a camera, issue `count` challans; return a bank key and their numbers."""
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from echallan.challans import issuance
    from echallan.challans.models import Challan
    from echallan.core import deps
    from echallan.core.extensions import db
    from echallan.core.uow import unit_of_work
    from echallan.staff import operations as admin
    from synth.scenes import calibration_for

    tag = f"B{random.randrange(10**6):06d}"
    with app.app_context():
        upgrade(directory=str(Path(__file__).resolve().parent.parent / "migrations"))
        with unit_of_work():
            admin.register_camera(tag, {**calibration_for((1280, 720)), "camera_id": tag}, "bench")
            _, key = admin.create_api_client(f"bench {tag}", "partner", ["payments:write"], "bench")
        ids = _insert_events(tag, count)
        for event_id in ids:
            with unit_of_work():
                issuance.process_event(deps.current(), event_id, ISSUED_AT + timedelta(hours=1))
        numbers = db.session.scalars(
            sa.select(Challan.consumer_number).where(Challan.event_id.in_(ids)).order_by(Challan.id)
        ).all()
    return key, list(numbers)


def _insert_events(camera: str, count: int) -> list[int]:
    """Insert confident red-light violations of registered cars, one plate each."""
    from echallan.core.extensions import db
    from integrations.registry.memory import DEFAULT_SEED

    vehicles = [
        v
        for v in json.loads(DEFAULT_SEED.read_text())["vehicles"]
        if v["registration_status"] == "active"
        and v["usage"] != "emergency"
        and v["vehicle_class"] in ("car", "motorcycle")
    ]
    if len(vehicles) < count:
        raise SystemExit(f"the registry seed has {len(vehicles)} vehicles, not {count}")
    rows = [_event(camera, i, v) for i, v in enumerate(vehicles[:count])]
    db.session.add_all(rows)
    db.session.commit()
    return [row.id for row in rows]


def _event(camera: str, i: int, vehicle: dict):  # noqa: ANN202
    """One violation as the clip pipeline records it."""
    from echallan.challans.events import ViolationEvent

    return ViolationEvent(
        camera_id=camera,
        source="camera",
        rule="red_light",
        track_id=i,
        frame=40,
        time_ms=1600,
        occurred_at=ISSUED_AT + timedelta(seconds=2 * i),
        bbox=[10, 20, 100, 80],
        signal_state="red",
        observed_class=vehicle["vehicle_class"],
        plate_read=vehicle["registration_number"],
        plate_confidence=0.98,
        offence_confidence=0.97,
        evidence={
            "frames": [{"path": f"/bench/{i}-{n}.jpg"} for n in range(3)],
            "plate_valid": True,
        },
    )


class Bank:
    """A bank switch: one keep-alive HTTP session per thread."""

    def __init__(self, base: str, key: str) -> None:
        self.base, self.key = base, key
        self.local = threading.local()

    def post(self, path: str, body: dict) -> tuple[int, str]:
        """POST and return (status, body text)."""
        if not hasattr(self.local, "session"):
            self.local.session = requests.Session()
            self.local.session.headers["X-Api-Key"] = self.key
        answer = self.local.session.post(self.base + path, json=body, timeout=60)
        return answer.status_code, answer.text

    def amount_due(self, consumer: str) -> str:
        """Ask what a bill costs now (BillInquiry)."""
        body = {"consumer_number": consumer, "bank_mnemonic": "BENCH"}
        status, text = self.post("/api/v1/payments/1bill/bill-inquiry", body)
        assert status == 200, text
        return json.loads(text)["amount_within_due_date"]


def advice(consumer: str, amount: str, auth: str, bank: str) -> dict:
    """A BillPayment sent at our clock's time."""
    return {
        "consumer_number": consumer,
        "tran_auth_id": auth,
        "transaction_amount": amount,
        "tran_date": RECEIVED_AT.strftime("%Y%m%d"),
        "tran_time": RECEIVED_AT.strftime("%H%M%S"),
        "bank_mnemonic": bank,
    }


def code_of(status: int, text: str) -> str:
    """Name an answer: its 1Bill code, or the HTTP status when it is not a 200."""
    return json.loads(text)["response_code"] if status == 200 else f"HTTP {status}"


def replay(bank: Bank, consumers: list[str], replays: int, concurrency: int) -> dict:
    """Send each bill's one advice `replays` times, shuffled, `concurrency` at once."""
    advices = [advice(c, bank.amount_due(c), f"R{n:07d}", "BENCH") for n, c in enumerate(consumers)]
    sends = [a for a in advices for _ in range(replays)]
    random.shuffle(sends)
    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        answers = list(pool.map(lambda body: (body, *bank.post(PAYMENT, body)), sends))
    seconds = time.perf_counter() - started
    bodies = defaultdict(set)
    for body, status, text in answers:
        bodies[body["tran_auth_id"]].add((status, text))
    return {
        "requests": len(sends),
        "advices": len(advices),
        "concurrency": concurrency,
        "answers": dict(Counter(code_of(s, t) for _, s, t in answers)),
        "distinct_answers_per_advice": dict(Counter(len(b) for b in bodies.values())),
        "seconds": round(seconds, 2),
        "requests_per_s": round(len(sends) / seconds, 1),
    }


def race(bank: Bank, consumers: list[str], banks: int) -> dict:
    """Have `banks` different banks pay each bill at once (released by a barrier)."""
    answers: Counter[str] = Counter()
    paid_per_bill: Counter[int] = Counter()
    for consumer in consumers:
        codes = _race_once(bank, consumer, banks)
        answers.update(codes)
        paid_per_bill[codes.count("00")] += 1
    return {
        "bills": len(consumers),
        "banks_per_bill": banks,
        "answers": dict(answers),
        "bills_by_number_of_00": dict(paid_per_bill),
    }


def _race_once(bank: Bank, consumer: str, banks: int) -> list[str]:
    """Release `banks` payments of one bill together; return their answers."""
    amount = bank.amount_due(consumer)
    auth = consumer[-7:-1]  # one authorisation id per bill and bank
    bodies = [advice(consumer, amount, f"P{auth}{n:02d}", f"BK{n:02d}") for n in range(banks)]
    start = threading.Barrier(banks)

    def send(body: dict) -> str:
        start.wait()
        return code_of(*bank.post(PAYMENT, body))

    with ThreadPoolExecutor(banks) as pool:
        return list(pool.map(send, bodies))


def check(app, consumers: list[str]) -> dict:  # noqa: ANN001
    """Count payments per bill and verify the audit chain."""
    import sqlalchemy as sa

    from echallan.audit import operations as audit
    from echallan.challans.models import Challan, Payment
    from echallan.core.extensions import db

    with app.app_context():
        per_bill = db.session.execute(
            sa.select(Challan.consumer_number, sa.func.count(Payment.id))
            .join(Payment, Payment.challan_id == Challan.id, isouter=True)
            .where(Challan.consumer_number.in_(consumers))
            .group_by(Challan.consumer_number)
        ).all()
        chain = audit.verify()
    return {
        "bills_with_exactly_one_payment": sum(1 for _, n in per_bill if n == 1),
        "bills": len(consumers),
        "audit_chain_ok": chain.ok,
        "audit_entries": chain.entries,
        "audit_problem": chain.problem,
    }


def replay_parser(doc: str | None, replays: int) -> argparse.ArgumentParser:
    """Return the options every replay bench shares: replays, concurrency and the database."""
    parser = argparse.ArgumentParser(
        description=doc, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--replays", type=int, default=replays)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument(
        "--database-url", default=os.environ.get("DATABASE_URL") or os.environ.get("TEST_PG_URL")
    )
    return parser


def parse_replay_args(parser: argparse.ArgumentParser) -> argparse.Namespace:
    """Parse the options; refuse to run without a throwaway PostgreSQL; quiet the server log."""
    args = parser.parse_args()
    if not args.database_url:
        parser.error("give --database-url, DATABASE_URL or TEST_PG_URL (a throwaway PostgreSQL)")
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    return args


def main() -> None:
    """Run the bench and print its figures as JSON."""
    parser = replay_parser(__doc__, replays=13)
    parser.add_argument("--advices", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--banks", type=int, default=20)
    args = parse_replay_args(parser)
    lost = Counting()
    logging.getLogger("echallan.payments.operations").addHandler(lost)
    logging.getLogger("echallan.payments.operations").setLevel(logging.INFO)
    app = make_app(args.database_url, tempfile.mkdtemp(prefix="bench-onebill-"))
    key, consumers = prepare(app, args.advices + args.rounds)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    bank = Bank(f"http://127.0.0.1:{server.server_port}", key)
    result = {
        "replay": replay(bank, consumers[: args.advices], args.replays, args.concurrency),
        "banks": race(bank, consumers[args.advices :], args.banks),
        "lost_races_for_an_advice_key": lost.count,
        **check(app, consumers),
    }
    server.shutdown()
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
