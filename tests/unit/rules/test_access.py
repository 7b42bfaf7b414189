"""Session timeouts and the lockout back-off, as pure rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from rules.access import LockoutPolicy, SessionPolicy, lockout_for, session_alive

T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
POLICY = SessionPolicy(idle=timedelta(minutes=30), max_age=timedelta(hours=12))


def test_a_session_lives_until_idle_or_old() -> None:
    assert session_alive(T0, T0, T0 + timedelta(minutes=30), POLICY)
    assert not session_alive(T0, T0, T0 + timedelta(minutes=31), POLICY)
    late = T0 + timedelta(hours=12, minutes=1)
    assert not session_alive(T0, late - timedelta(minutes=1), late, POLICY)


def test_lockout_doubles_past_the_threshold_up_to_the_cap() -> None:
    policy = LockoutPolicy(threshold=3, base=timedelta(minutes=1), cap=timedelta(minutes=10))
    locks = [lockout_for(n, policy) for n in range(1, 9)]
    minutes = [None if lock is None else lock.total_seconds() / 60 for lock in locks]
    assert minutes == [None, None, 1, 2, 4, 8, 10, 10]
    assert lockout_for(10**6, policy) == timedelta(minutes=10)  # no overflow
