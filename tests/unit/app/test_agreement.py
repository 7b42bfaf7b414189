"""The agreement arithmetic of the supervisor's view, pinned without a database."""

from __future__ import annotations

import pytest

from echallan.review.agreement import OfficerRecord, agreement_rate, tally


def test_the_rate_is_the_share_of_decisions_not_reopened() -> None:
    assert agreement_rate(4, 1) == 0.75
    assert agreement_rate(3, 0) == 1.0
    assert agreement_rate(2, 2) == 0.0
    assert agreement_rate(3, 1) == pytest.approx(2 / 3)


def test_no_decision_has_no_rate_rather_than_a_perfect_one() -> None:
    assert agreement_rate(0, 0) is None
    assert OfficerRecord("nobody").agreement is None


def test_more_reopens_than_decisions_cannot_go_below_zero() -> None:
    assert agreement_rate(1, 3) == 0.0


def test_tally_counts_each_kind_and_its_reopens_per_officer() -> None:
    rows = [
        ("amna", "approve", False),
        ("amna", "approve", True),
        ("amna", "reject", False),
        ("amna", "correct_plate", True),
        ("bilal", "reject", False),
        ("bilal", "reopen", False),  # a supervisor's own reopen is not a call on evidence
        ("bilal", "release", False),  # nor is a hold's release
    ]
    amna, bilal = tally(rows)
    assert (amna.officer, amna.approved, amna.rejected, amna.corrected) == ("amna", 2, 1, 1)
    assert (amna.decided, amna.reopened, amna.agreement) == (4, 2, 0.5)
    assert (bilal.officer, bilal.decided, bilal.reopened, bilal.agreement) == ("bilal", 1, 0, 1.0)


def test_tally_sorts_officers_by_name() -> None:
    names = [r.officer for r in tally([("zara", "approve", 0), ("ali", "reject", 1)])]
    assert names == ["ali", "zara"]
