"""The challan lifecycle: every status, every event, and the only transitions the law allows.

A challan is born `pending_review` (the police must look first) or `issued` (the issuance policy
was confident). From there:

- `issued` -> `delivered` when a notice reaches the owner; both can be paid, contested, waived
  (first offence, written apology within 10 days), put on hold (sold-vehicle inquiry), cancelled,
  marked overdue by the sweep, or found to duplicate another challan for the same offence.
- `overdue` (the fine has doubled) can still be paid, with the surcharge; it can no longer be
  contested or waived: the contest window closes when the surcharge starts (a late claim that the
  vehicle was sold goes to `on_hold` for inquiry instead).
- `contested` is decided by review: `upheld` (payable again, and it can still go overdue) or
  `cancelled`. A contested challan cannot be paid: payment would be an admission while the
  contest is open, so 1Bill answers "blocked" for it.
- `on_hold` is released back to `issued` (the sweep re-derives overdue from the dates) or
  cancelled (the inquiry found the vehicle had been sold: a new challan goes to the buyer).
- `paid` can still be cancelled: a supervisor finds the challan should never have stood (wrong
  vehicle, faulty evidence), and the money goes back on the rail it came by. Nothing else happens
  to a paid challan; who may cancel it is the operation's rule (supervisors and admins).
- Terminal: `cancelled`, `waived`, `duplicate`, and `rejected`.

`rejected` is added to the statuses the brief lists: a violation that review threw out before a
challan was ever served is not the same legal fact as a served challan that was later cancelled
(the citizen was never notified, nothing is owed or refundable), and reports must tell them apart.

`approve` (an officer) and `issue` (the automatic policy) have the same effect; both exist so the
audit trail says who decided.
"""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum
from types import MappingProxyType

from rules.errors import IllegalTransition, InvalidInput


class ChallanStatus(StrEnum):
    """Where a challan stands in law."""

    PENDING_REVIEW = "pending_review"
    ISSUED = "issued"
    DELIVERED = "delivered"
    PAID = "paid"
    CONTESTED = "contested"
    UPHELD = "upheld"
    CANCELLED = "cancelled"
    OVERDUE = "overdue"
    WAIVED = "waived"
    ON_HOLD = "on_hold"
    DUPLICATE = "duplicate"
    REJECTED = "rejected"


class ChallanEvent(StrEnum):
    """Something that happens to a challan."""

    APPROVE = "approve"
    ISSUE = "issue"
    REJECT = "reject"
    DELIVER = "deliver"
    PAY = "pay"
    CONTEST = "contest"
    UPHOLD = "uphold"
    CANCEL = "cancel"
    MARK_OVERDUE = "mark_overdue"
    WAIVE = "waive"
    HOLD = "hold"
    RELEASE = "release"
    MARK_DUPLICATE = "mark_duplicate"


S = ChallanStatus
E = ChallanEvent

# What an open, served challan may undergo before its surcharge starts.
_SERVED = {
    E.PAY: S.PAID,
    E.CONTEST: S.CONTESTED,
    E.WAIVE: S.WAIVED,
    E.HOLD: S.ON_HOLD,
    E.CANCEL: S.CANCELLED,
    E.MARK_OVERDUE: S.OVERDUE,
    E.MARK_DUPLICATE: S.DUPLICATE,
}

TRANSITIONS: MappingProxyType[ChallanStatus, MappingProxyType[ChallanEvent, ChallanStatus]]
TRANSITIONS = MappingProxyType(
    {
        status: MappingProxyType(table)
        for status, table in {
            S.PENDING_REVIEW: {
                E.APPROVE: S.ISSUED,
                E.ISSUE: S.ISSUED,
                E.REJECT: S.REJECTED,
                E.MARK_DUPLICATE: S.DUPLICATE,
            },
            S.ISSUED: {E.DELIVER: S.DELIVERED, **_SERVED},
            S.DELIVERED: dict(_SERVED),
            S.OVERDUE: {E.PAY: S.PAID, E.HOLD: S.ON_HOLD, E.CANCEL: S.CANCELLED},
            S.CONTESTED: {E.UPHOLD: S.UPHELD, E.CANCEL: S.CANCELLED},
            S.UPHELD: {E.PAY: S.PAID, E.MARK_OVERDUE: S.OVERDUE, E.CANCEL: S.CANCELLED},
            S.ON_HOLD: {E.RELEASE: S.ISSUED, E.CANCEL: S.CANCELLED},
            S.PAID: {E.CANCEL: S.CANCELLED},
            S.CANCELLED: {},
            S.WAIVED: {},
            S.DUPLICATE: {},
            S.REJECTED: {},
        }.items()
    }
)

