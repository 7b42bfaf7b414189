"""The CPU cost of one BillInquiry inside the app, without HTTP or a load generator.

A companion to bank_path.py for a shared, noisy box: it builds the app on a throwaway SQLite
file, issues one challan, warms up, then times --requests inquiries through Flask's test client
(key check, one query, the answer) and prints milliseconds per inquiry. --profile prints the
cProfile table instead (cumulative, top 40).

    nice .venv/bin/python bench/inquiry_cost.py [--requests 1000] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import onebill_replay  # noqa: E402


def main() -> None:
    """Time (or profile) warm BillInquiries and print the figure."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="bench-inquiry-")
    app = onebill_replay.make_app(f"sqlite:///{work}/db.sqlite", f"{work}/evidence")
    key, consumers = onebill_replay.prepare(app, 1)
    client, headers = app.test_client(), {"X-Api-Key": key}
    body = {"consumer_number": consumers[0], "bank_mnemonic": "BENCH"}
    url = "/api/v1/payments/1bill/bill-inquiry"
    for _ in range(50):  # warm the key cache, the pool and the statement cache
        client.post(url, json=body, headers=headers)
    profile = cProfile.Profile() if args.profile else None
    start = time.perf_counter()
    if profile:
        profile.enable()
    for _ in range(args.requests):
        answer = client.post(url, json=body, headers=headers)
    if profile:
        profile.disable()
    elapsed = time.perf_counter() - start
    if answer.json["response_code"] != "00":
        raise SystemExit(f"unexpected answer {answer.json}")
    if profile:
        pstats.Stats(profile).sort_stats("cumulative").print_stats(40)
    print(f"ms_per_inquiry {elapsed * 1000 / args.requests:.2f} over {args.requests} requests")


if __name__ == "__main__":
    main()
