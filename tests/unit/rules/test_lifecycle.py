"""The challan state machine: every (status, event) pair, legal or not, is checked."""

from __future__ import annotations

import itertools
from datetime import date

import pytest

from rules.errors import Conflict, IllegalTransition, InvalidInput
from rules.lifecycle import (
    SUPERVISOR_CANCELLABLE,
    TERMINAL,
    ChallanEvent,
    ChallanStatus,
    allowed_events,
    bill_status,
    cancel_reason,
    is_terminal,
    transition,
    waiver_allowed,
)

S, E = ChallanStatus, ChallanEvent

# The law, written out independently of the module's table so that a slip in either shows.
LEGAL = {
    (S.PENDING_REVIEW, E.APPROVE): S.ISSUED,
    (S.PENDING_REVIEW, E.ISSUE): S.ISSUED,
    (S.PENDING_REVIEW, E.REJECT): S.REJECTED,
    (S.PENDING_REVIEW, E.MARK_DUPLICATE): S.DUPLICATE,
    (S.ISSUED, E.DELIVER): S.DELIVERED,
    (S.ISSUED, E.PAY): S.PAID,
    (S.ISSUED, E.CONTEST): S.CONTESTED,
    (S.ISSUED, E.WAIVE): S.WAIVED,
    (S.ISSUED, E.HOLD): S.ON_HOLD,
    (S.ISSUED, E.CANCEL): S.CANCELLED,
    (S.ISSUED, E.MARK_OVERDUE): S.OVERDUE,
    (S.ISSUED, E.MARK_DUPLICATE): S.DUPLICATE,
    (S.DELIVERED, E.PAY): S.PAID,
    (S.DELIVERED, E.CONTEST): S.CONTESTED,
    (S.DELIVERED, E.WAIVE): S.WAIVED,
    (S.DELIVERED, E.HOLD): S.ON_HOLD,
    (S.DELIVERED, E.CANCEL): S.CANCELLED,
    (S.DELIVERED, E.MARK_OVERDUE): S.OVERDUE,
    (S.DELIVERED, E.MARK_DUPLICATE): S.DUPLICATE,
    (S.OVERDUE, E.PAY): S.PAID,
    (S.OVERDUE, E.HOLD): S.ON_HOLD,
    (S.OVERDUE, E.CANCEL): S.CANCELLED,
    (S.CONTESTED, E.UPHOLD): S.UPHELD,
    (S.CONTESTED, E.CANCEL): S.CANCELLED,
    (S.UPHELD, E.PAY): S.PAID,
    (S.UPHELD, E.MARK_OVERDUE): S.OVERDUE,
    (S.UPHELD, E.CANCEL): S.CANCELLED,
    (S.ON_HOLD, E.RELEASE): S.ISSUED,
    (S.ON_HOLD, E.CANCEL): S.CANCELLED,
    (S.PAID, E.CANCEL): S.CANCELLED,  # a supervisor's cancellation; the money is refunded
}
ALL_PAIRS = list(itertools.product(ChallanStatus, ChallanEvent))
ILLEGAL = [pair for pair in ALL_PAIRS if pair not in LEGAL]


def _id(pair: tuple[ChallanStatus, ChallanEvent]) -> str:
    """Name a parametrised case after its status and event."""
    return f"{pair[0].value}-{pair[1].value}"


@pytest.mark.parametrize("pair", list(LEGAL), ids=_id)
def test_legal_transition_reaches_expected_status(pair):
    status, event = pair
    assert transition(status, event) is LEGAL[pair]
    assert transition(status.value, event.value) is LEGAL[pair]


@pytest.mark.parametrize("pair", ILLEGAL, ids=_id)
def test_illegal_transition_is_a_conflict_naming_status_and_event(pair):
    status, event = pair
    with pytest.raises(IllegalTransition) as caught:
        transition(status, event)
    error = caught.value
    assert isinstance(error, Conflict)
    assert status.value in error.detail and event.value in error.detail
    assert error.extra["status"] == status.value and error.extra["event"] == event.value


