"""The clip feature's Celery task: analysis, inside its own unit of work (idempotent)."""

from __future__ import annotations

from typing import Any

from echallan.clips import analysis, orphans
from echallan.clips.jobs import AnalyzeClip
from echallan.core import clock, deps
from echallan.core.jobs import RETRY, celery, runs
from echallan.core.uow import unit_of_work


@runs(AnalyzeClip)
@celery.task(name="echallan.analyze_clip", **RETRY)
def analyze_clip(clip_id: int) -> str:
    """Find the violations in a stored clip (an analysed clip is left alone)."""
    with unit_of_work():  # committed first: the lease must be seen while the pipeline runs
        claim = analysis.claim_clip(deps.current(), clip_id, clock.now())
    if isinstance(claim, str):
        return claim
    with unit_of_work():
        return analysis.analyze_claimed(deps.current(), claim)


@celery.task(name="echallan.sweep_orphans", **RETRY)
def sweep_orphans() -> dict[str, Any]:
    """Remove the files killed processes left in the evidence store (audited)."""
    with unit_of_work():
        store, settings = deps.current().store, deps.current().settings
        return orphans.sweep_orphans(store, settings.orphan_grace, clock.now()).as_dict()
