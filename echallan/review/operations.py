"""The police review queue: open, list, claim (an expiring lock), decide, reopen."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from echallan.audit import operations as audit
from echallan.challans import operations as challans
from echallan.challans.events import EventStatus, ViolationEvent
from echallan.challans.models import Challan
from echallan.core.extensions import db
from echallan.review.models import ReviewDecision, ReviewTask
from echallan.staff.models import Role, User
from rules.errors import Conflict, InvalidInput, NotFound
from rules.lifecycle import ChallanEvent

OPEN, CLAIMED, CLOSED = "open", "claimed", "closed"
APPROVE, REJECT, CORRECT_PLATE = "approve", "reject", "correct_plate"
# a challan held after an ownership change: released (to the buyer when sold first) or cancelled
HOLD, RELEASE, CANCEL = "hold", "release", "cancel"
REJECT_REASONS = (
    "plate_unreadable",
    "plate_misread",
    "not_a_violation",
    "emergency_vehicle",
    "evidence_insufficient",
    "duplicate",
    "vehicle_mismatch",
    "camera_fault",
)


@dataclass(frozen=True)
class QueueFilter:
    """What an officer narrows the queue to."""

    reason: str | None = None
    rule: str | None = None
    camera_id: str | None = None
    assignee_id: int | None = None
    older_than_s: int | None = None
    include_closed: bool = False


def open_task(
    event: ViolationEvent,
    reasons: list[str],
    kind: str = "violation",
    challan_id: int | None = None,
) -> ReviewTask:
    """Put an event (or a contested challan) in the queue with the reasons it is there."""
    existing = db.session.scalar(
        sa.select(ReviewTask).where(ReviewTask.event_id == event.id, ReviewTask.status != CLOSED)
    )
    if existing is not None:
        return existing
    task = ReviewTask(
        event_id=event.id, challan_id=challan_id, kind=kind, reasons=list(reasons), status=OPEN
    )
    if kind == "violation":
        event.status = EventStatus.IN_REVIEW
        event.status_reason = "; ".join(reasons)
    db.session.add(task)
    db.session.flush()
    audit.record("system:issuance", "review.opened", task, event_id=event.id, reasons=reasons)
    return task


def list_tasks(
    filters: QueueFilter, now: datetime, limit: int = 50, offset: int = 0
) -> list[ReviewTask]:
    """Return queue tasks, oldest first, narrowed by the filters."""
    query = (
        sa.select(ReviewTask).join(ViolationEvent).order_by(ReviewTask.created_at, ReviewTask.id)
    )
    if not filters.include_closed:
        query = query.where(ReviewTask.status != CLOSED)
    if filters.rule:
        query = query.where(ViolationEvent.rule == filters.rule)
    if filters.camera_id:
        query = query.where(ViolationEvent.camera_id == filters.camera_id)
    if filters.assignee_id is not None:
        query = query.where(ReviewTask.claimed_by_id == filters.assignee_id)
    if filters.older_than_s is not None:
        query = query.where(ReviewTask.created_at <= now - timedelta(seconds=filters.older_than_s))
    tasks = db.session.scalars(query).all()
    if filters.reason:  # reasons are a JSON list: filter portably in Python
        tasks = [t for t in tasks if any(r.startswith(filters.reason) for r in t.reasons)]
    return tasks[offset : offset + limit]


def get_task(task_id: int) -> ReviewTask:
    """Return a task or raise NotFound."""
    task = db.session.get(ReviewTask, task_id)
    if task is None:
        raise NotFound(f"no review task {task_id}")
    return task


def claim(task: ReviewTask, user: User, now: datetime, ttl: timedelta) -> ReviewTask:
    """Lock a task for one officer for a while; someone else's live claim is a 409."""
    if task.status == CLOSED:
        raise Conflict(f"review task {task.id} is already decided")
    if _claimed_by_other(task, user, now):
        raise Conflict(
            f"review task {task.id} is claimed by someone else until {task.claim_expires_at}"
        )
    task.status = CLAIMED
    task.claimed_by_id = user.id
    task.claim_expires_at = now + ttl
    db.session.flush()  # the version column makes a concurrent claim fail at commit
    audit.record(f"user:{user.username}", "review.claimed", task, until=task.claim_expires_at)
    return task


def _claimed_by_other(task: ReviewTask, user: User, now: datetime) -> bool:
    """Tell whether another officer holds a live claim."""
    live = task.claim_expires_at is not None and task.claim_expires_at > now
    return task.status == CLAIMED and live and task.claimed_by_id != user.id


@dataclass(frozen=True)
class DecisionInput:
    """An officer's decision on a task."""

    decision: str
    reason: str | None = None
    corrected_plate: str | None = None
    note: str = ""


def decide(task: ReviewTask, user: User, choice: DecisionInput, now: datetime) -> ReviewDecision:
    """Record an officer's decision; the task must be open or claimed by this officer."""
    _check_decidable(task, user, choice, now)
    decision = ReviewDecision(
        task_id=task.id,
        event_id=task.event_id,
        decided_by_id=user.id,
        actor=f"user:{user.username}",
        decision=choice.decision,
        reasons=[r for r in (choice.reason, choice.note) if r],
        corrected_plate=choice.corrected_plate,
        decided_at=now,
    )
    task.status, task.closed_at = CLOSED, now
    db.session.add(decision)
    db.session.flush()
    audit.record(
        decision.actor,
        f"review.{choice.decision}",
        task,
        reason=choice.reason,
        corrected_plate=choice.corrected_plate,
        note=choice.note,
    )
    return decision


