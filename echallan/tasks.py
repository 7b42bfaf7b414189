"""Celery task definitions: thin wrappers that run one service inside a unit of work.

Every task is idempotent: each service checks the state it would change before changing it, so
a message delivered twice (late acknowledgement after a worker died) changes nothing the
second time.
"""

from __future__ import annotations

import logging

from sqlalchemy.exc import OperationalError

from echallan.core.clock import now
from echallan.core.jobs import celery
from echallan.core.uow import unit_of_work

log = logging.getLogger(__name__)

# A busy or briefly unreachable database is worth retrying with backoff; anything else is a bug
# the task's service already turned into a state (a failed clip, a notice to retry).
RETRY = {
    "autoretry_for": (OperationalError,),
    "retry_backoff": 2,
    "retry_backoff_max": 60,
    "retry_jitter": True,
    "max_retries": 8,
}


@celery.task(name="echallan.analyze_clip", **RETRY)
def analyze_clip(clip_id: int) -> str:
    """Find the violations in a stored clip (an analysed clip is left alone)."""
    from echallan.clips import analysis

    with unit_of_work():
        return analysis.analyze_stored_clip(clip_id)


@celery.task(name="echallan.process_event", **RETRY)
def process_event(event_id: int) -> str:
    """Resolve the owner and issue, review or wait (a decided event is left alone)."""
    from echallan.challans import issuance as violations

    with unit_of_work():
        return violations.process_event(event_id, now())


@celery.task(name="echallan.deliver_notice", **RETRY)
def deliver_notice(notice_id: int) -> str:
    """Deliver one outbox notice (a sent notice is left alone)."""
    from echallan.challans import delivery

    with unit_of_work():
        return delivery.deliver(notice_id, now())


@celery.task(name="echallan.sweep", **RETRY)
def sweep() -> dict[str, int]:
    """Run the periodic sweeps: stuck clips, registry retries, due notices, overdue challans."""
    from echallan import sweeps

    with unit_of_work():
        return sweeps.run_all(now())


@celery.task(name="echallan.publish_audit_anchor", **RETRY)
def publish_audit_anchor() -> dict[str, object] | None:
    """Append the audit chain's head to AUDIT_ANCHOR_FILE (a repeated anchor is harmless)."""
    from flask import current_app

    from echallan.audit import operations as audit

    path = current_app.config.get("AUDIT_ANCHOR_FILE")
    if not path:
        log.warning("AUDIT_ANCHOR_FILE is not set: no audit anchor published")
        return None
    with unit_of_work():
        anchor = audit.publish_anchor(path, now())
    return anchor.as_dict() if anchor else None


def register() -> None:
    """Import-time registration happens above; this makes the dependency explicit."""
