"""The audit feature's periodic task: anchoring the chain's head outside the database."""

from __future__ import annotations

import logging

from flask import current_app

from echallan.audit import operations as audit
from echallan.core import clock
from echallan.core.jobs import RETRY, celery
from echallan.core.uow import unit_of_work

log = logging.getLogger(__name__)


@celery.task(name="echallan.publish_audit_anchor", **RETRY)
def publish_audit_anchor() -> dict[str, object] | None:
    """Append the audit chain's head to AUDIT_ANCHOR_FILE (a repeated anchor is harmless)."""
    path = current_app.config.get("AUDIT_ANCHOR_FILE")
    if not path:
        log.warning("AUDIT_ANCHOR_FILE is not set: no audit anchor published")
        return None
    with unit_of_work():
        anchor = audit.publish_anchor(path, clock.now())
    return anchor.as_dict() if anchor else None
