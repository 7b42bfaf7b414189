"""Periodic sweeps: find work by its state and queue it, so nothing waits on a lost message."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import sqlalchemy as sa

from echallan.audit import operations as audit
from echallan.challans import operations as challans
from echallan.challans import outbox as notices
from echallan.challans import owners
from echallan.challans.jobs import DeliverNotice, ProcessEvent
from echallan.challans.models import Challan
from echallan.clips.jobs import AnalyzeClip
from echallan.clips.models import Clip, ClipStatus
from echallan.core import jobs
from echallan.core.extensions import db
from rules import dues
from rules.lifecycle import ChallanStatus

log = logging.getLogger(__name__)
UNCLAIMED_AFTER = timedelta(seconds=60)  # config CLIP_UNCLAIMED_S for the clip-lease sweep


def run_all(now: datetime) -> dict[str, int]:
    """Run every sweep and return how much each one found."""
    return {
        "clips": requeue_stuck_clips(now),
        "lookups": requeue_due_lookups(now),
        "notices": requeue_due_notices(now),
        "dues": apply_due_dates(now),
    }


def requeue_stuck_clips(now: datetime, unclaimed_after: timedelta = UNCLAIMED_AFTER) -> int:
    """Queue analysis again for clips whose worker died (lease run out) or whose job was lost.

    A job queued twice is harmless: the second finds the clip analysed, or leased and alive.
    """
    never_claimed = sa.and_(Clip.lease_until.is_(None), Clip.received_at <= now - unclaimed_after)
    ids = db.session.scalars(
        sa.select(Clip.id)
        .where(Clip.status == ClipStatus.RECEIVED)
        .where(sa.or_(never_claimed, Clip.lease_until <= now))
    ).all()
    for clip_id in ids:
        jobs.enqueue(AnalyzeClip(clip_id))
    return len(ids)


def requeue_due_lookups(now: datetime) -> int:
    """Queue events whose registry look-up is due for a retry."""
    ids = owners.due_lookups(now)
    for event_id in ids:
        jobs.enqueue(ProcessEvent(event_id))
    return len(ids)


def requeue_due_notices(now: datetime) -> int:
    """Queue notices whose delivery is due (first try lost, or a retry after a failure)."""
    ids = notices.due_notices(now)
    for notice_id in ids:
        jobs.enqueue(DeliverNotice(notice_id))
    return len(ids)


def apply_due_dates(now: datetime) -> int:
    """End discounts, apply surcharges, mark overdue, flag escalations; idempotent by flags."""
    swept = [status.value for status in dues.SWEPT]
    changed = 0
    for challan in db.session.scalars(sa.select(Challan).where(Challan.status.in_(swept))):
        actions = dues.sweep_actions(challans.dues_of(challan), now)
        for action in actions:
            _apply(challan, action)
        changed += bool(actions)
    return changed


def _apply(challan: Challan, action: dues.Action) -> None:
    """Carry out one sweep action on a challan and audit it."""
    if action.flag is not None:
        challan.flags = {**challan.flags, action.flag.value: action.effective_on.isoformat()}
    if action.surcharge_paisa:
        challan.surcharge_paisa = action.surcharge_paisa
    if action.event is not None and challan.status != ChallanStatus.OVERDUE:
        challans.apply_event(challan, action.event, "system:sweep")
    else:
        db.session.flush()
        audit.record(
            "system:sweep",
            f"challan.{action.kind.value}",
            challan,
            effective_on=action.effective_on.isoformat(),
        )
