"""Properties of dues that must hold for every fine, issue date and day."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from rules.dues import ChallanDues, amount_due, sweep_actions
from rules.lifecycle import ChallanStatus, transition

PKT = timezone(timedelta(hours=5))
fines = st.integers(min_value=1, max_value=100_000_000)
issue_days = st.dates(min_value=date(2023, 1, 1), max_value=date(2030, 12, 31))
offsets = st.integers(min_value=0, max_value=400)


@given(fines, issue_days, offsets)
def test_price_never_falls_as_days_pass(fine, issued_on, n):
    dues = ChallanDues(fine, issued_on)
    today = amount_due(dues, issued_on + timedelta(days=n)).amount_paisa
    tomorrow = amount_due(dues, issued_on + timedelta(days=n + 1)).amount_paisa
    assert fine // 2 <= today <= tomorrow <= 2 * fine


@given(fines, issue_days, st.lists(offsets, min_size=1, max_size=8))
def test_any_sweep_schedule_ends_where_one_late_sweep_ends(fine, issued_on, days):
    """Sweeping on any set of days converges to the same state as sweeping once on the last."""

    def noon(n: int) -> datetime:
        """Return midnight, Karachi time, of day n."""
        return datetime.combine(issued_on + timedelta(days=n), datetime.min.time(), PKT)

    def apply(dues: ChallanDues, n: int) -> ChallanDues:
        """Run the sweep on day n and apply what it proposes."""
        flags, status = set(dues.flags), ChallanStatus(dues.status)
        for action in sweep_actions(dues, noon(n)):
            flags |= {action.flag.value} if action.flag else set()
            status = transition(status, action.event) if action.event else status
        return ChallanDues(fine, issued_on, status, frozenset(flags))

    swept = ChallanDues(fine, issued_on)
    for n in sorted(days):
        swept = apply(swept, n)
    assert swept == apply(ChallanDues(fine, issued_on), max(days))
    assert sweep_actions(swept, noon(max(days))) == []
