"""What a challan costs on a given day, and what the overdue sweep should do about it.

Karachi's rules (docs/DESIGN.md): 50% off when paid within 14 days, the fine doubles after 21 days,
licence suspension at 3 months and CNIC block at 6 months are escalations for other systems.
How we read them, with day 0 the local (Asia/Karachi) date the clocks start:

- discount: paid on days 0..14 inclusive (`discount_until` = day 14); the citizen pays half,
  rounded down to the paisa (any odd paisa goes to the citizen);
- base fine: days 15..21;
- surcharge: from day 22 (`surcharge_from`), the fine is doubled (surcharge = one more fine);
- licence suspension from the same day-of-month 3 calendar months later, CNIC block 6 months
  later (31 Aug + 3 months = 30 Nov: the day is clamped to the month's end), while unpaid.

The clocks start on the issue date. A contest or hold pauses the sweep (it proposes nothing while
the challan is `contested` or `on_hold`); when an upheld contest should not cost the citizen the
time review took, the service passes the decision date as `restarted_on` and the clocks run
from there.

`sweep_actions` is idempotent by construction: every action it proposes sets a flag (or moves the
status), and it proposes nothing whose flag is already set (or whose status is already reached).
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from rules.errors import InvalidInput
from rules.fines import to_karachi
from rules.lifecycle import BLOCKED, PAYABLE, ChallanEvent, ChallanStatus

DISCOUNT_DAYS = 14
SURCHARGE_AFTER_DAYS = 21
LICENCE_SUSPENSION_MONTHS = 3
CNIC_BLOCK_MONTHS = 6

# Unpaid and not paused: the only statuses the sweep acts on.
SWEPT = frozenset(PAYABLE)
# Statuses from which the sweep's mark_overdue is legal.
BECOMES_OVERDUE = frozenset({ChallanStatus.ISSUED, ChallanStatus.DELIVERED, ChallanStatus.UPHELD})


class Band(StrEnum):
    """Which price applies on a day."""

    DISCOUNT = "discount"
    BASE = "base"
    SURCHARGE = "surcharge"


class Flag(StrEnum):
    """Facts the sweep records on a challan so that it never acts twice."""

    DISCOUNT_ENDED = "discount_ended"
    SURCHARGE_APPLIED = "surcharge_applied"
    LICENCE_SUSPENSION = "licence_suspension"
    CNIC_BLOCK = "cnic_block"


class ActionKind(StrEnum):
    """What the sweep should do to one challan."""

    END_DISCOUNT = "end_discount"
    APPLY_SURCHARGE = "apply_surcharge"
    MARK_OVERDUE = "mark_overdue"
    FLAG_LICENCE_SUSPENSION = "flag_licence_suspension"
    FLAG_CNIC_BLOCK = "flag_cnic_block"


@dataclass(frozen=True)
class DueDates:
    """The dates on which a challan's price or standing changes (local dates)."""

    discount_until: date
    surcharge_from: date
    licence_suspension_on: date
    cnic_block_on: date


@dataclass(frozen=True)
class ChallanDues:
    """The values the dues rules need from a challan.

    `flags` are the sweep flags already applied: a set of names, or the challan's flags dict
    (a name counts when its value is truthy).
    """

    fine_paisa: int
    issued_on: date
    status: ChallanStatus | str = ChallanStatus.ISSUED
    flags: Iterable[str] | Mapping[str, object] = frozenset()
    restarted_on: date | None = None

    @property
    def clock_from(self) -> date:
        """Return the date the payment clocks run from."""
        return self.restarted_on or self.issued_on


@dataclass(frozen=True)
class AmountDue:
    """The price of a challan on one day; `payable` is False when payment must be refused."""

    amount_paisa: int
    band: Band | None
    fine_paisa: int
    discount_paisa: int
    surcharge_paisa: int
    payable: bool
    price_changes_on: date | None


@dataclass(frozen=True)
class Action:
    """One thing the sweep should do: set `flag` and/or apply `event`, on `effective_on`."""

    kind: ActionKind
    effective_on: date
    flag: Flag | None = None
    event: ChallanEvent | None = None
    surcharge_paisa: int = 0


