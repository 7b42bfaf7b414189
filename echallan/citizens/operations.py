"""What a citizen can do with a challan: see it with its evidence, and contest it."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from echallan.audit import operations as audit
from echallan.audit.models import AuditEntry
from echallan.challans import delivery, outbox
from echallan.challans import operations as challans
from echallan.challans.models import Challan, Contest, WaiverRequest
from echallan.challans.notice_content import clip_sha256_of, photos_of, place_name
from echallan.citizens import evidence
from echallan.core.deps import Settings
from echallan.core.extensions import db
from echallan.core.storage import EvidenceStore
from echallan.payments import refunds
from echallan.review import operations as review
from echallan.review.models import ReviewDecision, ReviewTask
from echallan.staff.models import User
from notices.notice import OFFENCES
from notices.sms import decision_sms_text
from rules import contest as contest_rules
from rules import dues, fines, lifecycle
from rules.errors import Conflict, InvalidInput, NotFound
from rules.lifecycle import ChallanEvent
from rules.plates import plate_key

NO_MATCH = "no challan with that number and plate"


def find(number: str, plate: str, cnic: str | None = None) -> Challan:
    """Return the challan when number, plate (and CNIC, when given) agree; else one same 404.

    A CNIC that was sent is checked, never ignored: a wrong one is as unknown as a wrong plate.
    """
    try:
        challan = challans.get_challan(number)
        matches = plate_key(challan.plate) == plate_key(plate)
        if cnic is not None:
            matches = matches and challan.owner_cnic == cnic_digits(cnic)
    except (NotFound, InvalidInput):
        matches = False
    if not matches:
        raise NotFound(NO_MATCH)
    return challan


def cnic_digits(text: str) -> str:
    """Return a CNIC as its 13 digits (dashes and spaces dropped); raise InvalidInput otherwise."""
    digits = re.sub(r"[\s-]", "", text or "")
    if not re.fullmatch(r"[0-9]{13}", digits):
        raise InvalidInput(
            "a CNIC has 13 digits", errors={"cnic": ["13 digits, e.g. 42101-1234567-1"]}
        )
    return digits


# Challans a citizen may see: served ones. Never-served (pending review, rejected) and
# duplicates are not the owner's business through the portal.
HIDDEN_STATUSES = frozenset({"pending_review", "rejected", "duplicate"})


def find_for_owner(plate: str, cnic: str) -> list[Challan]:
    """Return the served challans of one vehicle and owner, newest first (never by plate alone)."""
    key, digits = plate_key(plate), cnic_digits(cnic)
    rows = db.session.scalars(
        sa.select(Challan)
        .where(Challan.owner_cnic == digits, Challan.status.not_in(HIDDEN_STATUSES))
        .order_by(Challan.occurred_at.desc(), Challan.id.desc())
    )
    return [row for row in rows if plate_key(row.plate) == key]


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
    """Return the evidence images that exist: frames, then the plate crop, then field photos.

    `kind` says what the portal may show as is: camera frames carry every tracked vehicle's
    box and number, so the citizen gets a copy with the bystanders blurred.
    """
    evidence = challan.event.evidence
    items = [{**frame, "kind": "frame"} for frame in evidence.get("frames", [])]
    if evidence.get("plate_crop"):
        items.append({"path": evidence["plate_crop"], "caption": "plate", "kind": "plate"})
    # stored as {path, sha256, size, name}: keep only what we show
    items += [{**photo, "kind": "photo"} for photo in photos_of(evidence)]
    return [item for item in items if Path(item["path"]).is_file()]


def evidence_file(challan: Challan, index: int) -> Path:
    """Return the path of one evidence image, or raise NotFound."""
    return Path(_evidence_item(challan, index)["path"])


def _evidence_item(challan: Challan, index: int) -> dict[str, Any]:
    """Return one evidence item, or raise NotFound."""
    frames = _frames(challan)
    if not 0 <= index < len(frames):
        raise NotFound(f"challan {challan.number} has no evidence image {index}")
    return frames[index]


def citizen_evidence(challan: Challan, index: int) -> tuple[bytes, str]:
    """Return one evidence image as the citizen may see it, with its media type."""
    item = _evidence_item(challan, index)
    path = Path(item["path"])
    if item["kind"] == "frame":
        return evidence.citizen_jpeg(path), "image/jpeg"
    return path.read_bytes(), "image/png" if path.suffix.lower() == ".png" else "image/jpeg"


def get(number: str) -> Challan:
    """Return a challan the portal session has already found (by number and plate or CNIC)."""
    return challans.get_challan(number)


def notice_pdf(settings: Settings, challan: Challan) -> Path:
    """Return the challan's PDF notice, rendering it now when the outbox has not yet."""
    path = delivery.pdf_path(challan, settings.evidence_dir)
    return path if path.is_file() else delivery.write_pdf(challan, settings)


