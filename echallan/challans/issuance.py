"""From a violation event to a challan or a review task, by the issuance policy."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from echallan.audit import operations as audit
from echallan.challans import operations as challans
from echallan.challans import outbox, owners
from echallan.challans.events import EventStatus, OwnerSnapshot, ViolationEvent
from echallan.challans.models import Challan, Contest
from echallan.core.deps import Deps
from echallan.core.extensions import db
from echallan.payments import refunds
from echallan.review import operations as review
from echallan.review.models import ReviewDecision, ReviewTask
from echallan.staff.models import User
from notices.sms import decision_sms_text
from rules import contest as contest_rules
from rules import issuance
from rules.errors import Conflict, NotFound
from rules.fines import Offence
from rules.lifecycle import ChallanEvent
from rules.plates import plate_key

log = logging.getLogger(__name__)
SYSTEM = "system:issuance"
WAITING = (EventStatus.NEW, EventStatus.PENDING_LOOKUP)
RULES = frozenset(offence.value for offence in Offence)


def get_event(event_id: int) -> ViolationEvent:
    """Return an event or raise NotFound."""
    event = db.session.get(ViolationEvent, event_id)
    if event is None:
        raise NotFound(f"no violation event {event_id}")
    return event


def process_event(deps: Deps, event_id: int, now: datetime) -> str:
    """Look the owner up and issue, queue for review, or wait; idempotent by status."""
    event = get_event(event_id)
    if event.status not in WAITING:
        return event.status
    outcome = _look_up(deps, event, event.plate_read, now)
    decision = issuance.decide(_facts(event, outcome), deps.settings.issuance)
    if decision.action is issuance.Action.WAIT_LOOKUP:
        return event.status
    _record_machine_decision(event, decision, now)
    if decision.action is issuance.Action.AUTO_ISSUE:
        challans.issue_challan(
            deps.settings, event, outcome.snapshot, SYSTEM, ChallanEvent.ISSUE, now
        )
    else:
        _review_unless_duplicate(deps, event, list(decision.reasons), SYSTEM)
    return event.status


def _review_unless_duplicate(
    deps: Deps, event: ViolationEvent, reasons: list[str], actor: str
) -> None:
    """Queue the event for review, unless it repeats an offence already fined (one offence, one
    challan: an officer must not see, and perhaps approve, the same offence twice)."""
    window = deps.settings.duplicate_window
    original = (
        challans.find_duplicate(event, event.plate_read, window) if event.plate_read else None
    )
    if original is not None:
        challans.link_duplicate(event, original, actor)
    else:
        review.open_task(event, reasons)


def _look_up(
    deps: Deps, event: ViolationEvent, plate: str | None, now: datetime
) -> owners.LookupOutcome:
    """Ask the registry, unless there is no plate to ask about."""
    if not plate:
        return owners.LookupOutcome("not_found", reason="no plate read")
    return owners.look_up_owner(event, plate, deps.registry, now)


def thresholds_from(config: Mapping[str, Any]) -> issuance.Thresholds:
    """Build the policy thresholds from configuration values (refusing malformed ones)."""
    exempt = dict(item.split("=", 1) for item in config["EXEMPT_PLATES"].split(";") if "=" in item)
    return issuance.Thresholds(
        min_plate_confidence=config["AUTO_ISSUE_MIN_PLATE_CONFIDENCE"],
        max_lookup_attempts=config["MAX_LOOKUP_ATTEMPTS"],
        require_colour=config["REQUIRE_COLOUR_MATCH"],
        exempt_plates={plate_key(k): v for k, v in exempt.items()},
        review_rules=frozenset(
            name.strip() for name in config["ALWAYS_REVIEW_RULES"].split(",") if name.strip()
        ),
        min_offence_confidence=offence_floors(config["AUTO_ISSUE_MIN_OFFENCE_CONFIDENCE"]),
    )


def offence_floors(text: str) -> dict[str, float]:
    """Parse "rule=value,rule=value" (values 0..1); a malformed setting refuses to run."""
    floors: dict[str, float] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        rule, _, value = (piece.strip() for piece in item.partition("="))
        if rule not in RULES:
            raise _bad_floor(item, f"the rule must be one of {', '.join(sorted(RULES))}")
        if rule in floors:
            raise _bad_floor(item, "the rule is listed twice")
        try:
            floors[rule] = float(value)
        except ValueError:
            raise _bad_floor(item, "the value must be a number from 0 to 1") from None
        if not 0.0 <= floors[rule] <= 1.0:
            raise _bad_floor(item, "the value must be a number from 0 to 1")
    return floors


def _bad_floor(item: str, why: str) -> RuntimeError:
    """Return the error for a malformed AUTO_ISSUE_MIN_OFFENCE_CONFIDENCE entry."""
    return RuntimeError(f"AUTO_ISSUE_MIN_OFFENCE_CONFIDENCE: {item!r} is not rule=value: {why}")


def _facts(event: ViolationEvent, outcome: owners.LookupOutcome) -> issuance.ViolationFacts:
    """Gather what the policy needs from the event and the registry's answer."""
    record = outcome.snapshot.record if outcome.snapshot and outcome.snapshot.found else {}
    return issuance.ViolationFacts(
        rule=event.rule,
        plate=event.plate_read,
        plate_confidence=event.plate_confidence or 0.0,
        plate_pattern_valid=bool(event.evidence.get("plate_valid", event.plate_read)),
        registry=outcome.kind,
        evidence_complete=_evidence_complete(event),
        clock_drift=bool(event.evidence.get("clock_drift")),
        lookup_attempts=max(event.lookup_attempts, 1),
        observed_class=event.observed_class,
        observed_colour=event.observed_colour,
        registry_class=record.get("vehicle_class"),
        registry_colour=record.get("colour"),
        registry_make=record.get("make"),
        registry_usage=record.get("usage"),
        registration_expired=_expired(record, event.occurred_at),
        offence_confidence=event.offence_confidence,
        witnessed_by_officer=event.source == "field",
    )


