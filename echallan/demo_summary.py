"""A short text summary of what the pipeline holds (for the demo and operators)."""

from __future__ import annotations

import sqlalchemy as sa

from echallan.challans.events import ViolationEvent
from echallan.challans.models import Challan, Notice
from echallan.clips.models import Clip
from echallan.core.extensions import db
from echallan.review.models import ReviewTask


def _counts(column: sa.ColumnElement[str]) -> dict[str, int]:
    """Return how many rows hold each value of one column."""
    rows = db.session.execute(sa.select(column, sa.func.count()).group_by(column)).all()
    return {str(value): count for value, count in sorted(rows)}


def _by(counts: dict[str, int]) -> str:
    """Return 'value: count' pairs."""
    return ", ".join(f"{value}: {count}" for value, count in counts.items()) or "none"


def facts() -> dict:
    """Return the counts, failed clips and first challans that `summary` describes."""
    failed = db.session.scalars(sa.select(Clip).where(Clip.status == "failed"))
    challans = db.session.scalars(sa.select(Challan).order_by(Challan.id).limit(10))
    return {
        "clips": _counts(Clip.status),
        "violations_by_rule": _counts(ViolationEvent.rule),
        "violations_by_status": _counts(ViolationEvent.status),
        "challans": _counts(Challan.status),
        "review_tasks": _counts(ReviewTask.status),
        "notices": _counts(Notice.status),
        "failed_clips": [{"sha256": c.sha256, "reason": c.failure_reason} for c in failed],
        "first_challans": [
            {"number": c.number, "rule": c.rule, "plate": c.plate, "fine_paisa": c.fine_paisa}
            for c in challans
        ],
    }


def summary(found: dict | None = None) -> str:
    """Describe clips, violations, challans, review tasks and notices."""
    f = found or facts()
    lines = [
        f"Clips: {_by(f['clips'])}",
        f"Violations by rule: {_by(f['violations_by_rule'])}",
        f"Violations by status: {_by(f['violations_by_status'])}",
        f"Challans: {_by(f['challans'])}",
        f"Review tasks: {_by(f['review_tasks'])}",
        f"Notices: {_by(f['notices'])}",
    ]
    for clip in f["failed_clips"]:
        lines.append(f"  clip {clip['sha256'][:12]} failed: {clip['reason']}")
    for c in f["first_challans"]:
        lines.append(f"  {c['number']} {c['rule']} {c['plate']} Rs {c['fine_paisa'] // 100:,}")
    return "\n".join(lines)
