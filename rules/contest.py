"""A citizen's contest: the reasons one may give, and what a decision on it may be.

An officer decides a contest three ways: `upheld` (the challan stands, payable again),
`cancelled` (it goes), or `reduced` (it stands at a lower fine: the officer accepts part of the
claim, e.g. the wrong vehicle class was charged). A reduction is an upheld challan with a new,
lower, positive fine: it reuses the lifecycle's `uphold` event, and the amount is checked here.
"""

from __future__ import annotations

from enum import StrEnum

from rules.errors import InvalidInput
from rules.lifecycle import ChallanEvent

# What a citizen may say is wrong (the page shows them in this order; "other" needs words).
REASONS = (
    "not_my_vehicle",
    "plate_misread",
    "vehicle_sold",
    "no_violation",
    "emergency",
    "wrong_vehicle_class",
    "other",
)


class ContestOutcome(StrEnum):
    """How an officer decided a contest."""

    UPHELD = "upheld"
    CANCELLED = "cancelled"
    REDUCED = "reduced"


def event_for(outcome: ContestOutcome | str) -> ChallanEvent:
    """Return the lifecycle event an outcome applies to the challan."""
    return (
        ChallanEvent.CANCEL
        if outcome_of(outcome) is ContestOutcome.CANCELLED
        else (ChallanEvent.UPHOLD)
    )


def outcome_of(value: ContestOutcome | str) -> ContestOutcome:
    """Coerce a string to an outcome, refusing unknown ones as a domain error."""
    try:
        return ContestOutcome(value)
    except ValueError:
        raise InvalidInput(
            "unknown contest outcome", errors={"outcome": [", ".join(ContestOutcome)]}
        ) from None


def check_reason(reason: str, grounds: str) -> None:
    """Refuse a reason not on the list, and "other" without the citizen's own words."""
    if reason not in REASONS:
        raise InvalidInput("choose a reason from the list", errors={"reason": list(REASONS)})
    if reason == "other" and len(grounds.strip()) < 10:
        raise InvalidInput("say what is wrong", errors={"grounds": ["at least 10 characters"]})


def check_reduction(fine_paisa: int, new_fine_paisa: int | None) -> int:
    """Return the reduced fine when it is positive and below the fine; else InvalidInput."""
    if not isinstance(new_fine_paisa, int) or not 0 < new_fine_paisa < fine_paisa:
        raise InvalidInput(
            "a reduced fine is more than zero and less than the fine",
            errors={"new_fine_paisa": [f"between 1 and {fine_paisa - 1}"]},
        )
    return new_fine_paisa