def _evidence_complete(event: ViolationEvent) -> bool:
    """Tell whether the event carries frames before, at and after the offence."""
    if event.source == "field":
        return bool(event.evidence.get("photos"))
    return len(event.evidence.get("frames", [])) >= 3


def _expired(record: dict, occurred_at: datetime) -> bool:
    """Tell whether the registration was not in force when the offence happened."""
    if not record:
        return False
    if record.get("registration_status", "active") != "active":
        return True
    expiry = record.get("registration_expiry")
    return bool(expiry) and expiry < occurred_at.date().isoformat()


def _record_machine_decision(
    event: ViolationEvent, decision: issuance.Decision, now: datetime
) -> None:
    """Store the policy's decision as a row, like a human's, and audit it."""
    row = ReviewDecision(
        event_id=event.id,
        actor=SYSTEM,
        decision=decision.action.value,
        reasons=list(decision.reasons),
        decided_at=now,
    )
    db.session.add(row)
    db.session.flush()
    audit.record(SYSTEM, f"issuance.{decision.action.value}", event, reasons=list(decision.reasons))


def decide_review(
    deps: Deps, task: ReviewTask, user: User, choice: review.DecisionInput, now: datetime
) -> ReviewDecision:
    """Record an officer's decision and carry it out: issue, dismiss, or re-check a new plate."""
    decision = review.decide(task, user, choice, now)
    event = get_event(task.event_id)
    actor = f"user:{user.username}"
    if task.kind == "waiver":  # rolls the decision back: it has its own route and rules
        raise Conflict(f"review task {task.id} is a waiver request: confirm or refuse it")
    if task.kind == "contest":
        _decide_contest(deps, task, choice, actor, now)
    elif choice.decision == review.APPROVE:
        snapshot = _latest_snapshot(event)
        challans.issue_challan(deps.settings, event, snapshot, actor, ChallanEvent.APPROVE, now)
    elif choice.decision == review.REJECT:
        event.status, event.status_reason = EventStatus.DISMISSED, choice.reason
    else:
        _recheck_with_plate(deps, event, choice.corrected_plate or "", actor, now)
    return decision


def _decide_contest(
    deps: Deps,
    task: ReviewTask,
    choice: review.DecisionInput,
    actor: str,
    now: datetime,
    outcome: str | None = None,
    new_fine_paisa: int | None = None,
) -> None:
    """Carry out a contest decision: upheld (approve), cancelled (reject) or reduced.

    The decision, its reasons and any new fine go on the contest row for the citizen's letter,
    into the audit chain, and to the citizen by SMS (outbox, once per contest).
    """
    challan = db.session.get(Challan, task.challan_id)
    if choice.decision == review.CORRECT_PLATE:
        raise Conflict(
            "a contest is upheld or cancelled; reject it and re-issue to correct a plate"
        )
    decided = contest_rules.outcome_of(
        outcome or ("upheld" if choice.decision == review.APPROVE else "cancelled")
    )
    if decided is contest_rules.ContestOutcome.REDUCED:
        new_fine_paisa = contest_rules.check_reduction(challan.fine_paisa, new_fine_paisa)
    what = contest_rules.event_for(decided)
    challans.apply_event(challan, what, actor, reason=choice.reason, note=choice.note)
    refunds.refund_if_cancelled(challan, actor, now)
    for contest in db.session.scalars(
        db.select(Contest).where(Contest.challan_id == challan.id, Contest.status == "open")
    ):
        if decided is contest_rules.ContestOutcome.REDUCED:
            _reduce_fine(challan, contest, new_fine_paisa, actor)
        _record_contest_decision(deps, challan, contest, decided, choice, actor, now)


