"""A small thread-safe TTL cache: long for vehicles found, short for plates not found."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from integrations.registry.base import VehicleRecord


@dataclass(frozen=True, slots=True)
class CacheTtl:
    """How long answers stay fresh, in seconds; 0 disables that half of the cache."""

    found: float = 300.0
    not_found: float = 30.0
    max_entries: int = 10_000


# A cached "no such vehicle" answer; distinct from "nothing cached" (None).
NOT_FOUND = object()


class TtlCache:
    """Map plate keys to records (or NOT_FOUND) until their time-to-live runs out."""

    def __init__(self, ttl: CacheTtl, clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl = ttl
        self._clock = clock
        self._entries: OrderedDict[str, tuple[float, object]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> VehicleRecord | object | None:
        """Return the fresh cached answer for key, or None when there is none."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            expires, value = entry
            if self._clock() >= expires:
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return value

    def put(self, key: str, record: VehicleRecord) -> None:
        """Remember a vehicle found."""
        self._store(key, record, self._ttl.found)

    def put_not_found(self, key: str) -> None:
        """Remember, briefly, that the registry has no such plate."""
        self._store(key, NOT_FOUND, self._ttl.not_found)

    def invalidate(self, key: str) -> None:
        """Forget what is known about key (after an ownership change, say)."""
        with self._lock:
            self._entries.pop(key, None)

    def __len__(self) -> int:
        """Return the number of entries held, fresh or not yet evicted."""
        return len(self._entries)

    def _store(self, key: str, value: object, ttl: float) -> None:
        """Insert value with a time-to-live, evicting the least recently used beyond the bound."""
        if ttl <= 0 or self._ttl.max_entries <= 0:
            return
        with self._lock:
            self._entries[key] = (self._clock() + ttl, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self._ttl.max_entries:
                self._entries.popitem(last=False)
