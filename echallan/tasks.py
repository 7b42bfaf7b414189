"""Celery task definitions: thin wrappers that run one service inside a unit of work."""

from __future__ import annotations

import logging

from echallan.jobs import celery
from echallan.uow import unit_of_work

log = logging.getLogger(__name__)


@celery.task(name="echallan.analyze_clip", acks_late=True)
def analyze_clip(clip_id: int) -> str:
    """Find the violations in a stored clip (idempotent: an analysed clip is left alone)."""
    from echallan.services import analysis

    with unit_of_work():
        status = analysis.analyze_stored_clip(clip_id)
    return status


def register() -> None:
    """Import-time registration happens above; this makes the dependency explicit."""
