"""The police review queue: open, list, claim (an expiring lock), decide, reopen."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

from echallan.audit import operations as audit
from echallan.challans import operations as challans
from echallan.challans.events import EventStatus, OwnerSnapshot, ViolationEvent
from echallan.challans.models import Challan
from echallan.clips.models import Camera
from echallan.core.extensions import db
from echallan.review.models import ReviewDecision, ReviewTask
from echallan.staff.models import Role, User
from rules.errors import Conflict, InvalidInput, NotFound
from rules.lifecycle import ChallanEvent

OPEN, CLAIMED, CLOSED = "open", "claimed", "closed"
APPROVE, REJECT, CORRECT_PLATE = "approve", "reject", "correct_plate"
# a challan held after an ownership change: released (to the buyer when sold first) or cancelled
HOLD, RELEASE, CANCEL = "hold", "release", "cancel"
REOPEN = "reopen"
REJECT_REASONS = (
    "plate_unreadable",
    "plate_misread",
    "not_a_violation",
    "emergency_vehicle",
    "evidence_insufficient",
    "duplicate",
    "vehicle_mismatch",
    "camera_fault",
)


@dataclass(frozen=True)
class QueueFilter:
    """What an officer narrows the queue to."""

    reason: str | None = None
    rule: str | None = None
    camera_id: str | None = None
    assignee_id: int | None = None
    older_than_s: int | None = None
    include_closed: bool = False


def open_task(
    event: ViolationEvent,
    reasons: list[str],
    kind: str = "violation",
    challan_id: int | None = None,
) -> ReviewTask:
    """Put an event (or a contested challan) in the queue with the reasons it is there."""
    existing = db.session.scalar(
        sa.select(ReviewTask).where(ReviewTask.event_id == event.id, ReviewTask.status != CLOSED)
    )
    if existing is not None:
        return existing
    task = ReviewTask(
        event_id=event.id, challan_id=challan_id, kind=kind, reasons=list(reasons), status=OPEN
    )
    if kind == "violation":
        event.status = EventStatus.IN_REVIEW
        event.status_reason = "; ".join(reasons)
    db.session.add(task)
    db.session.flush()
    audit.record("system:issuance", "review.opened", task, event_id=event.id, reasons=reasons)
    return task


def list_tasks(
    filters: QueueFilter, now: datetime, limit: int = 50, offset: int = 0
) -> list[ReviewTask]:
    """Return queue tasks, oldest first, narrowed by the filters."""
    query = _queue_query(filters, None, now)
    return list(db.session.scalars(query.limit(limit).offset(offset)))


def _queue_query(filters: QueueFilter, kind: str | None, now: datetime) -> sa.Select:
    """Select the tasks the filters (and the task's kind) leave, oldest first, all in SQL."""
    query = (
        sa.select(ReviewTask).join(ViolationEvent).order_by(ReviewTask.created_at, ReviewTask.id)
    )
    if not filters.include_closed:
        query = query.where(ReviewTask.status != CLOSED)
    if kind:
        query = query.where(ReviewTask.kind == kind)
    if filters.rule:
        query = query.where(ViolationEvent.rule == filters.rule)
    if filters.camera_id:
        query = query.where(ViolationEvent.camera_id == filters.camera_id)
    if filters.assignee_id is not None:
        query = query.where(ReviewTask.claimed_by_id == filters.assignee_id)
    if filters.older_than_s is not None:
        query = query.where(ReviewTask.created_at <= now - timedelta(seconds=filters.older_than_s))
    if filters.reason:
        query = query.where(_a_reason_starts_with(filters.reason))
    return query


def _a_reason_starts_with(prefix: str) -> sa.ColumnElement[bool]:
    """True for a task one of whose reasons (a JSON list of strings) starts with the prefix.

    The list's elements are opened with the database's own JSON table function, so the match
    is exact (no LIKE wildcards, case-sensitive on both databases, as str.startswith was).
    """
    if db.session.get_bind().dialect.name == "postgresql":
        items = sa.func.jsonb_array_elements_text(sa.cast(ReviewTask.reasons, JSONB)).table_valued(
            "value"
        )
    else:
        items = sa.func.json_each(ReviewTask.reasons).table_valued("value")
    starts = sa.func.substr(items.c.value, 1, len(prefix)) == prefix
    return sa.exists(sa.select(1).select_from(items).where(starts))


def get_task(task_id: int) -> ReviewTask:
    """Return a task or raise NotFound."""
    task = db.session.get(ReviewTask, task_id)
    if task is None:
        raise NotFound(f"no review task {task_id}")
    return task


def claim(task: ReviewTask, user: User, now: datetime, ttl: timedelta) -> ReviewTask:
    """Lock a task for one officer for a while; someone else's live claim is a 409."""
    if task.status == CLOSED:
        raise Conflict(f"review task {task.id} is already decided")
    if _claimed_by_other(task, user, now):
        raise Conflict(
            f"review task {task.id} is claimed by someone else until {task.claim_expires_at}"
        )
    task.status = CLAIMED
    task.claimed_by_id = user.id
    task.claim_expires_at = now + ttl
    db.session.flush()  # the version column makes a concurrent claim fail at commit
    audit.record(f"user:{user.username}", "review.claimed", task, until=task.claim_expires_at)
    return task


def _claimed_by_other(task: ReviewTask, user: User, now: datetime) -> bool:
    """Tell whether another officer holds a live claim."""
    live = task.claim_expires_at is not None and task.claim_expires_at > now
    return task.status == CLAIMED and live and task.claimed_by_id != user.id


def _holds_claim(task: ReviewTask, user: User, now: datetime) -> bool:
    """Tell whether this officer holds a live claim on the task."""
    live = task.claim_expires_at is not None and task.claim_expires_at > now
    return task.status == CLAIMED and task.claimed_by_id == user.id and live


@dataclass(frozen=True)
class DecisionInput:
    """An officer's decision on a task."""

    decision: str
    reason: str | None = None
    corrected_plate: str | None = None
    note: str = ""


def decide(task: ReviewTask, user: User, choice: DecisionInput, now: datetime) -> ReviewDecision:
    """Record an officer's decision; the task must be open or claimed by this officer."""
    _check_decidable(task, user, choice, now)
    decision = ReviewDecision(
        task_id=task.id,
        event_id=task.event_id,
        decided_by_id=user.id,
        actor=f"user:{user.username}",
        decision=choice.decision,
        reasons=[r for r in (choice.reason, choice.note) if r],
        corrected_plate=choice.corrected_plate,
        decided_at=now,
    )
    task.status, task.closed_at = CLOSED, now
    db.session.add(decision)
    db.session.flush()
    audit.record(
        decision.actor,
        f"review.{choice.decision}",
        task,
        reason=choice.reason,
        corrected_plate=choice.corrected_plate,
        note=choice.note,
    )
    return decision


def _check_decidable(task: ReviewTask, user: User, choice: DecisionInput, now: datetime) -> None:
    """Refuse a decision on a closed task, someone else's claim, or with missing details."""
    if task.status == CLOSED:
        raise Conflict(f"review task {task.id} is already decided")
    if _claimed_by_other(task, user, now):
        raise Conflict(f"review task {task.id} is claimed by someone else")
    if task.kind == HOLD:
        raise Conflict(f"review task {task.id} is a hold: release or cancel it")
    if not _holds_claim(task, user, now):
        # Deciding unclaimed lets two officers work one case unseen: the claim is the lock.
        raise Conflict(f"claim review task {task.id} before deciding it (or the claim expired)")
    if choice.decision not in (APPROVE, REJECT, CORRECT_PLATE):
        raise InvalidInput("unknown decision", errors={"decision": [choice.decision]})
    if choice.decision == REJECT and choice.reason not in REJECT_REASONS:
        raise InvalidInput(
            "a rejection needs a reason from the list",
            errors={"reason": [f"one of {', '.join(REJECT_REASONS)}"]},
        )
    if choice.decision == CORRECT_PLATE and not choice.corrected_plate:
        raise InvalidInput("a correction needs the plate", errors={"corrected_plate": ["required"]})


def reopen(task: ReviewTask, supervisor: User, reason: str, now: datetime) -> ReviewTask:
    """Let a supervisor reopen a decided task (a new task row keeps the old decision intact)."""
    if supervisor.role not in (Role.SUPERVISOR, Role.ADMIN):
        raise Conflict("only supervisors reopen decisions")
    if task.status != CLOSED:
        raise Conflict(f"review task {task.id} is not decided yet")
    event = db.session.get(ViolationEvent, task.event_id)
    new = ReviewTask(
        event_id=task.event_id,
        challan_id=task.challan_id,
        kind=task.kind,
        reasons=[f"reopened: {reason}"],
        status=OPEN,
        created_at=now,
    )
    event.status = EventStatus.IN_REVIEW
    db.session.add(new)
    # The reopen is a decision too: the supervisor's view lists it with who, when and why.
    db.session.add(
        ReviewDecision(
            task_id=task.id,
            event_id=task.event_id,
            decided_by_id=supervisor.id,
            actor=f"user:{supervisor.username}",
            decision=REOPEN,
            reasons=[reason],
            decided_at=now,
        )
    )
    db.session.flush()
    audit.record(
        f"user:{supervisor.username}", "review.reopened", new, previous_task=task.id, reason=reason
    )
    return new


def release_hold(
    task: ReviewTask, user: User | None, actor: str, note: str, now: datetime
) -> ReviewDecision:
    """Release a held challan: to its owner, or re-issued to the buyer when sold first."""
    challan = _held_challan(task, user, now)
    sale = (challan.flags or {}).get("sale") or {}
    to_buyer = bool(sale.get("sold_before_offence"))
    challans.apply_event(challan, ChallanEvent.RELEASE, actor, note=note, to_buyer=to_buyer)
    if to_buyer:
        challans.reissue_to_buyer(challan, sale, now)
    return _close_hold(task, user, actor, RELEASE, note, now)


def cancel_hold(
    task: ReviewTask, user: User | None, actor: str, note: str, now: datetime
) -> ReviewDecision:
    """Cancel a held challan (nobody owes it), with the officer's reason."""
    challan = _held_challan(task, user, now)
    challans.apply_event(challan, ChallanEvent.CANCEL, actor, note=note)
    return _close_hold(task, user, actor, CANCEL, note, now)


def _held_challan(task: ReviewTask, user: User | None, now: datetime) -> Challan:
    """Return the challan of an open hold task, or raise Conflict."""
    if task.kind != HOLD:
        raise Conflict(f"review task {task.id} is not a hold")
    if task.status == CLOSED:
        raise Conflict(f"review task {task.id} is already decided")
    if user is not None and _claimed_by_other(task, user, now):
        raise Conflict(f"review task {task.id} is claimed by someone else")
    return db.session.get_one(Challan, task.challan_id)


def _close_hold(
    task: ReviewTask, user: User | None, actor: str, what: str, note: str, now: datetime
) -> ReviewDecision:
    """Close a hold task with its decision, audited."""
    decision = ReviewDecision(
        task_id=task.id,
        event_id=task.event_id,
        decided_by_id=user.id if user else None,
        actor=actor,
        decision=what,
        reasons=[note] if note else [],
        decided_at=now,
    )
    task.status, task.closed_at = CLOSED, now
    db.session.add(decision)
    db.session.flush()
    audit.record(actor, f"review.{what}", task, challan_id=task.challan_id, note=note)
    return decision


def decisions_for(event_id: int) -> list[ReviewDecision]:
    """Return every decision taken on an event, oldest first."""
    query = sa.select(ReviewDecision).where(ReviewDecision.event_id == event_id)
    return list(db.session.scalars(query.order_by(ReviewDecision.decided_at, ReviewDecision.id)))


def recent_decisions(limit: int, offset: int) -> list[ReviewDecision]:
    """Return every officer's and the machine's decisions, newest first."""
    query = sa.select(ReviewDecision).order_by(
        ReviewDecision.decided_at.desc(), ReviewDecision.id.desc()
    )
    return list(db.session.scalars(query.limit(limit).offset(offset)))


def outcome_of(decision: ReviewDecision) -> str:
    """Say what came of a decision: reopened, or where its event (or challan) stands now."""
    if decision.decision == REOPEN:
        return "reopened_for_review"
    if decision.task_id is not None and _was_reopened(decision.task_id):
        return "reopened"
    task = db.session.get(ReviewTask, decision.task_id) if decision.task_id else None
    if task is not None and task.kind == "contest" and task.challan_id is not None:
        return f"challan_{db.session.get(Challan, task.challan_id).status}"
    event = db.session.get(ViolationEvent, decision.event_id)
    return OUTCOMES.get(event.status, event.status)


OUTCOMES = {
    EventStatus.ISSUED: "challan_issued",
    EventStatus.DISMISSED: "dismissed",
    EventStatus.DUPLICATE: "duplicate",
    EventStatus.IN_REVIEW: "in_review",
}


def _was_reopened(task_id: int) -> bool:
    """Tell whether a supervisor reopened this task after it was decided."""
    query = sa.select(ReviewDecision.id).where(
        ReviewDecision.task_id == task_id, ReviewDecision.decision == REOPEN
    )
    return db.session.scalar(query.limit(1)) is not None


IMAGE_IDS = re.compile(r"^(frame-(?P<index>\d{1,2})|plate|vehicle)$")
MIMETYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}


