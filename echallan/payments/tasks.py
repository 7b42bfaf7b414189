"""Celery tasks for money: one refund paid out after its commit; the wallet sweep (beat).

The sweep (SWEEP_WALLETS_PERIOD_S) reconciles pending checkouts and pays out any refund whose
own job was lost.
"""

from __future__ import annotations

from typing import Any

from echallan.core import clock, deps
from echallan.core.jobs import RETRY, celery, runs
from echallan.core.uow import unit_of_work
from echallan.payments import refunds, wallet
from echallan.payments.jobs import PayOutRefund


@celery.task(name="echallan.sweep_wallets")
def sweep_wallets() -> dict[str, Any]:
    """Ask providers about stale pending checkouts and pay out pending refunds."""
    with unit_of_work():
        return wallet.sweep_wallets(deps.current(), clock.now())


@runs(PayOutRefund)
@celery.task(name="echallan.pay_out_refund", **RETRY)
def pay_out_refund(refund_id: int) -> str:
    """Pay one refund out (a refund already paid or being paid is left alone)."""
    with unit_of_work():
        return refunds.pay_out_refund(deps.current(), refund_id, clock.now())