def history(challan: Challan) -> list[dict[str, Any]]:
    """Return the challan's status changes from the audit chain, oldest first."""
    rows = db.session.scalars(
        sa.select(AuditEntry)
        .where(
            AuditEntry.entity_type == Challan.__tablename__,
            AuditEntry.entity_id == str(challan.id),
            AuditEntry.action.like("challan.%"),
        )
        .order_by(AuditEntry.seq)
    )
    return [
        {
            "at": fines.to_karachi(row.at).strftime("%d %b %Y %H:%M"),
            "event": row.action.split(".", 1)[1],
            "status": row.data.get("after", "issued" if row.action == "challan.issued" else ""),
        }
        for row in rows
    ]


@dataclass(frozen=True)
class Attachment:
    """A contest's upload, already cleaned (see evidence.clean_upload)."""

    data: bytes
    media_type: str
    suffix: str


def file_contest(
    challan: Challan,
    grounds: str,
    phone: str | None,
    now: datetime,
    *,
    reason: str = "other",
    attachment: Attachment | None = None,
    store: EvidenceStore | None = None,
) -> tuple[Contest, ReviewTask]:
    """Contest a challan: the lifecycle must allow it; police review decides.

    The rows are written and flushed first and the upload last: a refused transition or a
    failed flush leaves no file, and a failed write raises so the request rolls the rows back;
    a commit failing after the write leaves a file that `orphans.sweep_contest_orphans` removes.
    """
    contest_rules.check_reason(reason, grounds)
    _refuse_if_waiver_open(challan)
    challans.apply_event(challan, ChallanEvent.CONTEST, "citizen", grounds=grounds[:500])
    contest = Contest(
        challan_id=challan.id, grounds=grounds, contact_phone=phone, filed_at=now, reason=reason
    )
    if attachment is not None:
        contest.evidence_sha256 = hashlib.sha256(attachment.data).hexdigest()
        contest.evidence_type = attachment.media_type
    db.session.add(contest)
    db.session.flush()
    audit.record(
        "citizen",
        "contest.filed",
        contest,
        challan=challan.number,
        reason=reason,
        evidence_sha256=contest.evidence_sha256,
    )
    task = review.open_task(
        challan.event,
        [f"contest: [{reason}] {grounds[:200]}"],
        kind="contest",
        challan_id=challan.id,
    )
    if attachment is not None and store is not None:
        store.put_bytes(attachment.data, "contests", attachment.suffix)
    return contest, task


def contest_attachment(store: EvidenceStore, contest: Contest) -> tuple[Path, str]:
    """Return a contest upload's path and media type, or raise NotFound."""
    if not contest.evidence_sha256 or not contest.evidence_type:
        raise NotFound("this contest has no attachment")
    suffix = next(s for _, t, s in evidence.MAGIC if t == contest.evidence_type)
    path = store.contest_path(contest.evidence_sha256, suffix)
    if not path.is_file():
        raise NotFound("this contest's attachment is missing")
    return path, contest.evidence_type


def contests_of(challan: Challan) -> list[Contest]:
    """Return a challan's contests, newest first."""
    return list(
        db.session.scalars(
            sa.select(Contest)
            .where(Contest.challan_id == challan.id)
            .order_by(Contest.filed_at.desc(), Contest.id.desc())
        )
    )


def _refuse_if_waiver_open(challan: Challan) -> None:
    """Refuse a contest while a waiver request on the same challan waits for an officer."""
    if _open_waiver(challan) is not None:
        raise Conflict("a waiver request for this challan is waiting for an officer")


def _open_waiver(challan: Challan) -> WaiverRequest | None:
    """Return the waiver request on this challan still waiting for an officer, if any."""
    return db.session.scalar(
        sa.select(WaiverRequest).where(
            WaiverRequest.challan_id == challan.id, WaiverRequest.status == "open"
        )
    )


def detail(challan: Challan, now: datetime) -> dict[str, Any]:
    """Return the portal's page of one challan: what the owner sees, its history, its letters."""
    return {
        **view(challan, now),
        "history": history(challan),
        "letters": letters(challan),
        "can_waive": can_ask_waiver(challan),
        "refunds": refunds.refunds_for(challan),
    }


def letters(challan: Challan) -> list[dict[str, Any]]:
    """Return the decisions on the challan's contests and waiver requests, newest first."""
    rows = [
        {
            "kind": "contest",
            "outcome": c.status,
            "reasons": c.decision_reasons or [],
            "decided_at": c.decided_at,
            "fine_before_paisa": c.fine_before_paisa,
            "new_fine_paisa": c.new_fine_paisa,
        }
        for c in contests_of(challan)
        if c.decided_at is not None
    ]
    rows += [
        {
            "kind": "waiver",
            "outcome": "waived" if w.status == "approved" else "refused",
            "reasons": [w.decision_reason] if w.decision_reason else [],
            "decided_at": w.decided_at,
        }
        for w in _waivers(challan)
        if w.decided_at is not None
    ]
    for row in rows:
        row["decided_at_local"] = fines.to_karachi(row["decided_at"]).strftime("%d %b %Y %H:%M")
    return sorted(rows, key=lambda row: row["decided_at"], reverse=True)


