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


def record_ownership_change(change: OwnershipChange, actor: str) -> list[Challan]:
    """Put the seller's open challans from before the sale on hold for inquiry."""
    check_cnic(change.new_owner_cnic)
    held = []
    for challan in db.session.scalars(
        sa.select(Challan)
        .where(Challan.plate.in_(_plate_spellings(change.plate)))
        .where(Challan.occurred_at < change.transferred_at)
        .where(Challan.status.in_(sorted(s.value for s in PAYABLE)))
    ):
        if challan.owner_cnic == change.new_owner_cnic:
            continue  # already the buyer's
        challans.apply_event(
            challan,
            ChallanEvent.HOLD,
            actor,
            reason="ownership change",
            transferred_at=change.transferred_at.isoformat(),
        )
        held.append(challan)
    audit.record(
        actor,
        "ownership.changed",
        held[0] if held else _Marker(change.plate),
        plate=plate_key(change.plate),
        transferred_at=change.transferred_at.isoformat(),
        held=[c.number for c in held],
    )
    return held


class _Marker:
    """An audit subject for a change that touched no challan."""

    __tablename__ = "vehicle"

    def __init__(self, plate: str) -> None:
        self.id = plate_key(plate)


def is_open(challan: Challan) -> bool:
    """Tell whether money is still owed on a challan."""
    return ChallanStatus(challan.status).value in OUTSTANDING
