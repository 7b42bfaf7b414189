"""Dues: discount, base and surcharge bands; escalation dates; the sweep's proposals."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from rules.dues import (
    ActionKind,
    AmountDue,
    Band,
    ChallanDues,
    Flag,
    add_months,
    amount_due,
    due_dates,
    sweep_actions,
)
from rules.errors import InvalidInput
from rules.lifecycle import ChallanEvent, ChallanStatus, transition

PKT = timezone(timedelta(hours=5))
ISSUED_ON = date(2026, 1, 1)
FINE = 500_000  # Rs 5,000


def challan(status: str = "issued", flags=(), fine: int = FINE, **kw) -> ChallanDues:
    """Return a challan issued on ISSUED_ON."""
    return ChallanDues(fine, ISSUED_ON, status, frozenset(flags), **kw)


def day(n: int) -> date:
    """Return day n counted from the issue date (day 0)."""
    return ISSUED_ON + timedelta(days=n)


def noon(n: int) -> datetime:
    """Return noon, Karachi time, on day n."""
    return datetime.combine(day(n), datetime.min.time(), PKT).replace(hour=12)


def test_due_dates():
    dates = due_dates(ISSUED_ON)
    assert dates.discount_until == date(2026, 1, 15)
    assert dates.surcharge_from == date(2026, 1, 23)
    assert dates.licence_suspension_on == date(2026, 4, 1)
    assert dates.cnic_block_on == date(2026, 7, 1)


@pytest.mark.parametrize(
    ("n", "amount", "band"),
    [
        (0, 250_000, Band.DISCOUNT),
        (14, 250_000, Band.DISCOUNT),
        (15, 500_000, Band.BASE),
        (21, 500_000, Band.BASE),
        (22, 1_000_000, Band.SURCHARGE),
        (400, 1_000_000, Band.SURCHARGE),
    ],
)
def test_amount_at_the_band_edges(n, amount, band):
    due = amount_due(challan(), day(n))
    assert (due.amount_paisa, due.band, due.payable) == (amount, band, True)
    assert due.amount_paisa == due.fine_paisa - due.discount_paisa + due.surcharge_paisa


def test_price_change_dates_are_announced():
    assert amount_due(challan(), day(3)).price_changes_on == day(15)
    assert amount_due(challan(), day(15)).price_changes_on == day(22)
    assert amount_due(challan(), day(22)).price_changes_on is None


def test_odd_paisa_discount_rounds_in_the_citizens_favour():
    due = amount_due(challan(fine=1_001), day(0))
    assert (due.amount_paisa, due.discount_paisa) == (500, 501)


def test_overdue_challan_costs_double():
    assert amount_due(challan("overdue"), day(30)).amount_paisa == 2 * FINE


@pytest.mark.parametrize("status", ["paid", "cancelled", "waived", "duplicate", "rejected"])
def test_closed_challans_owe_nothing(status):
    assert amount_due(challan(status), day(5)) == AmountDue(0, None, FINE, 0, 0, False, None)


@pytest.mark.parametrize("status", ["contested", "on_hold"])
def test_blocked_challans_show_the_price_but_refuse_payment(status):
    due = amount_due(challan(status), day(5))
    assert (due.amount_paisa, due.payable) == (250_000, False)


def test_restarted_clock_gives_a_fresh_discount_after_an_upheld_contest():
    upheld = challan("upheld", restarted_on=day(40))
    assert amount_due(upheld, day(41)).band is Band.DISCOUNT
    assert sweep_actions(upheld, noon(41)) == []


def test_amount_before_issue_and_bad_values_are_refused():
    with pytest.raises(InvalidInput):
        amount_due(challan(), day(-1))
    with pytest.raises(InvalidInput):
        amount_due(challan(fine=0), day(1))
    with pytest.raises(InvalidInput):
        amount_due(challan("lost"), day(1))


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2025, 8, 31), 3, date(2025, 11, 30)),
        (date(2025, 11, 30), 3, date(2026, 2, 28)),
        (date(2027, 11, 30), 3, date(2028, 2, 29)),
        (date(2025, 12, 15), 6, date(2026, 6, 15)),
    ],
)
def test_add_months_clamps_to_month_end(start, months, expected):
    assert add_months(start, months) == expected


def kinds(actions) -> list[ActionKind]:
    """Return the kinds of `actions`, in order."""
    return [a.kind for a in actions]


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (14, []),
        (15, [ActionKind.END_DISCOUNT]),
        (21, [ActionKind.END_DISCOUNT]),
        (
            22,
            [ActionKind.END_DISCOUNT, ActionKind.APPLY_SURCHARGE, ActionKind.MARK_OVERDUE],
        ),
    ],
)
def test_sweep_proposals_on_a_fresh_challan(n, expected):
    assert kinds(sweep_actions(challan(), noon(n))) == expected


def test_sweep_uses_karachi_dates():
    # 19:30 UTC on day 14 is 00:30 on day 15 in Karachi: the discount has ended there.
    late_utc = datetime.combine(day(14), datetime.min.time(), UTC).replace(hour=19, minute=30)
    assert kinds(sweep_actions(challan(), late_utc)) == [ActionKind.END_DISCOUNT]
    assert sweep_actions(challan(), late_utc - timedelta(hours=1)) == []


def test_surcharge_action_carries_one_more_fine_and_the_overdue_event():
    actions = sweep_actions(challan(), noon(22))
    surcharge = actions[1]
    assert (surcharge.flag, surcharge.surcharge_paisa) == (Flag.SURCHARGE_APPLIED, FINE)
    assert actions[2].event is ChallanEvent.MARK_OVERDUE


def test_a_long_missed_sweep_proposes_everything_in_date_order():
    actions = sweep_actions(challan("delivered"), noon(200))
    assert kinds(actions) == [
        ActionKind.END_DISCOUNT,
        ActionKind.APPLY_SURCHARGE,
        ActionKind.MARK_OVERDUE,
        ActionKind.FLAG_LICENCE_SUSPENSION,
        ActionKind.FLAG_CNIC_BLOCK,
    ]
    assert [a.effective_on for a in actions] == sorted(a.effective_on for a in actions)


def apply(dues: ChallanDues, actions) -> ChallanDues:
    """Apply the sweep's actions the way the service would: flags and lifecycle events."""
    flags, status = set(dues.flags), ChallanStatus(dues.status)
    for action in actions:
        if action.flag:
            flags.add(action.flag.value)
        if action.event:
            status = transition(status, action.event)
    return ChallanDues(dues.fine_paisa, dues.issued_on, status, frozenset(flags))