def _waivers(challan: Challan) -> list[WaiverRequest]:
    """Return the challan's waiver requests."""
    return list(
        db.session.scalars(sa.select(WaiverRequest).where(WaiverRequest.challan_id == challan.id))
    )


def can_ask_waiver(challan: Challan) -> bool:
    """Tell whether the portal should offer the waiver form (the request checks the rest)."""
    return ChallanEvent.WAIVE in lifecycle.allowed_events(challan.status) and not _waivers(challan)


# Challans that stood: they make a later offence not a first one.
STOOD = frozenset({"paid", "upheld", "overdue"})


def request_waiver(
    settings: Settings, challan: Challan, cnic: str, apology: str, now: datetime
) -> tuple[WaiverRequest, ReviewTask]:
    """Ask for the first-offence waiver with a written apology; an officer confirms it.

    The CNIC must be the owner's; the apology must come within the window of issue; the owner
    must have no earlier challan that stood and no waiver granted within the year.
    """
    digits = cnic_digits(cnic)
    if digits != challan.owner_cnic:
        raise NotFound(NO_MATCH)
    if not can_ask_waiver(challan):
        raise Conflict("a waiver cannot be asked for this challan")
    _check_waiver_rules(settings, challan, digits, now)
    waiver = WaiverRequest(challan_id=challan.id, cnic=digits, apology=apology, filed_at=now)
    db.session.add(waiver)
    db.session.flush()
    audit.record("citizen", "waiver.requested", waiver, challan=challan.number)
    task = review.open_task(
        challan.event, [f"waiver: {apology[:200]}"], kind="waiver", challan_id=challan.id
    )
    return waiver, task


def _check_waiver_rules(settings: Settings, challan: Challan, cnic: str, now: datetime) -> None:
    """Refuse a waiver outside the window, for a repeat offender, or a second in the year."""
    issued_on = fines.to_karachi(challan.issued_at).date()
    today = fines.to_karachi(now).date()
    if not lifecycle.waiver_allowed(
        issued_on, today, prior_offences(challan, cnic), settings.waiver_window_days
    ):
        raise Conflict(
            "the first-offence waiver needs an apology within "
            f"{settings.waiver_window_days} days of issue and no earlier challan that stood"
        )
    _refuse_if_waiver_used(settings.waiver_once_per_days, cnic, now)


def _refuse_if_waiver_used(period_days: int, cnic: str, now: datetime) -> None:
    """Refuse a waiver while one asked for or granted to this CNIC is within the period.

    The error names the day the next may be asked, so the portal can tell the owner when.
    """
    last = db.session.scalar(
        sa.select(sa.func.max(WaiverRequest.filed_at)).where(
            WaiverRequest.cnic == cnic,
            WaiverRequest.status.in_(("open", "approved")),
            WaiverRequest.filed_at >= now - timedelta(days=period_days),
        )
    )
    if last is not None:
        next_on = fines.to_karachi(last + timedelta(days=period_days)).date()
        raise Conflict(
            f"a waiver was already asked for or granted for this CNIC within {period_days} "
            f"days; the next may be asked from {next_on.isoformat()}",
            waiver_period_days=period_days,
            next_waiver_on=next_on,
        )


def prior_offences(challan: Challan, cnic: str) -> int:
    """Count the owner's earlier challans that stood (paid, upheld, overdue)."""
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Challan)
        .where(
            Challan.owner_cnic == cnic,
            Challan.id != challan.id,
            Challan.occurred_at < challan.occurred_at,
            Challan.status.in_(STOOD),
        )
    )


def decide_waiver(
    settings: Settings, task: ReviewTask, user: User, approve: bool, reason: str, now: datetime
) -> WaiverRequest:
    """Confirm (the fine is waived) or refuse a waiver request; once, audited, told by SMS."""
    if task.kind != "waiver":
        raise Conflict(f"review task {task.id} is not a waiver request")
    if task.status == review.CLOSED:
        raise Conflict(f"review task {task.id} is already decided")
    challan = db.session.get(Challan, task.challan_id)
    waiver = _open_waiver(challan)
    if waiver is None:
        raise Conflict("this challan has no waiver request waiting")
    actor = f"user:{user.username}"
    if approve:
        challans.apply_event(challan, ChallanEvent.WAIVE, actor, reason=reason)
    waiver.status = "approved" if approve else "refused"
    waiver.decided_at, waiver.decided_by, waiver.decision_reason = now, actor, reason
    task.status, task.closed_at = review.CLOSED, now
    db.session.add(
        ReviewDecision(
            task_id=task.id,
            event_id=task.event_id,
            decided_by_id=user.id,
            actor=actor,
            decision="waive" if approve else "refuse_waiver",
            reasons=[reason],
            decided_at=now,
        )
    )
    db.session.flush()
    audit.record(actor, f"waiver.{waiver.status}", waiver, challan=challan.number, reason=reason)
    text = decision_sms_text(
        challan.number, "waived" if approve else "refused", settings.portal_domain
    )
    recipient = outbox.owner_phone(challan)
    outbox.queue_text_sms(challan, recipient, f"waiver:{waiver.id}:decision", text, now)
    return waiver