def _record_contest_decision(
    deps: Deps,
    challan: Challan,
    contest: Contest,
    decided: contest_rules.ContestOutcome,
    choice: review.DecisionInput,
    actor: str,
    now: datetime,
) -> None:
    """Store the decision as the citizen will read it, audit it, and tell them by SMS."""
    contest.status, contest.decided_at, contest.decided_by = decided.value, now, actor
    contest.decision_reasons = [r for r in (choice.reason, choice.note) if r]
    audit.record(
        actor,
        "contest.decided",
        contest,
        challan=challan.number,
        outcome=decided.value,
        reasons=contest.decision_reasons,
    )
    _tell_citizen(deps, challan, contest, decided.value, now)


def _reduce_fine(challan: Challan, contest: Contest, new_fine_paisa: int, actor: str) -> None:
    """Lower the fine of an upheld challan, keeping the old one on the contest and in the audit."""
    contest.fine_before_paisa, contest.new_fine_paisa = challan.fine_paisa, new_fine_paisa
    challan.fine_paisa = new_fine_paisa
    audit.record(
        actor,
        "challan.fine_reduced",
        challan,
        contest_id=contest.id,
        before=contest.fine_before_paisa,
        after=new_fine_paisa,
    )


def _tell_citizen(
    deps: Deps, challan: Challan, contest: Contest, outcome: str, now: datetime
) -> None:
    """Queue the decision SMS to the contest's phone, else the registered owner's."""
    text = decision_sms_text(
        challan.number, outcome, deps.settings.portal_domain, contest.new_fine_paisa
    )
    recipient = contest.contact_phone or outbox.owner_phone(challan)
    outbox.queue_text_sms(challan, recipient, f"contest:{contest.id}:decision", text, now)


def decide_contest(
    deps: Deps,
    task: ReviewTask,
    user: User,
    outcome: str,
    now: datetime,
    *,
    reason: str | None = None,
    note: str = "",
    new_fine_paisa: int | None = None,
) -> ReviewDecision:
    """Decide a contest upheld, cancelled or reduced (the officer's claim is the lock).

    A cancellation needs a reason from the review's list; `note` is the officer's words to the
    citizen. A second decision on the same task is refused (the task is closed).
    """
    decided = contest_rules.outcome_of(outcome)
    if task.kind != "contest":
        raise Conflict(f"review task {task.id} is not a contest")
    if decided is contest_rules.ContestOutcome.REDUCED:
        challan = db.session.get(Challan, task.challan_id)
        contest_rules.check_reduction(challan.fine_paisa, new_fine_paisa)
    cancelled = decided is contest_rules.ContestOutcome.CANCELLED
    choice = review.DecisionInput(
        decision=review.REJECT if cancelled else review.APPROVE, reason=reason, note=note
    )
    decision = review.decide(task, user, choice, now)
    _decide_contest(deps, task, choice, f"user:{user.username}", now, decided, new_fine_paisa)
    return decision


def _latest_snapshot(event: ViolationEvent) -> OwnerSnapshot:
    """Return the registry answer an approval relies on; without one there is nothing to issue."""
    snapshot = db.session.scalar(
        db.select(OwnerSnapshot)
        .where(OwnerSnapshot.event_id == event.id)
        .order_by(OwnerSnapshot.fetched_at.desc(), OwnerSnapshot.id.desc())
    )
    if snapshot is None or not snapshot.found:
        raise Conflict("no registered owner for this plate: correct the plate or reject")
    return snapshot


def _recheck_with_plate(
    deps: Deps, event: ViolationEvent, plate: str, actor: str, now: datetime
) -> None:
    """Look a corrected plate up; issue when the registry agrees with the image, else review."""
    original = event.evidence.get("machine_plate_read", event.plate_read)
    event.evidence = {**event.evidence, "machine_plate_read": original}
    event.plate_read, event.plate_confidence = plate, 1.0  # a human read it
    event.status, event.lookup_attempts = EventStatus.NEW, 0
    audit.record(actor, "event.plate_corrected", event, machine_read=original, corrected=plate)
    outcome = _look_up(deps, event, plate, now)
    decision = issuance.decide(_facts(event, outcome), deps.settings.issuance)
    if decision.action is issuance.Action.AUTO_ISSUE:
        challans.issue_challan(
            deps.settings, event, outcome.snapshot, actor, ChallanEvent.APPROVE, now
        )
    elif decision.action is issuance.Action.REVIEW:
        _review_unless_duplicate(deps, event, list(decision.reasons), actor)
