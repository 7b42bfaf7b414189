"""What a challan notice says, gathered from the challan, its event, camera and owner snapshot."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from echallan.challans.events import ViolationEvent
from echallan.challans.models import Challan
from echallan.clips.models import Camera
from echallan.core.extensions import db
from notices.notice import ChallanNotice, EvidenceImage
from notices.sms import SmsPrice
from rules import dues, fines


def notice_for(challan: Challan, portal_base_url: str) -> ChallanNotice:
    """Build the printable notice for a challan."""
    event, record = challan.event, challan.owner_snapshot.record if challan.owner_snapshot else {}
    amounts = _amounts(challan)
    return ChallanNotice(
        challan_number=challan.number,
        consumer_number=challan.consumer_number,
        rule=challan.rule,
        legal_basis=challan.legal_basis,
        schedule_version=challan.schedule_version,
        place=place_name(event.camera_id),
        camera_id=event.camera_id or "field",
        occurred_at=challan.occurred_at,
        issued_on=fines.to_karachi(challan.issued_at).date(),
        plate=challan.plate,
        vehicle_make=record.get("make", ""),
        vehicle_model=record.get("model", ""),
        vehicle_colour=record.get("colour", ""),
        vehicle_class=challan.vehicle_class,
        owner_name=record.get("owner_name", ""),
        owner_address=record.get("owner_address", ""),
        owner_cnic=challan.owner_cnic,
        fine_paisa=challan.fine_paisa,
        discounted_paisa=amounts[0],
        discount_until=challan.discount_until,
        surcharged_paisa=amounts[1],
        surcharge_from=challan.surcharge_from,
        clip_sha256=clip_sha256_of(event),
        photo_sha256=tuple(p["sha256"] for p in photos_of(event.evidence)),
        verify_url=verify_url(challan, portal_base_url),
        contest_url=contest_url(challan, portal_base_url),
        evidence=tuple(_images(event.evidence.get("frames", []) + photos_of(event.evidence))),
        plate_crop=next(iter(_images([event.evidence.get("plate_crop")])), None),
    )


def clip_sha256_of(event: ViolationEvent) -> str | None:
    """Return the hash of the event's clip (also kept in its evidence), None for a field record."""
    return event.clip.sha256 if event.clip else event.evidence.get("clip_sha256")


def photos_of(evidence: dict) -> list[dict]:
    """Return a field challan's photos as evidence items captioned "photo N" (none for a clip)."""
    return [
        {**photo, "caption": f"photo {i}"}
        for i, photo in enumerate(evidence.get("photos", []), start=1)
    ]


def verify_url(challan: Challan, portal_base_url: str) -> str:
    """Return the public verification page for a challan (the QR code's target)."""
    return f"{portal_base_url.rstrip('/')}/verify/{challan.number}"


def contest_url(challan: Challan, portal_base_url: str) -> str:
    """Return the portal's contest page of a challan (it asks for the plate first)."""
    return f"{portal_base_url.rstrip('/')}/my/challans/{challan.number}/contest"


def sms_price(challan: Challan, today: date) -> SmsPrice:
    """Return what is due on `today` (local), until when, and the surcharge after it."""
    values = dues.ChallanDues(
        challan.fine_paisa, fines.to_karachi(challan.issued_at).date(), flags=challan.flags
    )
    due = dues.amount_due(values, max(today, values.issued_on))
    if due.band is dues.Band.SURCHARGE:
        return SmsPrice(due.amount_paisa)
    surcharge_from = dues.due_dates(values.clock_from).surcharge_from
    until = due.price_changes_on - timedelta(days=1) if due.price_changes_on else None
    return SmsPrice(due.amount_paisa, until, 2 * challan.fine_paisa, surcharge_from)


def _amounts(challan: Challan) -> tuple[int, int]:
    """Return the discounted and the surcharged price."""
    issued_on = fines.to_karachi(challan.issued_at).date()
    values = dues.ChallanDues(challan.fine_paisa, issued_on)
    early = dues.amount_due(values, issued_on).amount_paisa
    late = dues.amount_due(values, challan.surcharge_from).amount_paisa
    return early, late


def place_name(camera_id: str | None) -> str:
    """Name the place of the offence."""
    camera = db.session.get(Camera, camera_id) if camera_id else None
    return (camera.name or camera.id) if camera else "Field enforcement"


def _images(paths: list) -> list[EvidenceImage]:
    """Load stored evidence images that exist, with their captions."""
    images = []
    for item in paths:
        if not item:
            continue
        path, caption = (
            (item["path"], item.get("caption", "")) if isinstance(item, dict) else (item, "")
        )
        if Path(path).is_file():
            images.append(EvidenceImage(Path(path).read_bytes(), caption))
    return images