def public_evidence(event: ViolationEvent) -> dict[str, Any]:
    """Return the event's evidence for staff with image ids in place of server file paths."""
    evidence = dict(event.evidence or {})
    frames = evidence.pop("frames", [])
    evidence["frames"] = [
        {"image": f"frame-{i}", "caption": f.get("caption"), "frame": f.get("frame")}
        for i, f in enumerate(frames)
    ]
    evidence["plate_crop"] = "plate" if evidence.get("plate_crop") else None
    evidence["vehicle_crop"] = "vehicle" if _at_frame(frames) else None
    evidence.pop("photos", None)  # field photos carry paths too; they have their own route
    return evidence


def evidence_image(event: ViolationEvent, image_id: str, root: Path) -> tuple[bytes, str]:
    """Return (bytes, mimetype) of one evidence image by id; never by a path from the caller."""
    found = IMAGE_IDS.match(image_id)
    if found is None:
        raise NotFound(f"no evidence image {image_id!r}")
    frames = (event.evidence or {}).get("frames", [])
    if image_id == "plate":
        return _read_image((event.evidence or {}).get("plate_crop"), root)
    if image_id == "vehicle":
        return _vehicle_crop(event, _read_image(_at_frame(frames), root)[0])
    index = int(found.group("index"))
    if index >= len(frames):
        raise NotFound(f"no evidence image {image_id!r}")
    return _read_image(frames[index].get("path"), root)


