"""Staff access as pure rules: when a session has lapsed, how long a failing account is locked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class SessionPolicy:
    """How long a staff session lives: idle (since last seen) and absolute (since sign-in)."""

    idle: timedelta = timedelta(minutes=30)
    max_age: timedelta = timedelta(hours=12)


@dataclass(frozen=True)
class LockoutPolicy:
    """After `threshold` failed sign-ins in a row an account is locked, doubling each time."""

    threshold: int = 5
    base: timedelta = timedelta(minutes=1)
    cap: timedelta = timedelta(hours=1)


def session_alive(
    created_at: datetime, last_seen_at: datetime, now: datetime, policy: SessionPolicy
) -> bool:
    """Tell whether a session is within both its idle and its absolute timeout."""
    return now - last_seen_at <= policy.idle and now - created_at <= policy.max_age


def lockout_for(failures: int, policy: LockoutPolicy) -> timedelta | None:
    """Return how long to lock after `failures` failures in a row, or None below the threshold.

    The lock doubles with each failure past the threshold (1, 2, 4... minutes by default) up to
    the cap, so guessing slows to a crawl while a user who mistyped waits a minute.
    """
    if failures < policy.threshold:
        return None
    doublings = min(failures - policy.threshold, 32)  # 2**32 minutes is past any cap
    return min(policy.base * (2**doublings), policy.cap)
