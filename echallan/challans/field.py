"""Manual enforcement: an officer's field challan enters the pipeline at the registry look-up.

When a junction's cameras are down (its site shows `manual`), officers on the ground photograph
the offence and type the plate. The record becomes a ViolationEvent with source "field" (no
clip, no camera), its photos kept in the evidence store by SHA-256, and then goes through the
same owner look-up, issuance policy and review as a camera's event.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import BinaryIO

import cv2
import numpy as np
import sqlalchemy as sa

from echallan.audit import operations as audit
from echallan.challans.events import ViolationEvent
from echallan.challans.jobs import ProcessEvent
from echallan.challans.models import Challan
from echallan.core import jobs
from echallan.core.extensions import db
from echallan.core.storage import EvidenceStore
from echallan.core.uow import on_rollback
from echallan.devices import operations as devices
from rules.errors import InvalidInput, NotFound
from rules.fines import Offence, VehicleClass

log = logging.getLogger(__name__)
MAX_PHOTOS = 6
MAX_PHOTO_BYTES = 15 * 1024 * 1024
MAX_FUTURE = timedelta(minutes=5)  # officers' phones and the server disagree a little
MAX_AGE = timedelta(days=7)
PHOTO_TYPES = ((b"\xff\xd8\xff", ".jpg"), (b"\x89PNG\r\n\x1a\n", ".png"))


@dataclass(frozen=True)
class FieldRecord:
    """What the officer entered."""

    site_id: str
    plate: str
    vehicle_class: str
    rule: str
    occurred_at: datetime
    note: str = ""


@dataclass(frozen=True)
class Photo:
    """An uploaded photo: its stream and the name the officer's device gave it."""

    stream: BinaryIO
    filename: str


def record_field_challan(
    store: EvidenceStore, record: FieldRecord, photos: list[Photo], officer: str, now: datetime
) -> ViolationEvent:
    """Store the photos and the event, then queue the look-up and issuance."""
    site = devices.get_site(record.site_id)
    _check(record, photos, now)
    plate, plate_valid = _plate(record.plate)
    stored = [_store_photo(store, photo) for photo in photos]
    event = ViolationEvent(
        clip_id=None,
        camera_id=None,
        source="field",
        rule=record.rule,
        occurred_at=record.occurred_at,
        plate_read=plate,
        plate_confidence=1.0,  # typed by an officer who read the plate, not a machine's guess
        offence_confidence=None,  # the officer saw the offence: there is no detector to doubt
        observed_class=record.vehicle_class,
        evidence={
            "photos": stored,
            "officer": officer,
            "site_id": site.id,
            "site_mode": site.mode,
            "typed_plate": record.plate,
            "plate_valid": plate_valid,
            "note": record.note,
        },
    )
    db.session.add(event)
    db.session.flush()
    audit.record(officer, "field_challan.recorded", event, site_id=site.id, plate=plate)
    jobs.enqueue(ProcessEvent(event.id))
    return event


def _check(record: FieldRecord, photos: list[Photo], now: datetime) -> None:
    """Refuse an unknown rule or class, an impossible time, a missing plate or photo."""
    if record.rule not in {o.value for o in Offence}:
        raise InvalidInput(f"unknown rule {record.rule!r}", field="rule")
    if record.vehicle_class not in {c.value for c in VehicleClass}:
        raise InvalidInput(f"unknown vehicle class {record.vehicle_class!r}", field="vehicle_class")
    if record.occurred_at > now + MAX_FUTURE:
        raise InvalidInput("occurred_at is in the future", field="occurred_at")
    if record.occurred_at < now - MAX_AGE:
        raise InvalidInput("occurred_at is more than 7 days ago", field="occurred_at")
    if not 1 <= len(photos) <= MAX_PHOTOS:
        raise InvalidInput(f"send 1 to {MAX_PHOTOS} photos", field="photo")


def _plate(typed: str) -> tuple[str, bool]:
    """Return the plate in display form when it fits a layout as typed, and whether it does."""
    from ocr.plates import canonical, parse

    text = canonical(typed)
    if not 2 <= len(text) <= 12:
        raise InvalidInput("the plate must have 2 to 12 letters and digits", field="plate")
    parsed = parse(text)
    # A typed plate is never "corrected": a look-alike swap would be a guess at what was seen.
    if parsed.valid and parsed.corrections == 0 and parsed.display:
        return parsed.display, True
    return text, False


def _decodes(path: Path) -> bool:
    """Tell whether an image file decodes to pixels."""

    return (
        cv2.imdecode(np.fromfile(path, dtype=np.uint8), cv2.IMREAD_REDUCED_GRAYSCALE_8) is not None
    )


def _store_photo(store: EvidenceStore, photo: Photo) -> dict[str, object]:
    """Keep a photo in the evidence store by its hash (once), undone if the request fails."""
    staged = store.stage(photo.stream, MAX_PHOTO_BYTES)
    suffix = next((s for magic, s in PHOTO_TYPES if staged.head.startswith(magic)), None)
    if suffix is None:
        staged.path.unlink(missing_ok=True)
        raise InvalidInput("photos must be JPEG or PNG", field="photo")
    if not _decodes(staged.path):  # the notice and the citizen must be able to see it
        staged.path.unlink(missing_ok=True)
        raise InvalidInput(
            f"photo {photo.filename!r} is damaged: it does not decode", field="photo"
        )
    target = Path(store.root) / "field" / staged.sha256[:2] / f"{staged.sha256}{suffix}"
    if store.place(staged, target):
        on_rollback(lambda: target.unlink(missing_ok=True))
    return {
        "path": str(target),
        "sha256": staged.sha256,
        "size": staged.size,
        "name": photo.filename[:255],
    }


def field_outcome(event_id: int, officer: str) -> tuple[ViolationEvent, str | None]:
    """Return a field record its officer filed and its challan number once issued."""
    event = db.session.get(ViolationEvent, event_id)
    if event is None or event.source != "field" or event.evidence.get("officer") != officer:
        raise NotFound(f"no field challan {event_id} of yours")
    number = db.session.scalar(sa.select(Challan.number).where(Challan.event_id == event.id))
    return event, number
