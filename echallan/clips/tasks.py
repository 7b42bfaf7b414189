"""The clip feature's Celery task: analysis, inside its own unit of work (idempotent)."""

from __future__ import annotations

from echallan.clips import analysis
from echallan.clips.jobs import AnalyzeClip
from echallan.core import deps
from echallan.core.jobs import RETRY, celery, runs
from echallan.core.uow import unit_of_work


@runs(AnalyzeClip)
@celery.task(name="echallan.analyze_clip", **RETRY)
def analyze_clip(clip_id: int) -> str:
    """Find the violations in a stored clip (an analysed clip is left alone)."""
    with unit_of_work():
        return analysis.analyze_stored_clip(deps.current(), clip_id)