def _at_frame(frames: list[dict[str, Any]]) -> str | None:
    """Return the path of the frame at the offence (the middle one when none is captioned)."""
    if not frames:
        return None
    at = next((f for f in frames if f.get("caption") == "at"), frames[len(frames) // 2])
    return at.get("path")


def _read_image(path: str | None, root: Path) -> tuple[bytes, str]:
    """Read an evidence file, refusing anything outside the evidence store."""
    if not path:
        raise NotFound("this evidence image was not captured")
    file = Path(path).resolve()
    if not file.is_relative_to(root.resolve()) or not file.is_file():
        raise NotFound("this evidence image is not in the evidence store")
    return file.read_bytes(), MIMETYPES.get(file.suffix.lower(), "application/octet-stream")


def _vehicle_crop(event: ViolationEvent, frame_bytes: bytes) -> tuple[bytes, str]:
    """Cut the vehicle out of the offence frame by its bounding box, with a margin."""
    image = cv2.imdecode(np.frombuffer(frame_bytes, np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        raise NotFound("the offence frame does not decode")
    x, y, w, h = (int(v) for v in (event.bbox or [0, 0, 0, 0])[:4])
    pad = max(w, h) // 8
    height, width = image.shape[:2]
    x0, y0 = max(x - pad, 0), max(y - pad, 0)
    x1, y1 = min(x + w + pad, width), min(y + h + pad, height)
    if x1 <= x0 or y1 <= y0:
        raise NotFound("the vehicle's box lies outside the frame")
    ok, encoded = cv2.imencode(".png", image[y0:y1, x0:x1])
    return encoded.tobytes(), "image/png"


# --- What the review console's pages read (echallan/review/pages.py) ---------------------------

KINDS = ("violation", "contest", HOLD)


@dataclass(frozen=True)
class QueuePage:
    """One page of the queue and how many tasks match in all."""

    tasks: list[ReviewTask]
    total: int


def queue_page(
    filters: QueueFilter, kind: str | None, now: datetime, limit: int, offset: int
) -> QueuePage:
    """Return one page of the queue narrowed by the filters and the task's kind, with the total."""
    query = _queue_query(filters, kind, now)
    total = db.session.scalar(
        sa.select(sa.func.count()).select_from(query.order_by(None).subquery())
    )
    tasks = list(db.session.scalars(query.limit(limit).offset(offset)))
    return QueuePage(tasks, total or 0)


def staff_names(user_ids: set[int]) -> dict[int, str]:
    """Return the display name of each member of staff by id (claim holders, deciders)."""
    if not user_ids:
        return {}
    rows = db.session.execute(
        sa.select(User.id, User.username, User.full_name).where(User.id.in_(user_ids))
    )
    return {row.id: row.full_name or row.username for row in rows}


def reviewers() -> list[User]:
    """Return the active staff who may hold a claim, by name (the assignee filter's choices)."""
    query = sa.select(User).where(User.active.is_(True), User.role.in_(REVIEW_ROLES))
    return list(db.session.scalars(query.order_by(User.username)))


REVIEW_ROLES = (Role.OFFICER, Role.SUPERVISOR, Role.ADMIN)


def queue_cameras() -> list[str]:
    """Return the cameras that have events in the queue (the camera filter's choices)."""
    query = (
        sa.select(ViolationEvent.camera_id)
        .join(ReviewTask, ReviewTask.event_id == ViolationEvent.id)
        .where(ReviewTask.status != CLOSED, ViolationEvent.camera_id.is_not(None))
        .distinct()
    )
    return sorted(db.session.scalars(query))


@dataclass(frozen=True)
class TaskEvidence:
    """What the evidence viewer shows beside the event: camera, clip, registry, decisions."""

    calibration: dict[str, Any]
    clip_sha256: str | None
    clip_media_type: str | None
    clip_available: bool
    signal_phases: list[dict[str, Any]]
    registry: dict[str, Any] | None
    registry_found: bool | None
    decisions: list[ReviewDecision]


def task_evidence(task: ReviewTask, root: Path) -> TaskEvidence:
    """Gather the camera calibration, the clip, the latest registry answer and the decisions."""
    event = task.event
    camera = db.session.get(Camera, event.camera_id) if event.camera_id else None
    clip = event.clip
    snapshot = latest_snapshot(event.id)
    meta = (clip.meta if clip else None) or {}
    return TaskEvidence(
        calibration=dict(camera.calibration) if camera else {},
        clip_sha256=(clip.sha256 if clip else None) or (event.evidence or {}).get("clip_sha256"),
        clip_media_type=clip.media_type if clip else None,
        clip_available=clip is not None and _in_store(clip.stored_path, root),
        # controller phases come with the clip; phases read from the video, with the event
        signal_phases=list(
            meta.get("signal_phases") or (event.evidence or {}).get("signal_phases") or []
        ),
        registry=dict(snapshot.record or {}) if snapshot else None,
        registry_found=snapshot.found if snapshot else None,
        decisions=decisions_for(event.id),
    )


def latest_snapshot(event_id: int) -> OwnerSnapshot | None:
    """Return the newest registry answer recorded for an event, if any."""
    query = (
        sa.select(OwnerSnapshot)
        .where(OwnerSnapshot.event_id == event_id)
        .order_by(OwnerSnapshot.fetched_at.desc(), OwnerSnapshot.id.desc())
    )
    return db.session.scalar(query.limit(1))


def clip_file(task: ReviewTask, root: Path) -> tuple[Path, str]:
    """Return the stored clip of a task's event and its media type; never a path from outside."""
    clip = task.event.clip
    if clip is None or not _in_store(clip.stored_path, root):
        raise NotFound("this event has no clip in the evidence store")
    return Path(clip.stored_path).resolve(), clip.media_type or "application/octet-stream"


def _in_store(path: str | None, root: Path) -> bool:
    """Tell whether a stored path is a file inside the evidence store."""
    if not path:
        return False
    file = Path(path).resolve()
    return file.is_relative_to(root.resolve()) and file.is_file()


def current_task(event_id: int) -> ReviewTask | None:
    """Return the event's task still in the queue (after a correction or a reopen), if any."""
    query = sa.select(ReviewTask).where(
        ReviewTask.event_id == event_id, ReviewTask.status != CLOSED
    )
    return db.session.scalar(query.order_by(ReviewTask.id.desc()).limit(1))