def test_every_pair_is_classified():
    assert len(LEGAL) + len(ILLEGAL) == len(ChallanStatus) * len(ChallanEvent)
    assert len(ILLEGAL) > len(LEGAL)


@pytest.mark.parametrize("status", list(ChallanStatus), ids=lambda s: s.value)
def test_allowed_events_match_the_table(status):
    expected = {event for (s, event) in LEGAL if s is status}
    assert set(allowed_events(status)) == expected
    assert is_terminal(status) == (not expected)


def test_terminal_states():
    assert {S.CANCELLED, S.WAIVED, S.DUPLICATE, S.REJECTED} == TERMINAL


def test_paying_an_overdue_challan_is_legal_but_contesting_it_is_not():
    assert transition(S.OVERDUE, E.PAY) is S.PAID
    with pytest.raises(IllegalTransition):
        transition(S.OVERDUE, E.CONTEST)


def test_no_contest_after_payment_and_no_payment_during_contest():
    with pytest.raises(IllegalTransition, match="cannot contest a challan that is paid"):
        transition(S.PAID, E.CONTEST)
    with pytest.raises(IllegalTransition, match="cannot pay a challan that is contested"):
        transition(S.CONTESTED, E.PAY)


def test_upheld_contest_makes_the_challan_payable_and_sweepable_again():
    status = S.ISSUED
    for event in (E.CONTEST, E.UPHOLD, E.MARK_OVERDUE, E.PAY):
        status = transition(status, event)
    assert status is S.PAID


def test_illegal_transition_lists_what_is_allowed():
    with pytest.raises(IllegalTransition) as caught:
        transition(S.CONTESTED, E.WAIVE)
    assert caught.value.extra["allowed"] == ["uphold", "cancel"]


@pytest.mark.parametrize(("status", "event"), [("bogus", "pay"), ("issued", "bogus"), ("", "pay")])
def test_unknown_names_are_invalid_input(status, event):
    with pytest.raises(InvalidInput):
        transition(status, event)


@pytest.mark.parametrize(
    ("status", "letter"),
    [(S.ISSUED, "U"), (S.DELIVERED, "U"), (S.OVERDUE, "U"), (S.UPHELD, "U"), (S.PAID, "P")]
    + [(s, "B") for s in (S.CONTESTED, S.ON_HOLD, S.PENDING_REVIEW, S.CANCELLED, S.WAIVED)]
    + [(S.DUPLICATE, "B"), (S.REJECTED, "B")],
)
def test_bill_status_letters(status, letter):
    assert bill_status(status) == letter


@pytest.mark.parametrize(
    ("apology_on", "prior", "allowed"),
    [
        (date(2026, 1, 1), 0, True),
        (date(2026, 1, 11), 0, True),
        (date(2026, 1, 12), 0, False),
        (date(2026, 1, 5), 1, False),
    ],
)
def test_waiver_needs_first_offence_and_apology_within_ten_days(apology_on, prior, allowed):
    assert waiver_allowed(date(2026, 1, 1), apology_on, prior) is allowed


def test_waiver_rejects_apology_before_issue():
    with pytest.raises(InvalidInput):
        waiver_allowed(date(2026, 1, 10), date(2026, 1, 9), 0)


def test_a_supervisor_cancellation_needs_a_listed_reason_and_a_note():
    assert cancel_reason("wrong_vehicle", "plate belongs to a rickshaw") == "wrong_vehicle"
    with pytest.raises(InvalidInput):
        cancel_reason("felt_like_it", "no reason at all")
    with pytest.raises(InvalidInput):
        cancel_reason("evidence_faulty", "  ")
    assert S.PAID in SUPERVISOR_CANCELLABLE and S.CONTESTED not in SUPERVISOR_CANCELLABLE
