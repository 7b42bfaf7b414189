"""Wallet webhook throughput and p99 on PostgreSQL, beside 1Bill BillPayment, in one run.

The app runs in-process on a loopback port (werkzeug, threaded) against the PostgreSQL given by
--database-url (or DATABASE_URL / TEST_PG_URL; use a throwaway database: it is migrated to
head). It issues 2 x `--bills` challans through the real chain, then for each rail sends every
bill's one payment `--replays` times, shuffled, `--concurrency` in flight: signed wallet
webhooks (HMAC-SHA256) for the first half, 1Bill BillPayment advices for the second. Each rail
prints requests/s and latency percentiles; every bill must end with exactly one payment.

    PG_PORT=54421 REDIS_PORT=63821 scripts/test-services.sh sh -c \
        '.venv/bin/python bench/wallet_webhook.py'
"""

from __future__ import annotations

import json
import random
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import onebill_replay as onebill  # bench/ is on sys.path when this file runs
import requests
from werkzeug.serving import make_server

SECRET = "bench-wallet-secret"
WEBHOOK = "/api/v1/wallets/jazzcash/webhook"


def percentile(values: list[float], share: float) -> float:
    """Return the nearest-rank percentile of some latencies, in milliseconds."""
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(share * len(ordered)) - 1))
    return round(ordered[index] * 1000, 1)


def add_checkouts(app, consumers: list[str], amounts: dict[str, int]) -> dict[str, str]:  # noqa: ANN001
    """Record a pending JazzCash checkout per bill, as the hand-off would; return references."""
    import sqlalchemy as sa

    from echallan.challans.models import Challan
    from echallan.core.extensions import db
    from echallan.core.uow import unit_of_work
    from echallan.payments.models import WalletCheckout

    now = onebill.RECEIVED_AT
    references = {}
    with app.app_context(), unit_of_work():
        rows = db.session.execute(
            sa.select(Challan.id, Challan.consumer_number).where(
                Challan.consumer_number.in_(consumers)
            )
        ).all()
        for challan_id, consumer in rows:
            references[consumer] = f"JCB{consumer[-10:]}"
            db.session.add(
                WalletCheckout(
                    provider="jazzcash",
                    reference=references[consumer],
                    challan_id=challan_id,
                    amount_paisa=amounts[consumer],
                    redirect_url="https://wallet.invalid/pay",
                    status="pending",
                    created_at=now,
                )
            )
    return references


class Sender:
    """One keep-alive session per thread; each send returns (status, seconds)."""

    def __init__(self, base: str, key: str) -> None:
        self.base, self.key = base, key
        self.local = threading.local()

    def post(self, path: str, data: bytes, headers: dict[str, str]) -> tuple[int, float]:
        """POST raw bytes and time the answer."""
        if not hasattr(self.local, "session"):
            self.local.session = requests.Session()
            self.local.session.headers["X-Api-Key"] = self.key
        started = time.perf_counter()
        answer = self.local.session.post(self.base + path, data=data, headers=headers, timeout=60)
        return answer.status_code, time.perf_counter() - started


def webhook(reference: str, amount: int) -> tuple[str, bytes, dict[str, str]]:
    """A signed payment webhook for one checkout (signed at the bench's fixed clock)."""
    from integrations.wallets import signing

    body = json.dumps(
        {
            "event_id": f"evt-{reference}",
            "type": "payment.succeeded",
            "reference": reference,
            "amount_paisa": amount,
        }
    ).encode()
    stamp = int(onebill.RECEIVED_AT.timestamp())
    headers = {"Content-Type": "application/json", **signing.headers(SECRET, stamp, body)}
    return WEBHOOK, body, headers


def bill_payment(consumer: str, amount: int, n: int) -> tuple[str, bytes, dict[str, str]]:
    """A 1Bill BillPayment advice for one bill."""
    body = onebill.advice(consumer, f"+{amount:013d}", f"W{n:07d}", "BENCH")
    return onebill.PAYMENT, json.dumps(body).encode(), {"Content-Type": "application/json"}


def run(sender: Sender, sends: list[tuple[str, bytes, dict[str, str]]], concurrency: int) -> dict:
    """Send everything shuffled, `concurrency` at once; return throughput and percentiles."""
    random.shuffle(sends)
    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        answers = list(pool.map(lambda s: sender.post(*s), sends))
    seconds = time.perf_counter() - started
    latencies = [elapsed for _, elapsed in answers]
    return {
        "requests": len(sends),
        "concurrency": concurrency,
        "statuses": dict(Counter(status for status, _ in answers)),
        "seconds": round(seconds, 2),
        "requests_per_s": round(len(sends) / seconds, 1),
        "p50_ms": percentile(latencies, 0.50),
        "p99_ms": percentile(latencies, 0.99),
        "max_ms": percentile(latencies, 1.0),
    }


def main() -> None:
    """Run both rails and print their figures as JSON."""
    parser = onebill.replay_parser(__doc__, replays=10)
    parser.add_argument("--bills", type=int, default=100)
    args = onebill.parse_replay_args(parser)
    from echallan import bootstrap

    app = onebill.make_app(args.database_url, tempfile.mkdtemp(prefix="bench-wallet-"))
    bootstrap.reconfigure(app, WALLET_JAZZCASH_SECRET=SECRET)
    key, consumers = onebill.prepare(app, 2 * args.bills)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    bank = onebill.Bank(base, key)
    amounts = {c: int(bank.amount_due(c).lstrip("+")) for c in consumers}
    wallet_bills, bank_bills = consumers[: args.bills], consumers[args.bills :]
    references = add_checkouts(app, wallet_bills, amounts)
    sender = Sender(base, key)
    wallet_sends = [webhook(references[c], amounts[c]) for c in wallet_bills] * args.replays
    bank_sends = [bill_payment(c, amounts[c], n) for n, c in enumerate(bank_bills)] * args.replays
    result = {
        "wallet_webhook": run(sender, wallet_sends, args.concurrency),
        "onebill_bill_payment": run(sender, bank_sends, args.concurrency),
        **onebill.check(app, consumers),
    }
    server.shutdown()
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
