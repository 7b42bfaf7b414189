"""The cross-feature periodic task: the pipeline sweep (stuck clips, retries, dues)."""

from __future__ import annotations

from echallan import sweeps
from echallan.core import clock, deps
from echallan.core.jobs import RETRY, celery
from echallan.core.uow import unit_of_work


@celery.task(name="echallan.sweep", **RETRY)
def sweep() -> dict[str, int]:
    """Run the periodic sweeps: stuck clips, registry retries, due notices, overdue challans."""
    with unit_of_work():
        return sweeps.run_all(clock.now())


@celery.task(name="echallan.sweep_clips", **RETRY)
def sweep_clips() -> int:
    """Queue again the clips whose analysing worker died or whose job was lost."""
    with unit_of_work():
        unclaimed = deps.current().settings.clip_unclaimed
        return sweeps.requeue_stuck_clips(clock.now(), unclaimed)
