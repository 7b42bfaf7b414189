"""Owner resolution: ask the registry who owns the plate, freeze the answer, or wait and retry."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from echallan.audit import operations as audit
from echallan.challans.events import EventStatus, OwnerSnapshot, ViolationEvent
from echallan.core.extensions import db
from integrations.registry import RegistryUnavailable, VehicleNotFound, VehicleRegistry
from integrations.registry.schemas import dump_vehicle
from rules.errors import InvalidInput

log = logging.getLogger(__name__)

# Seconds before the n-th retry of a look-up that found the registry unavailable; the last
# value repeats. A ten-minute outage is retried about six times, never given up on.
RETRY_SCHEDULE_S = (15, 30, 60, 120, 300)


@dataclass(frozen=True)
class LookupOutcome:
    """What the registry said: `found`, `not_found` or `unavailable` (with a reason)."""

    kind: str
    snapshot: OwnerSnapshot | None = None
    reason: str = ""


def look_up_owner(
    event: ViolationEvent, plate: str, registry: VehicleRegistry, now: datetime
) -> LookupOutcome:
    """Look the plate up; on an outage mark the event pending with its next retry time."""
    try:
        record = registry.lookup(plate)
    except RegistryUnavailable as error:
        return _wait_for_registry(event, error.reason, now)
    except (VehicleNotFound, InvalidInput) as error:
        snapshot = _freeze(event, plate, found=False, record={"detail": error.detail}, now=now)
        return LookupOutcome("not_found", snapshot, error.detail)
    snapshot = _freeze(event, plate, found=True, record=dump_vehicle(record), now=now)
    return LookupOutcome("found", snapshot)


def _freeze(
    event: ViolationEvent, plate: str, found: bool, record: dict, now: datetime
) -> OwnerSnapshot:
    """Store the registry's answer as it was, and audit it."""
    snapshot = OwnerSnapshot(
        event_id=event.id, plate=plate, found=found, record=record, fetched_at=now
    )
    db.session.add(snapshot)
    db.session.flush()
    audit.record(
        "system:registry",
        "owner.looked_up",
        event,
        plate=plate,
        found=found,
        snapshot_id=snapshot.id,
    )
    return snapshot


def _wait_for_registry(event: ViolationEvent, reason: str, now: datetime) -> LookupOutcome:
    """Park the event until the registry is back; nothing is issued on a guess."""
    delay = RETRY_SCHEDULE_S[min(event.lookup_attempts, len(RETRY_SCHEDULE_S) - 1)]
    event.lookup_attempts += 1
    event.status = EventStatus.PENDING_LOOKUP
    event.status_reason = f"registry unavailable: {reason}"
    event.next_lookup_at = now + timedelta(seconds=delay)
    log.warning("registry unavailable for event %s (%s); retry in %ss", event.id, reason, delay)
    return LookupOutcome("unavailable", reason=reason)


def due_lookups(now: datetime, limit: int = 500) -> list[int]:
    """Return the ids of events whose registry look-up is due for a retry, oldest first."""
    query = (
        sa.select(ViolationEvent.id)
        .where(ViolationEvent.status == EventStatus.PENDING_LOOKUP)
        .where(ViolationEvent.next_lookup_at <= now)
        .order_by(ViolationEvent.next_lookup_at)
        .limit(limit)
    )
    return list(db.session.scalars(query))
