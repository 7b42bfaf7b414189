"""A short text summary of what the pipeline holds (for the demo and operators)."""

from __future__ import annotations

import sqlalchemy as sa

from echallan.challans.events import ViolationEvent
from echallan.challans.models import Challan, Notice
from echallan.clips.models import Clip
from echallan.core.extensions import db
from echallan.review.models import ReviewTask


def _by(column: sa.ColumnElement[str]) -> str:
    """Return 'value: count' pairs for one column."""
    rows = db.session.execute(sa.select(column, sa.func.count()).group_by(column)).all()
    return ", ".join(f"{value}: {count}" for value, count in sorted(rows)) or "none"


def summary() -> str:
    """Describe clips, violations, challans, review tasks and notices."""
    lines = [
        f"Clips: {_by(Clip.status)}",
        f"Violations by rule: {_by(ViolationEvent.rule)}",
        f"Violations by status: {_by(ViolationEvent.status)}",
        f"Challans: {_by(Challan.status)}",
        f"Review tasks: {_by(ReviewTask.status)}",
        f"Notices: {_by(Notice.status)}",
    ]
    for clip in db.session.scalars(sa.select(Clip).where(Clip.status == "failed")):
        lines.append(f"  clip {clip.sha256[:12]} failed: {clip.failure_reason}")
    for challan in db.session.scalars(sa.select(Challan).order_by(Challan.id).limit(10)):
        lines.append(
            f"  {challan.number} {challan.rule} {challan.plate} Rs {challan.fine_paisa // 100:,}"
        )
    return "\n".join(lines)
