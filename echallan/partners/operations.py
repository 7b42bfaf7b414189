"""What registry partners and other agencies may ask and tell: outstanding challans, transfers."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from echallan.audit import operations as audit
from echallan.challans import operations as challans
from echallan.challans.models import Challan
from echallan.core.extensions import db
from echallan.review import operations as review
from integrations.registry import VehicleRegistry
from rules.errors import InvalidInput
from rules.lifecycle import BLOCKED, PAYABLE, ChallanEvent, ChallanStatus
from rules.plates import plate_key

OUTSTANDING = sorted(status.value for status in PAYABLE | BLOCKED)
CNIC = re.compile(r"[0-9]{13}")


def check_cnic(cnic: str) -> str:
    """Return a CNIC as 13 digits (dashes allowed in input), or raise InvalidInput."""
    digits = cnic.replace("-", "")
    if not CNIC.fullmatch(digits):
        raise InvalidInput("a CNIC is 13 digits", errors={"cnic": ["must be 13 digits"]})
    return digits


def outstanding(
    plate: str | None, cnic: str | None, limit: int, offset: int
) -> tuple[list[Challan], int]:
    """Return one page of open challans for a plate or an owner's CNIC, and the total."""
    if bool(plate) == bool(cnic):
        raise InvalidInput("give exactly one of plate or cnic", errors={"plate": ["or cnic"]})
    query = sa.select(Challan).where(Challan.status.in_(OUTSTANDING))
    if cnic:
        query = query.where(Challan.owner_cnic == check_cnic(cnic))
    else:
        query = query.where(Challan.plate.in_(_plate_spellings(plate or "")))
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    page = db.session.scalars(
        query.order_by(Challan.issued_at, Challan.id).limit(limit).offset(offset)
    )
    return list(page), total


def _plate_spellings(plate: str) -> list[str]:
    """Return the stored spellings that match a plate ignoring separators."""
    key = plate_key(plate)
    stored = db.session.scalars(sa.select(Challan.plate).distinct())
    return [p for p in stored if plate_key(p) == key]


@dataclass(frozen=True)
class OwnershipChange:
    """A registry partner's notice that a vehicle was sold."""

    plate: str
    transferred_at: datetime
    new_owner_cnic: str
    new_owner_name: str


def record_ownership_change(
    change: OwnershipChange, actor: str, registry: VehicleRegistry
) -> list[Challan]:
    """Hold every open challan a sale puts in doubt, for an officer to settle.

    An offence before the sale is the seller's (held for inquiry, as the law allows); one after
    it is the buyer's even though the challan was issued to the seller from a stale registry
    record, so it is held too, to be re-issued to the buyer on release.
    """
    check_cnic(change.new_owner_cnic)
    registry.lookup(change.plate)  # an unknown plate is a 404 (VehicleNotFound), not a sale
    held = [
        _hold(challan, change, actor)
        for challan in db.session.scalars(
            sa.select(Challan)
            .where(Challan.plate.in_(_plate_spellings(change.plate)))
            .where(Challan.status.in_(sorted(s.value for s in PAYABLE)))
            .order_by(Challan.occurred_at, Challan.id)
        )
        if challan.owner_cnic != change.new_owner_cnic  # already the buyer's
    ]
    audit.record(
        actor,
        "ownership.changed",
        held[0] if held else _Marker(change.plate),
        plate=plate_key(change.plate),
        transferred_at=change.transferred_at.isoformat(),
        held=[c.number for c in held],
    )
    return held


def _hold(challan: Challan, change: OwnershipChange, actor: str) -> Challan:
    """Put one challan on hold, keeping the sale on it so a release knows whose it is."""
    sold_first = change.transferred_at <= challan.occurred_at
    challan.flags = {
        **(challan.flags or {}),
        "sale": {
            "transferred_at": change.transferred_at.isoformat(),
            "new_owner_cnic": change.new_owner_cnic,
            "new_owner_name": change.new_owner_name,
            "sold_before_offence": sold_first,
        },
    }
    reason = "sold before the offence" if sold_first else "ownership change"
    challans.apply_event(
        challan,
        ChallanEvent.HOLD,
        actor,
        reason=reason,
        transferred_at=change.transferred_at.isoformat(),
    )
    review.open_task(challan.event, [reason], kind=review.HOLD, challan_id=challan.id)
    return challan


class _Marker:
    """An audit subject for a change that touched no challan."""

    __tablename__ = "vehicle"

    def __init__(self, plate: str) -> None:
        self.id = plate_key(plate)


def is_open(challan: Challan) -> bool:
    """Tell whether money is still owed on a challan."""
    return ChallanStatus(challan.status).value in OUTSTANDING
