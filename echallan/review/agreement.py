"""The supervisor's questions about review decisions: who decided what, and how often it held.

An officer's agreement rate is the share of their decisions (approve, reject, correct the plate)
that no supervisor later reopened: a rate the supervisor reads beside the counts, never a score
the machine acts on. The arithmetic is a pure function (`tally`), tested without a database.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from echallan.challans.models import Challan
from echallan.core.extensions import db
from echallan.review import operations as review
from echallan.review.models import ReviewDecision, ReviewTask
from echallan.staff.models import User
from rules.errors import Conflict, InvalidInput, NotFound

# The decisions an officer takes on a case and a supervisor may reopen.
OFFICER_DECISIONS = (review.APPROVE, review.REJECT, review.CORRECT_PLATE)
COUNTED = {review.APPROVE: "approved", review.REJECT: "rejected", review.CORRECT_PLATE: "corrected"}
MAX_REASON = 500


@dataclass(frozen=True)
class DecisionFilter:
    """What the supervisor narrows the decisions to: one officer, a period [since, until)."""

    officer: str | None = None
    since: datetime | None = None
    until: datetime | None = None


@dataclass
class OfficerRecord:
    """One officer's decisions by kind, how many were reopened, and the rate that held."""

    officer: str
    approved: int = 0
    rejected: int = 0
    corrected: int = 0
    reopened: int = 0

    @property
    def decided(self) -> int:
        """Count the decisions that enter the rate."""
        return self.approved + self.rejected + self.corrected

    @property
    def agreement(self) -> float | None:
        """Return the share of decisions not reopened (None before the first decision)."""
        return agreement_rate(self.decided, self.reopened)


def agreement_rate(decided: int, reopened: int) -> float | None:
    """Return (decided - reopened) / decided, or None when nothing was decided."""
    if decided <= 0:
        return None
    return (decided - min(reopened, decided)) / decided


def tally(rows: Iterable[tuple[str, str, bool]]) -> list[OfficerRecord]:
    """Count (officer, decision, was_reopened) rows per officer, sorted by name."""
    records: dict[str, OfficerRecord] = {}
    for officer, decision, was_reopened in rows:
        if decision not in COUNTED:
            continue  # a reopen, a hold's release: not a call on the evidence
        record = records.setdefault(officer, OfficerRecord(officer))
        setattr(record, COUNTED[decision], getattr(record, COUNTED[decision]) + 1)
        record.reopened += int(bool(was_reopened))
    return [records[name] for name in sorted(records)]


@dataclass(frozen=True)
class DecisionRow:
    """A decision as the supervisor sees it: who, when, why, what came of it, reopenable."""

    id: int
    task_id: int | None
    event_id: int
    actor: str
    decision: str
    reasons: list[str]
    corrected_plate: str | None
    decided_at: datetime
    outcome: str
    reopenable: bool = False
    # The challan the decision's event led to, if any: the supervisor may cancel it from here.
    challan_number: str | None = None


def _reopened():  # noqa: ANN202
    """An SQL test: a supervisor reopened the task of the outer decision."""
    reopen = aliased(ReviewDecision)
    return (
        sa.select(reopen.id)
        .where(reopen.task_id == ReviewDecision.task_id, reopen.decision == review.REOPEN)
        .exists()
    )


def _filtered(query: sa.Select, filters: DecisionFilter) -> sa.Select:
    """Narrow a query over ReviewDecision by officer and period."""
    if filters.officer:
        query = query.join(User, User.id == ReviewDecision.decided_by_id).where(
            User.username == filters.officer
        )
    if filters.since is not None:
        query = query.where(ReviewDecision.decided_at >= filters.since)
    if filters.until is not None:
        query = query.where(ReviewDecision.decided_at < filters.until)
    return query


def list_decisions(
    filters: DecisionFilter, limit: int, offset: int
) -> tuple[list[DecisionRow], int]:
    """Return one page of decisions, newest first, and how many match in all."""
    query = _filtered(sa.select(ReviewDecision), filters)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    page = query.order_by(ReviewDecision.decided_at.desc(), ReviewDecision.id.desc())
    rows = db.session.scalars(page.limit(limit).offset(offset)).all()
    numbers = _challan_numbers({decision.event_id for decision in rows})
    return [_row(decision, numbers.get(decision.event_id)) for decision in rows], total


def _challan_numbers(event_ids: set[int]) -> dict[int, str]:
    """Return the challan number of each of these events that has one (one query a page)."""
    if not event_ids:
        return {}
    query = sa.select(Challan.event_id, Challan.number).where(Challan.event_id.in_(event_ids))
    return {event_id: number for event_id, number in db.session.execute(query)}


def _row(decision: ReviewDecision, challan_number: str | None) -> DecisionRow:
    """Describe one decision with its outcome and whether it may be reopened now."""
    outcome = review.outcome_of(decision)
    reopenable = (
        decision.decision in OFFICER_DECISIONS
        and decision.task_id is not None
        and outcome != "reopened"
    )
    return DecisionRow(
        id=decision.id,
        task_id=decision.task_id,
        event_id=decision.event_id,
        actor=decision.actor,
        decision=decision.decision,
        reasons=list(decision.reasons or []),
        corrected_plate=decision.corrected_plate,
        decided_at=decision.decided_at,
        outcome=outcome,
        reopenable=reopenable,
        challan_number=challan_number,
    )


def officer_records(filters: DecisionFilter) -> list[OfficerRecord]:
    """Count each officer's decisions in the filter and how many were later reopened."""
    query = (
        sa.select(User.username, ReviewDecision.decision, _reopened())
        .select_from(ReviewDecision)
        .join(User, User.id == ReviewDecision.decided_by_id)
        .where(ReviewDecision.decision.in_(OFFICER_DECISIONS))
    )
    if filters.officer:
        query = query.where(User.username == filters.officer)
    query = _filtered(query, DecisionFilter(None, filters.since, filters.until))
    return tally(db.session.execute(query).all())


def deciders() -> list[str]:
    """Return the usernames of everyone who has taken a decision, for the officer filter."""
    query = (
        sa.select(User.username)
        .join(ReviewDecision, ReviewDecision.decided_by_id == User.id)
        .distinct()
        .order_by(User.username)
    )
    return list(db.session.scalars(query))


def reopen_decision(decision_id: int, supervisor: User, reason: str, now: datetime) -> ReviewTask:
    """Reopen the task an officer decided, once, with the supervisor's reason (audited)."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("a reopen needs its reason", errors={"reason": ["required"]})
    if len(reason) > MAX_REASON:
        raise InvalidInput(
            f"the reason may have at most {MAX_REASON} characters", errors={"reason": ["long"]}
        )
    decision = db.session.get(ReviewDecision, decision_id)
    if decision is None:
        raise NotFound(f"no decision {decision_id}")
    if decision.decision not in OFFICER_DECISIONS or decision.task_id is None:
        raise Conflict(f"decision {decision_id} is not an officer's call on a case")
    if review.outcome_of(decision) == "reopened":
        # The old task stays closed after a reopen: a second one would queue the case twice.
        raise Conflict(f"decision {decision_id} has been reopened already")
    return review.reopen(review.get_task(decision.task_id), supervisor, reason, now)
