"""A circuit breaker (closed, open, half-open) with an injectable clock.

pybreaker was considered: it reads `datetime.now()` directly (tests would have to sleep) and lets
every caller through in half-open; here half-open admits exactly one probe at a time.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from enum import StrEnum

log = logging.getLogger(__name__)


class BreakerState(StrEnum):
    """Where the breaker stands."""

    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half-open"


class CircuitBreaker:
    """Stop calling a failing dependency for a while, then probe it with one call."""

    def __init__(
        self,
        failure_threshold: int = 5,
        reset_timeout: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
        name: str = "registry",
    ) -> None:
        if failure_threshold < 1 or reset_timeout <= 0:
            raise ValueError("failure_threshold must be >= 1 and reset_timeout > 0")
        self.failure_threshold = failure_threshold
        self.reset_timeout = reset_timeout
        self.name = name
        self._clock = clock
        self._lock = threading.Lock()
        self._state = BreakerState.CLOSED
        self._failures = 0
        self._since = clock()

    @property
    def state(self) -> BreakerState:
        """Return the current state (an open breaker past its timeout still reads open)."""
        return self._state

    def allow(self) -> bool:
        """Tell whether a call may go out now; in half-open only one probe is admitted."""
        with self._lock:
            if self._state is BreakerState.CLOSED:
                return True
            if self._clock() - self._since < self.reset_timeout:
                return False
            # Open long enough, or a half-open probe that never reported back: admit one probe.
            self._move(BreakerState.HALF_OPEN)
            return True

    def record_success(self) -> None:
        """Note a call that got a usable answer; a successful probe closes the breaker."""
        with self._lock:
            self._failures = 0
            if self._state is not BreakerState.CLOSED:
                self._move(BreakerState.CLOSED)

    def record_failure(self) -> None:
        """Note a failed call; enough in a row (or a failed probe) open the breaker."""
        with self._lock:
            self._failures += 1
            if self._state is BreakerState.HALF_OPEN or self._failures >= self.failure_threshold:
                self._move(BreakerState.OPEN)

    def _move(self, state: BreakerState) -> None:
        """Change state, restart its timer and log the transition."""
        if state is not self._state:
            log.warning("circuit %s: %s -> %s", self.name, self._state, state)
        self._state = state
        self._since = self._clock()
        if state is BreakerState.CLOSED:
            self._failures = 0
