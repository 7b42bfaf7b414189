"""The challan feature's Celery tasks, each one operation in its own unit of work (idempotent)."""

from __future__ import annotations

from echallan.challans import delivery, issuance
from echallan.challans.jobs import DeliverNotice, ProcessEvent
from echallan.core import clock, deps
from echallan.core.jobs import RETRY, celery, runs
from echallan.core.uow import unit_of_work


@runs(ProcessEvent)
@celery.task(name="echallan.process_event", **RETRY)
def process_event(event_id: int) -> str:
    """Resolve the owner and issue, review or wait (a decided event is left alone)."""
    with unit_of_work():
        return issuance.process_event(deps.current(), event_id, clock.now())


@runs(DeliverNotice)
@celery.task(name="echallan.deliver_notice", **RETRY)
def deliver_notice(notice_id: int) -> str:
    """Deliver one outbox notice (a sent notice is left alone)."""
    with unit_of_work():
        return delivery.deliver(deps.current(), notice_id, clock.now())