def _check_decidable(task: ReviewTask, user: User, choice: DecisionInput, now: datetime) -> None:
    """Refuse a decision on a closed task, someone else's claim, or with missing details."""
    if task.status == CLOSED:
        raise Conflict(f"review task {task.id} is already decided")
    if _claimed_by_other(task, user, now):
        raise Conflict(f"review task {task.id} is claimed by someone else")
    if task.kind == HOLD:
        raise Conflict(f"review task {task.id} is a hold: release or cancel it")
    if choice.decision not in (APPROVE, REJECT, CORRECT_PLATE):
        raise InvalidInput("unknown decision", errors={"decision": [choice.decision]})
    if choice.decision == REJECT and choice.reason not in REJECT_REASONS:
        raise InvalidInput(
            "a rejection needs a reason from the list",
            errors={"reason": [f"one of {', '.join(REJECT_REASONS)}"]},
        )
    if choice.decision == CORRECT_PLATE and not choice.corrected_plate:
        raise InvalidInput("a correction needs the plate", errors={"corrected_plate": ["required"]})


def reopen(task: ReviewTask, supervisor: User, reason: str, now: datetime) -> ReviewTask:
    """Let a supervisor reopen a decided task (a new task row keeps the old decision intact)."""
    if supervisor.role not in (Role.SUPERVISOR, Role.ADMIN):
        raise Conflict("only supervisors reopen decisions")
    if task.status != CLOSED:
        raise Conflict(f"review task {task.id} is not decided yet")
    event = db.session.get(ViolationEvent, task.event_id)
    new = ReviewTask(
        event_id=task.event_id,
        challan_id=task.challan_id,
        kind=task.kind,
        reasons=[f"reopened: {reason}"],
        status=OPEN,
        created_at=now,
    )
    event.status = EventStatus.IN_REVIEW
    db.session.add(new)
    db.session.flush()
    audit.record(
        f"user:{supervisor.username}", "review.reopened", new, previous_task=task.id, reason=reason
    )
    return new


def release_hold(
    task: ReviewTask, user: User | None, actor: str, note: str, now: datetime
) -> ReviewDecision:
    """Release a held challan: to its owner, or re-issued to the buyer when sold first."""
    challan = _held_challan(task, user, now)
    sale = (challan.flags or {}).get("sale") or {}
    to_buyer = bool(sale.get("sold_before_offence"))
    challans.apply_event(challan, ChallanEvent.RELEASE, actor, note=note, to_buyer=to_buyer)
    if to_buyer:
        challans.reissue_to_buyer(challan, sale, now)
    return _close_hold(task, user, actor, RELEASE, note, now)


def cancel_hold(
    task: ReviewTask, user: User | None, actor: str, note: str, now: datetime
) -> ReviewDecision:
    """Cancel a held challan (nobody owes it), with the officer's reason."""
    challan = _held_challan(task, user, now)
    challans.apply_event(challan, ChallanEvent.CANCEL, actor, note=note)
    return _close_hold(task, user, actor, CANCEL, note, now)


def _held_challan(task: ReviewTask, user: User | None, now: datetime) -> Challan:
    """Return the challan of an open hold task, or raise Conflict."""
    if task.kind != HOLD:
        raise Conflict(f"review task {task.id} is not a hold")
    if task.status == CLOSED:
        raise Conflict(f"review task {task.id} is already decided")
    if user is not None and _claimed_by_other(task, user, now):
        raise Conflict(f"review task {task.id} is claimed by someone else")
    return db.session.get_one(Challan, task.challan_id)


def _close_hold(
    task: ReviewTask, user: User | None, actor: str, what: str, note: str, now: datetime
) -> ReviewDecision:
    """Close a hold task with its decision, audited."""
    decision = ReviewDecision(
        task_id=task.id,
        event_id=task.event_id,
        decided_by_id=user.id if user else None,
        actor=actor,
        decision=what,
        reasons=[note] if note else [],
        decided_at=now,
    )
    task.status, task.closed_at = CLOSED, now
    db.session.add(decision)
    db.session.flush()
    audit.record(actor, f"review.{what}", task, challan_id=task.challan_id, note=note)
    return decision


def decisions_for(event_id: int) -> list[ReviewDecision]:
    """Return every decision taken on an event, oldest first."""
    query = sa.select(ReviewDecision).where(ReviewDecision.event_id == event_id)
    return list(db.session.scalars(query.order_by(ReviewDecision.decided_at, ReviewDecision.id)))


def recent_decisions(limit: int, offset: int) -> list[ReviewDecision]:
    """Return every officer's and the machine's decisions, newest first."""
    query = sa.select(ReviewDecision).order_by(
        ReviewDecision.decided_at.desc(), ReviewDecision.id.desc()
    )
    return list(db.session.scalars(query.limit(limit).offset(offset)))