@pytest.mark.parametrize("n", [0, 15, 22, 91, 182, 365])
@pytest.mark.parametrize("status", ["issued", "delivered", "upheld"])
def test_sweep_is_idempotent(status, n):
    once = apply(challan(status), sweep_actions(challan(status), noon(n)))
    assert sweep_actions(once, noon(n)) == []


def test_sweeping_every_day_equals_sweeping_once_at_the_end():
    daily = challan()
    for n in range(0, 200):
        daily = apply(daily, sweep_actions(daily, noon(n)))
    once = apply(challan(), sweep_actions(challan(), noon(199)))
    assert daily == once
    assert set(daily.flags) == {f.value for f in Flag}
    assert daily.status is ChallanStatus.OVERDUE


def test_escalation_dates_exactly():
    flags = {Flag.DISCOUNT_ENDED, Flag.SURCHARGE_APPLIED}
    overdue = challan("overdue", flags)
    on_the_eve = datetime(2026, 3, 31, 23, 59, tzinfo=PKT)
    assert sweep_actions(overdue, on_the_eve) == []
    licence = sweep_actions(overdue, on_the_eve + timedelta(minutes=1))
    assert kinds(licence) == [ActionKind.FLAG_LICENCE_SUSPENSION]
    assert licence[0].flag is Flag.LICENCE_SUSPENSION
    cnic = sweep_actions(overdue, datetime(2026, 7, 1, 0, 0, tzinfo=PKT))
    assert kinds(cnic) == [ActionKind.FLAG_LICENCE_SUSPENSION, ActionKind.FLAG_CNIC_BLOCK]


@pytest.mark.parametrize(
    "status", ["paid", "cancelled", "waived", "duplicate", "rejected", "contested", "on_hold"]
)
def test_sweep_leaves_settled_and_paused_challans_alone(status):
    assert sweep_actions(challan(status), noon(300)) == []


def test_released_challan_with_surcharge_already_applied_is_marked_overdue_again():
    released = challan("issued", {Flag.DISCOUNT_ENDED, Flag.SURCHARGE_APPLIED})
    assert kinds(sweep_actions(released, noon(30))) == [ActionKind.MARK_OVERDUE]


def test_flags_given_as_the_challan_dict():
    dues = ChallanDues(FINE, ISSUED_ON, "overdue", {"discount_ended": True, "cnic_block": False})
    assert kinds(sweep_actions(dues, noon(30))) == [ActionKind.APPLY_SURCHARGE]


def test_naive_now_is_refused():
    with pytest.raises(InvalidInput):
        sweep_actions(challan(), datetime(2026, 2, 1))
