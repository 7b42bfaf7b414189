"""The clip feature's background work."""

from __future__ import annotations

from dataclasses import dataclass

from echallan.core.jobs import Job


@dataclass(frozen=True)
class AnalyzeClip(Job):
    """Find the violations in a stored clip."""

    clip_id: int
