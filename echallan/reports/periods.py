"""A report period as people give it: Karachi days from/to, both included."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import gettext as _

KARACHI = ZoneInfo("Asia/Karachi")
DEFAULT_DAYS = 7
MAX_DAYS = 366


def period(args: Mapping[str, str], now: datetime) -> tuple[date, date, str | None]:
    """Read the from/to dates; a bad pair falls back to the last week, with why."""
    today = now.astimezone(KARACHI).date()
    default = (today - timedelta(days=DEFAULT_DAYS - 1), today)
    try:
        start = date.fromisoformat(args.get("from") or default[0].isoformat())
        end = date.fromisoformat(args.get("to") or default[1].isoformat())
    except ValueError:
        return *default, _("Dates are written YYYY-MM-DD; showing the last 7 days.")
    if end < start or (end - start).days >= MAX_DAYS:
        return *default, _("The period must run forward, at most a year; showing the last 7 days.")
    return start, end, None


def bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """The UTC instants of Karachi midnight at `start` and after `end`."""
    lo = datetime.combine(start, time(), KARACHI).astimezone(UTC)
    hi = datetime.combine(end + timedelta(days=1), time(), KARACHI).astimezone(UTC)
    return lo, hi