TERMINAL = frozenset(status for status, table in TRANSITIONS.items() if not table)

# Statuses in which money is owed and may be taken (1Bill "U"); contested and on-hold challans
# are owed but blocked ("B"); everything else is settled or was never owed.
PAYABLE = frozenset({S.ISSUED, S.DELIVERED, S.OVERDUE, S.UPHELD})
BLOCKED = frozenset({S.CONTESTED, S.ON_HOLD})

# The grounds on which a supervisor cancels a served or paid challan (`cancel_reason`); the
# contest and hold desks cancel through their own decisions.
CANCEL_REASONS = ("wrong_vehicle", "evidence_faulty", "plate_misread", "duplicate_offence", "other")
SUPERVISOR_CANCELLABLE = frozenset({S.ISSUED, S.DELIVERED, S.OVERDUE, S.UPHELD, S.PAID})


def cancel_reason(code: str, note: str) -> str:
    """Return the checked reason for a supervisor's cancellation (a listed code and a note)."""
    if code not in CANCEL_REASONS:
        raise InvalidInput(f"unknown cancellation reason {code!r}", allowed=list(CANCEL_REASONS))
    if len(note.strip()) < 3:
        raise InvalidInput("say why in a few words (3 characters or more)", field="note")
    return code


def transition(status: ChallanStatus | str, event: ChallanEvent | str) -> ChallanStatus:
    """Return the status after `event`, or raise IllegalTransition (409) naming both."""
    current, happening = _status(status), _event(event)
    target = TRANSITIONS[current].get(happening)
    if target is None:
        raise IllegalTransition(
            f"cannot {happening.value} a challan that is {current.value}",
            status=current.value,
            event=happening.value,
            allowed=[e.value for e in allowed_events(current)],
        )
    return target


def allowed_events(status: ChallanStatus | str) -> tuple[ChallanEvent, ...]:
    """Return the events legal from `status`, in declaration order."""
    table = TRANSITIONS[_status(status)]
    return tuple(event for event in ChallanEvent if event in table)


def is_terminal(status: ChallanStatus | str) -> bool:
    """Tell whether nothing more can happen to a challan in `status`."""
    return _status(status) in TERMINAL


def bill_status(status: ChallanStatus | str) -> str:
    """Return the 1Link 1Bill status letter: U unpaid, P paid, B blocked (not payable now)."""
    current = _status(status)
    if current in PAYABLE:
        return "U"
    return "P" if current is S.PAID else "B"


WAIVER_APOLOGY_DAYS = 10


def waiver_allowed(
    issued_on: date, apology_on: date, prior_offences: int, window_days: int = WAIVER_APOLOGY_DAYS
) -> bool:
    """Tell whether a written apology earns the first-offence waiver.

    The apology must arrive within 10 days of issue (day 10 counts) and the owner must have no
    earlier challan that stood (paid, upheld or overdue): counting those is the caller's query.
    """
    if apology_on < issued_on:
        raise InvalidInput("apology dated before the challan was issued")
    return prior_offences == 0 and apology_on <= issued_on + timedelta(days=window_days)


def _status(value: ChallanStatus | str) -> ChallanStatus:
    """Coerce a stored string to a status, refusing unknown ones as a domain error."""
    try:
        return ChallanStatus(value)
    except ValueError:
        raise InvalidInput(f"unknown challan status {value!r}", status=str(value)) from None


def _event(value: ChallanEvent | str) -> ChallanEvent:
    """Coerce a string to an event, refusing unknown ones as a domain error."""
    try:
        return ChallanEvent(value)
    except ValueError:
        raise InvalidInput(f"unknown challan event {value!r}", event=str(value)) from None
