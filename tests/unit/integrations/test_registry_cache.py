"""The TTL cache: positive and negative lifetimes, bound, invalidation."""

from __future__ import annotations

from integrations.registry.cache import NOT_FOUND, CacheTtl, TtlCache
from tests.unit.integrations.records import FakeClock, make_record


def test_found_records_live_for_their_ttl() -> None:
    clock = FakeClock()
    cache = TtlCache(CacheTtl(found=60, not_found=5), clock)
    record = make_record()
    cache.put("ASF813", record)
    clock.advance(59.9)
    assert cache.get("ASF813") is record
    clock.advance(0.1)
    assert cache.get("ASF813") is None


def test_not_found_answers_live_for_the_shorter_ttl() -> None:
    clock = FakeClock()
    cache = TtlCache(CacheTtl(found=60, not_found=5), clock)
    cache.put_not_found("ZZZ999")
    assert cache.get("ZZZ999") is NOT_FOUND
    clock.advance(5)
    assert cache.get("ZZZ999") is None


def test_least_recently_used_is_evicted_past_the_bound() -> None:
    cache = TtlCache(CacheTtl(max_entries=2), FakeClock())
    cache.put("A1", make_record(registration_number="A-1"))
    cache.put("B2", make_record(registration_number="B-2"))
    assert cache.get("A1") is not None  # A1 is now the most recently used
    cache.put("C3", make_record(registration_number="C-3"))
    assert cache.get("B2") is None
    assert cache.get("A1") is not None and cache.get("C3") is not None
    assert len(cache) == 2


def test_zero_ttl_disables_that_half() -> None:
    cache = TtlCache(CacheTtl(found=60, not_found=0), FakeClock())
    cache.put_not_found("ZZZ999")
    assert cache.get("ZZZ999") is None


def test_invalidate_forgets_a_plate() -> None:
    cache = TtlCache(CacheTtl(), FakeClock())
    cache.put("ASF813", make_record())
    cache.invalidate("ASF813")
    cache.invalidate("NEVER1")
    assert cache.get("ASF813") is None
