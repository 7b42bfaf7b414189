"""Celery task for wallets: reconciliation and refund payout (beat: SWEEP_WALLETS_PERIOD_S)."""

from __future__ import annotations

from typing import Any

from echallan.core import clock, deps
from echallan.core.jobs import celery
from echallan.core.uow import unit_of_work
from echallan.payments import wallet


@celery.task(name="echallan.sweep_wallets")
def sweep_wallets() -> dict[str, Any]:
    """Ask providers about stale pending checkouts and pay out pending refunds."""
    with unit_of_work():
        return wallet.sweep_wallets(deps.current(), clock.now())
