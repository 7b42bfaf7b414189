"""What a citizen can do with a challan: see it with its evidence, and contest it."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from echallan.audit import operations as audit
from echallan.challans import operations as challans
from echallan.challans.models import Challan, Contest
from echallan.challans.notice_content import clip_sha256_of, photos_of, place_name
from echallan.core.extensions import db
from echallan.review import operations as review
from echallan.review.models import ReviewTask
from notices.notice import OFFENCES
from rules import dues, fines, lifecycle
from rules.errors import InvalidInput, NotFound
from rules.lifecycle import ChallanEvent
from rules.plates import plate_key


def find(number: str, plate: str) -> Challan:
    """Return the challan when number and plate agree; otherwise the same 404 for both cases."""
    try:
        challan = challans.get_challan(number)
        matches = plate_key(challan.plate) == plate_key(plate)
    except (NotFound, InvalidInput):
        matches = False
    if not matches:
        raise NotFound("no challan with that number and plate")
    return challan


def view(challan: Challan, now: datetime) -> dict[str, Any]:
    """Return what the owner may see of a challan today."""
    due = dues.amount_due(challans.dues_of(challan), fines.to_karachi(now).date())
    record = challan.owner_snapshot.record if challan.owner_snapshot else {}
    event = challan.event
    return {
        "number": challan.number,
        "status": challan.status,
        "bill_status": lifecycle.bill_status(challan.status),
        "consumer_number": challan.consumer_number,
        "offence": OFFENCES[challan.rule][0],
        "legal_basis": challan.legal_basis,
        "place": place_name(event.camera_id),
        "occurred_at": challan.occurred_at,
        "occurred_at_local": fines.to_karachi(challan.occurred_at).strftime(
            "%d %b %Y %H:%M:%S PKT"
        ),
        "plate": challan.plate,
        "vehicle_class": challan.vehicle_class,
        "owner_name_masked": _mask_name(record.get("owner_name", "")),
        "fine_paisa": challan.fine_paisa,
        "amount_due_paisa": due.amount_paisa,
        "payable": due.payable,
        "discount_until": challan.discount_until,
        "surcharge_from": challan.surcharge_from,
        "clip_sha256": clip_sha256_of(event),
        "photo_sha256": [photo["sha256"] for photo in photos_of(event.evidence)],
        "evidence": [
            {"index": i, "caption": f.get("caption", "")} for i, f in enumerate(_frames(challan))
        ],
        "can_contest": ChallanEvent.CONTEST in lifecycle.allowed_events(challan.status),
    }


def _mask_name(name: str) -> str:
    """Show initials only: the number and plate are not proof of identity."""
    return " ".join(part[0] + "*" * (len(part) - 1) for part in name.split() if part)


def _frames(challan: Challan) -> list[dict[str, Any]]:
    """Return the evidence images that exist: frames, then the plate crop."""
    evidence = challan.event.evidence
    items = list(evidence.get("frames", []))
    if evidence.get("plate_crop"):
        items.append({"path": evidence["plate_crop"], "caption": "plate"})
    items += photos_of(evidence)  # stored as {path, sha256, size, name}: keep only what we show
    return [item for item in items if Path(item["path"]).is_file()]


def evidence_file(challan: Challan, index: int) -> Path:
    """Return the path of one evidence image, or raise NotFound."""
    frames = _frames(challan)
    if not 0 <= index < len(frames):
        raise NotFound(f"challan {challan.number} has no evidence image {index}")
    return Path(frames[index]["path"])


def file_contest(
    challan: Challan, grounds: str, phone: str | None, now: datetime
) -> tuple[Contest, ReviewTask]:
    """Contest a challan: the lifecycle must allow it; police review decides."""
    challans.apply_event(challan, ChallanEvent.CONTEST, "citizen", grounds=grounds[:500])
    contest = Contest(challan_id=challan.id, grounds=grounds, contact_phone=phone, filed_at=now)
    db.session.add(contest)
    db.session.flush()
    audit.record("citizen", "contest.filed", contest, challan=challan.number)
    task = review.open_task(
        challan.event, [f"contest: {grounds[:200]}"], kind="contest", challan_id=challan.id
    )
    return contest, task
