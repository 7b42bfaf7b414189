"""A supervisor cancels a served or paid challan: a listed reason and a note, audited, once.

The contest and hold desks cancel through their own decisions; this is the path for a challan
that should never have stood (the wrong vehicle, faulty evidence), paid or not. A paid one gets
its refund on the rail the money came by, paid out right after the commit. Cancelling again
answers the first cancellation (`replay`), so a retried or doubled request changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from echallan.audit.models import AuditEntry
from echallan.challans.models import Challan
from echallan.challans.operations import apply_event, get_challan
from echallan.core.extensions import db
from echallan.payments import refunds
from rules.errors import IllegalTransition
from rules.lifecycle import SUPERVISOR_CANCELLABLE, ChallanEvent, ChallanStatus, cancel_reason

ACTION = f"challan.{ChallanEvent.CANCEL.value}"


@dataclass(frozen=True)
class Cancellation:
    """What a cancellation did: the reason, who and when, and the refunds it asked for."""

    number: str
    status: str
    was: str
    reason: str
    note: str
    cancelled_by: str
    cancelled_at: datetime | None
    refunds: list[dict[str, Any]] = field(default_factory=list)
    replay: bool = False


def cancel_challan(number: str, reason: str, note: str, actor: str, now: datetime) -> Cancellation:
    """Cancel a challan for a listed reason; refund it if it was paid; a repeat answers the first.

    The challan row is locked first (PostgreSQL; SQLite writers are serialised at BEGIN), so two
    cancellations at once are one cancellation and one replay, and one refund.
    """
    code = cancel_reason(reason, note)
    challan = _locked(get_challan(number).id)
    if challan.status == ChallanStatus.CANCELLED:
        return _replay(challan)
    if challan.status not in SUPERVISOR_CANCELLABLE:
        raise IllegalTransition(
            f"a {challan.status} challan is cancelled through its own desk, not here",
            status=challan.status,
            event=ChallanEvent.CANCEL.value,
        )
    was = challan.status
    apply_event(challan, ChallanEvent.CANCEL, actor, reason=code, note=note.strip()[:500])
    refunds.refund_if_cancelled(challan, actor, now)
    return Cancellation(
        challan.number,
        challan.status,
        was,
        code,
        note.strip()[:500],
        actor,
        now,
        refunds.refunds_for(challan),
    )


def _locked(challan_id: int) -> Challan:
    """Return the challan re-read under a row lock (a concurrent cancel waits for ours)."""
    query = sa.select(Challan).where(Challan.id == challan_id).with_for_update()
    return db.session.scalars(query.execution_options(populate_existing=True)).one()


def _replay(challan: Challan) -> Cancellation:
    """Answer the cancellation already made, from its audit entry (whichever desk made it)."""
    entry = db.session.scalar(
        sa.select(AuditEntry)
        .where(AuditEntry.entity_type == Challan.__tablename__)
        .where(AuditEntry.entity_id == str(challan.id), AuditEntry.action == ACTION)
        .order_by(AuditEntry.seq.desc())
        .limit(1)
    )
    data = entry.data if entry else {}
    return Cancellation(
        challan.number,
        challan.status,
        str(data.get("before", "")),
        str(data.get("reason", "")),
        str(data.get("note", "")),
        entry.actor if entry else "",
        entry.at if entry else None,
        refunds.refunds_for(challan),
        replay=True,
    )


def cancellation_of(number: str) -> Cancellation | None:
    """Return a cancelled challan's cancellation (read only); None while it stands."""
    challan = get_challan(number)
    return _replay(challan) if challan.status == ChallanStatus.CANCELLED else None
