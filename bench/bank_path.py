"""BillInquiry against a bare Flask + SQLAlchemy indexed look-up, side by side, in one run.

Both run under gunicorn -w 2 (gthread) on the same PostgreSQL: the app (wsgi:app) answering
1Link BillInquiry with a bank's API key, and a bare app doing the one indexed select on
challan.consumer_number (the ceiling a biller could reach). A Python load generator (threads,
keep-alive sessions) drives each for --seconds and prints req/s, p50 and p99 and the ratio.

    scripts/test-services.sh sh -c '.venv/bin/python bench/bank_path.py'

Figures (2026-12-07, 2 shared cores at load average about 9, --seconds 6, base 57252d1 and this
code run alternately): BillInquiry/bare 0.23 and 0.19 before (59.5 and 69.7 req/s, p99 1,051
and 551 ms), 0.40 and 0.33 after (152.8 and 102.8 req/s, p99 288 and 463 ms), the bare ceiling
257-384 req/s with p99 161-293 ms. On such a box even the bare look-up misses p99 < 50 ms.
bench/inquiry_cost.py gives the in-process cost without HTTP.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

BARE = textwrap.dedent(
    """
    import os
    import sqlalchemy as sa
    from flask import Flask, jsonify, request

    engine = sa.create_engine(os.environ["DATABASE_URL"], pool_size=8)
    query = sa.text("SELECT number, status, fine_paisa FROM challan WHERE consumer_number = :c")
    app = Flask(__name__)

    @app.post("/inquiry")
    def inquiry():
        with engine.connect() as connection:
            row = connection.execute(query, {"c": request.get_json()["consumer_number"]}).first()
        return jsonify(number=row.number, status=row.status, amount=row.fine_paisa)
    """
)


def serve(module: str, cwd: Path, port: int, env: dict[str, str]) -> subprocess.Popen:
    """Start gunicorn -w 2 on `module` and wait until it answers."""
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", "2", "-k", "gthread", "--threads", "4",
         "-b", f"127.0.0.1:{port}", "--access-logfile", "/dev/null", "-c", "/dev/null", module],
        cwd=cwd, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    for _ in range(100):
        try:
            requests.get(f"http://127.0.0.1:{port}/", timeout=10)
            return process
        except requests.RequestException:
            time.sleep(0.2)
    raise RuntimeError(f"gunicorn on {module} did not start")


def drive(url: str, body: dict, headers: dict, threads: int, seconds: float) -> dict:
    """POST `body` from `threads` keep-alive sessions for `seconds`; return req/s and latencies."""
    latencies: list[float] = []
    lock, stop, errors = threading.Lock(), time.monotonic() + seconds, [0]

    def worker() -> None:
        session, mine = requests.Session(), []
        session.headers.update(headers)
        while time.monotonic() < stop:
            start = time.perf_counter()
            answer = session.post(url, json=body, timeout=10)
            mine.append(time.perf_counter() - start)
            if answer.status_code != 200:
                errors[0] += 1
        with lock:
            latencies.extend(mine)

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    ordered = sorted(latencies)
    return {
        "requests": len(ordered),
        "errors": errors[0],
        "req_s": round(len(ordered) / seconds, 1),
        "p50_ms": round(statistics.median(ordered) * 1000, 2),
        "p99_ms": round(ordered[int(len(ordered) * 0.99) - 1] * 1000, 2),
    }


def main() -> None:
    """Seed a challan, serve both apps, drive each in turn, print the figures as JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--database-url", default=os.environ.get("TEST_PG_URL"))
    args = parser.parse_args()
    if not args.database_url:
        parser.error("give --database-url or TEST_PG_URL (a throwaway PostgreSQL)")
    import onebill_replay

    work = Path(tempfile.mkdtemp(prefix="bench-bank-"))
    app = onebill_replay.make_app(args.database_url, str(work / "evidence"))
    key, consumers = onebill_replay.prepare(app, 1)
    (work / "bare.py").write_text(BARE)
    env = {
        "DATABASE_URL": args.database_url,
        "ECHALLAN_ENV": "development",
        "INSTANCE_DIR": str(work / "instance"),
        "SECRET_KEY": "b" * 64,
        "JOBS_MODE": "defer",
        "SCHEDULER_ENABLED": "0",
        "PARTNER_LOOKUP_RATE_LIMIT": "1000000 per minute",
    }
    body = {"consumer_number": consumers[0], "bank_mnemonic": "BENCH"}
    servers = [serve("wsgi:app", ROOT, 18731, env), serve("bare:app", work, 18732, env)]
    try:
        inquiry = drive("http://127.0.0.1:18731/api/v1/payments/1bill/bill-inquiry", body,
                        {"X-Api-Key": key}, args.threads, args.seconds)  # fmt: skip
        bare = drive("http://127.0.0.1:18732/inquiry", body, {}, args.threads, args.seconds)
    finally:
        for server in servers:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
    ratio = round(inquiry["req_s"] / bare["req_s"], 2)
    print(json.dumps({"bill_inquiry": inquiry, "bare_ceiling": bare, "ratio": ratio}, indent=1))


if __name__ == "__main__":
    main()