def add_months(day: date, months: int) -> date:
    """Return `day` moved by whole calendar months, clamping to the target month's last day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def due_dates(issued_on: date) -> DueDates:
    """Return the discount, surcharge and escalation dates for clocks starting on `issued_on`."""
    return DueDates(
        discount_until=issued_on + timedelta(days=DISCOUNT_DAYS),
        surcharge_from=issued_on + timedelta(days=SURCHARGE_AFTER_DAYS + 1),
        licence_suspension_on=add_months(issued_on, LICENCE_SUSPENSION_MONTHS),
        cnic_block_on=add_months(issued_on, CNIC_BLOCK_MONTHS),
    )


def amount_due(challan: ChallanDues, on: date) -> AmountDue:
    """Return what the challan costs on the local date `on`."""
    _check(challan)
    if on < challan.issued_on:
        raise InvalidInput(f"{on} is before the challan was issued on {challan.issued_on}")
    status = ChallanStatus(challan.status)
    if status not in PAYABLE and status not in BLOCKED:
        return AmountDue(0, None, challan.fine_paisa, 0, 0, False, None)
    band, changes_on = _band(due_dates(challan.clock_from), on)
    return _price(challan.fine_paisa, band, status in PAYABLE, changes_on)


def sweep_actions(challan: ChallanDues, now: datetime) -> list[Action]:
    """Return what the sweep should do to `challan` at the aware instant `now`, oldest first."""
    _check(challan)
    status = ChallanStatus(challan.status)
    if status not in SWEPT:
        return []
    today, dates, done = to_karachi(now).date(), due_dates(challan.clock_from), _applied(challan)
    actions = [
        _flag_action(ActionKind.END_DISCOUNT, Flag.DISCOUNT_ENDED, dates.discount_until + _DAY),
        _surcharge(challan.fine_paisa, dates.surcharge_from),
        _flag_action(
            ActionKind.FLAG_LICENCE_SUSPENSION, Flag.LICENCE_SUSPENSION, dates.licence_suspension_on
        ),
        _flag_action(ActionKind.FLAG_CNIC_BLOCK, Flag.CNIC_BLOCK, dates.cnic_block_on),
    ]
    due = [a for a in actions if a.effective_on <= today and a.flag not in done]
    if today >= dates.surcharge_from and status in BECOMES_OVERDUE:
        due.append(Action(ActionKind.MARK_OVERDUE, dates.surcharge_from, None, _OVERDUE))
    return sorted(due, key=lambda a: (a.effective_on, _ORDER.index(a.kind)))


_DAY = timedelta(days=1)
_OVERDUE = ChallanEvent.MARK_OVERDUE
_ORDER = list(ActionKind)


def _flag_action(kind: ActionKind, flag: Flag, on: date) -> Action:
    """Return an action that only sets `flag`."""
    return Action(kind, on, flag)


def _surcharge(fine_paisa: int, on: date) -> Action:
    """Return the action that adds one more fine as surcharge."""
    return Action(ActionKind.APPLY_SURCHARGE, on, Flag.SURCHARGE_APPLIED, None, fine_paisa)


def _band(dates: DueDates, on: date) -> tuple[Band, date | None]:
    """Return the price band on `on` and the date the next band starts (None: final)."""
    if on <= dates.discount_until:
        return Band.DISCOUNT, dates.discount_until + _DAY
    if on < dates.surcharge_from:
        return Band.BASE, dates.surcharge_from
    return Band.SURCHARGE, None


def _price(fine: int, band: Band, payable: bool, changes_on: date | None) -> AmountDue:
    """Return the amount for `band`; the discount rounds in the citizen's favour."""
    if band is Band.DISCOUNT:
        half = fine // 2
        return AmountDue(half, band, fine, fine - half, 0, payable, changes_on)
    surcharge = fine if band is Band.SURCHARGE else 0
    return AmountDue(fine + surcharge, band, fine, 0, surcharge, payable, changes_on)


def _applied(challan: ChallanDues) -> frozenset[str]:
    """Return the names of the flags already applied."""
    flags = challan.flags
    if isinstance(flags, Mapping):
        return frozenset(str(name) for name, value in flags.items() if value)
    return frozenset(str(name) for name in flags)


def _check(challan: ChallanDues) -> None:
    """Refuse values no challan can have."""
    if not isinstance(challan.fine_paisa, int) or challan.fine_paisa <= 0:
        raise InvalidInput(f"fine_paisa must be a positive integer, got {challan.fine_paisa!r}")
    try:
        ChallanStatus(challan.status)
    except ValueError:
        raise InvalidInput(f"unknown challan status {challan.status!r}") from None
