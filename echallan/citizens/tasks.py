"""The citizens feature's Celery task: sweeping contest uploads whose row never committed."""

from __future__ import annotations

from typing import Any

from echallan.citizens import orphans
from echallan.core import clock, deps
from echallan.core.jobs import RETRY, celery
from echallan.core.uow import unit_of_work


@celery.task(name="echallan.sweep_contest_orphans", **RETRY)
def sweep_contest_orphans() -> dict[str, Any]:
    """Remove contest uploads no contest names, older than the grace period (audited)."""
    with unit_of_work():
        store, settings = deps.current().store, deps.current().settings
        return orphans.sweep_contest_orphans(store, settings.orphan_grace, clock.now()).as_dict()
