"""The application's clock: real UTC time, replaceable per app for time-compressed tests."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from flask import current_app, has_app_context

from echallan.core.types import utcnow


def now() -> datetime:
    """Return the current time, aware, from the app's clock (config CLOCK) or the real one."""
    clock: Callable[[], datetime] | None = (
        current_app.config.get("CLOCK") if has_app_context() else None
    )
    return clock() if clock else utcnow()
