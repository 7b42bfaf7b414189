"""The payments feature's background work: paying one refund out as soon as it is committed."""

from __future__ import annotations

from dataclasses import dataclass

from echallan.core.jobs import Job


@dataclass(frozen=True)
class PayOutRefund(Job):
    """Pay one refund back on its rail (the wallet sweep is the safety net if this is lost)."""

    refund_id: int
