"""Issuing challans: one offence, one challan; fine, numbers and dates by the rules."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import sqlalchemy as sa

from echallan.audit import operations as audit
from echallan.challans import outbox as notices
from echallan.challans.events import EventStatus, OwnerSnapshot, ViolationEvent
from echallan.challans.models import Challan
from echallan.core.deps import Settings
from echallan.core.extensions import db
from echallan.core.sequences import next_value
from rules import dues, fines, numbers
from rules.errors import Conflict, NotFound
from rules.issuance import OffenceRef, is_duplicate
from rules.lifecycle import ChallanEvent, ChallanStatus, transition

log = logging.getLogger(__name__)


def get_challan(number: str) -> Challan:
    """Return the challan with this number or raise NotFound."""
    numbers.parse_challan_number(number)
    challan = db.session.scalar(sa.select(Challan).where(Challan.number == number))
    if challan is None:
        raise NotFound(f"no challan {number}")
    return challan


def find_duplicate(event: ViolationEvent, plate: str, window: timedelta) -> Challan | None:
    """Return a challan for the same vehicle, rule and camera within the duplicate window.

    The query only narrows the candidates; `rules.issuance.is_duplicate` decides.
    """
    rows = db.session.execute(
        sa.select(Challan, ViolationEvent.camera_id)
        .join(ViolationEvent, Challan.event_id == ViolationEvent.id)
        .where(Challan.rule == event.rule, ViolationEvent.camera_id == event.camera_id)
        .where(Challan.occurred_at.between(event.occurred_at - window, event.occurred_at + window))
    )
    earlier = [OffenceRef(c.plate, c.rule, camera, c.occurred_at, ref=c) for c, camera in rows]
    new = OffenceRef(plate, event.rule, event.camera_id, event.occurred_at)
    found = is_duplicate(new, earlier, window)
    return found.ref if found else None


def issue_challan(
    settings: Settings,
    event: ViolationEvent,
    snapshot: OwnerSnapshot,
    actor: str,
    how: ChallanEvent,
    now: datetime,
) -> Challan:
    """Issue the challan for an event (or link it to the one it duplicates); idempotent."""
    existing = db.session.scalar(sa.select(Challan).where(Challan.event_id == event.id))
    if existing is not None:
        return existing
    if not snapshot.found:
        raise Conflict("cannot issue without a registered owner; correct the plate or reject")
    duplicate = find_duplicate(event, snapshot.plate, settings.duplicate_window)
    if duplicate is not None:
        return link_duplicate(event, duplicate, actor)
    challan = _new_challan(settings, event, snapshot, how, now)
    db.session.add(challan)
    event.status, event.status_reason = EventStatus.ISSUED, None
    db.session.flush()
    audit.record(
        actor,
        "challan.issued",
        challan,
        number=challan.number,
        event_id=event.id,
        fine_paisa=challan.fine_paisa,
        schedule=challan.schedule_version,
        plate=challan.plate,
    )
    notices.queue_for(challan, now)
    return challan


def _new_challan(
    settings: Settings,
    event: ViolationEvent,
    snapshot: OwnerSnapshot,
    how: ChallanEvent,
    now: datetime,
) -> Challan:
    """Build the challan row: fine by the schedule in force when it happened."""
    record = snapshot.record
    fine = fines.fine_for(event.rule, record["vehicle_class"], event.occurred_at)
    issued_on = fines.to_karachi(now).date()
    year, city = issued_on.year, settings.city_code
    sequence = next_value(f"challan:{city}:{year}")
    dates = dues.due_dates(issued_on)
    return Challan(
        number=numbers.format_challan_number(city, year, sequence),
        consumer_number=numbers.consumer_number(
            settings.onebill_biller_prefix, numbers.consumer_serial(year, sequence)
        ),
        event_id=event.id,
        owner_snapshot_id=snapshot.id,
        status=transition(ChallanStatus.PENDING_REVIEW, how),
        rule=event.rule,
        plate=record["registration_number"],
        owner_cnic=record.get("owner_cnic"),
        vehicle_class=record["vehicle_class"],
        fine_paisa=fine.amount_paisa,
        schedule_version=fine.schedule_version,
        legal_basis=fine.legal_basis,
        occurred_at=event.occurred_at,
        issued_at=now,
        discount_until=dates.discount_until,
        surcharge_from=dates.surcharge_from,
        flags={},
    )


def link_duplicate(event: ViolationEvent, original: Challan, actor: str) -> Challan:
    """Mark the event a duplicate of an existing challan instead of issuing again."""
    event.status = EventStatus.DUPLICATE
    event.duplicate_of_challan_id = original.id
    event.status_reason = f"same offence as challan {original.number}"
    db.session.flush()
    audit.record(actor, "event.duplicate", event, challan=original.number)
    log.info("event %s duplicates challan %s", event.id, original.number)
    return original


def apply_event(challan: Challan, what: ChallanEvent, actor: str, **details: object) -> Challan:
    """Move a challan through the lifecycle (409 when the law forbids it) and audit it."""
    before = challan.status
    challan.status = transition(challan.status, what)
    db.session.flush()
    audit.record(
        actor, f"challan.{what.value}", challan, before=before, after=challan.status, **details
    )
    return challan


def reissue_to_buyer(challan: Challan, sale: dict[str, object], now: datetime) -> Challan:
    """Name the buyer on a challan for an offence after the sale, with fresh payment windows.

    The buyer never had the first notice, so the discount and surcharge clocks start again and
    a notice of their own is queued. The seller's phone and address are not the buyer's: they
    are left out (the sale does not tell us the buyer's), so no SMS reaches the seller.
    """
    snapshot = OwnerSnapshot(
        event_id=challan.event_id,
        plate=challan.plate,
        record={
            **(challan.owner_snapshot.record if challan.owner_snapshot else {}),
            "owner_cnic": sale["new_owner_cnic"],
            "owner_name": sale["new_owner_name"],
            "owner_phone": None,
            "owner_address": "",
        },
        fetched_at=now,
        source="ownership change",
    )
    db.session.add(snapshot)
    db.session.flush()
    dates = dues.due_dates(fines.to_karachi(now).date())
    previous = challan.owner_cnic
    challan.owner_snapshot, challan.owner_cnic = snapshot, str(sale["new_owner_cnic"])
    challan.issued_at, challan.discount_until = now, dates.discount_until
    challan.surcharge_from = dates.surcharge_from
    db.session.flush()
    audit.record(
        "system:ownership", "challan.reissued", challan, previous_owner=previous, **{"sale": sale}
    )
    notices.queue_for(challan, now, reissued_to=challan.owner_cnic)
    return challan


def dues_of(challan: Challan) -> dues.ChallanDues:
    """Return the values the dues rules need."""
    issued_on = fines.to_karachi(challan.issued_at).date()
    return dues.ChallanDues(challan.fine_paisa, issued_on, challan.status, challan.flags)
