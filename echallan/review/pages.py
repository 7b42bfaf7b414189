"""The officer's review console: the queue, the evidence viewer, claims and decisions.

Pages call the same operations as the police API (echallan/review/api.py): a claim is the same
expiring lock, and a decision goes through `decide_review`, so a corrected plate re-runs the
registry look-up exactly as it does over the API. Every form works without JavaScript;
echallan/static/js/review.js only adds keyboard shortcuts.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, send_file, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from echallan.challans import issuance as violations
from echallan.core import clock, deps
from echallan.core.auth import current_user
from echallan.core.pages import staff_page
from echallan.core.uow import unit_of_work
from echallan.review import operations as review
from echallan.review import viewer
from rules.errors import DomainError
from rules.issuance import Reason

bp = Blueprint("review_pages", __name__, url_prefix="/review", template_folder="templates")

PAGE_SIZE = 20
RULES = (
    ("red_light", _l("Red light")),
    ("wrong_way", _l("Wrong way")),
    ("no_helmet", _l("No helmet")),
)
KINDS = (("violation", _l("Violation")), ("contest", _l("Contest")), ("hold", _l("Hold")))
AGES = (("1", _l("1 hour")), ("4", _l("4 hours")), ("24", _l("1 day")), ("72", _l("3 days")))
# Every reason the issuance policy queues a case for, in words (rules/issuance.py's Reason).
REASON_LABELS = {
    Reason.NO_PLATE: _l("No plate read"),
    Reason.LOW_PLATE_CONFIDENCE: _l("Low plate confidence"),
    Reason.INVALID_PLATE_PATTERN: _l("Plate pattern not valid"),
    Reason.INCOMPLETE_EVIDENCE: _l("Incomplete evidence"),
    Reason.DEVICE_CLOCK_DRIFT: _l("Camera clock drift"),
    Reason.REGISTRY_UNAVAILABLE: _l("Registry unavailable"),
    Reason.REGISTRY_NOT_FOUND: _l("Not in the registry"),
    Reason.CLASS_MISMATCH: _l("Vehicle class mismatch"),
    Reason.COLOUR_MISMATCH: _l("Colour mismatch"),
    Reason.MAKE_MISMATCH: _l("Make mismatch"),
    Reason.COLOUR_UNVERIFIED: _l("Colour not verified"),
    Reason.RULE_NOT_FOR_CLASS: _l("Rule does not apply to this class"),
    Reason.REGISTRATION_EXPIRED: _l("Registration expired"),
    Reason.EXEMPT: _l("Exempt vehicle"),
    Reason.RULE_ALWAYS_REVIEWED: _l("Rule always reviewed"),
    Reason.LOW_OFFENCE_CONFIDENCE: _l("Low offence confidence"),
    Reason.OFFENCE_CONFIDENCE_UNKNOWN: _l("Offence confidence unknown"),
    "reopened": _l("Reopened"),
}
REASONS = tuple((str(key), label) for key, label in REASON_LABELS.items())


def reason_label(reason: str) -> str:
    """Return a queue reason in words, keeping any detail after a colon (who reopened, why)."""
    key, _sep, detail = reason.partition(":")
    label = REASON_LABELS.get(key.strip())
    if label is None:
        return reason
    return f"{label}:{detail}" if detail else str(label)


REJECT_LABELS = {
    "plate_unreadable": _l("Plate unreadable"),
    "plate_misread": _l("Plate misread"),
    "not_a_violation": _l("Not a violation"),
    "emergency_vehicle": _l("Emergency vehicle"),
    "evidence_insufficient": _l("Evidence insufficient"),
    "duplicate": _l("Duplicate"),
    "vehicle_mismatch": _l("Vehicle does not match the registry"),
    "camera_fault": _l("Camera fault"),
}
PLATE_PROBLEMS = {
    "not_a_plate": _l("This is not a plate: use letters, digits and dashes, like ASF-813."),
    "letters_and_digits": _l("A plate has both letters and digits, like ASF-813."),
}


class QueueFilters(FlaskForm):
    """The queue's filters, read from the query string (a GET form: no CSRF token)."""

    class Meta:
        csrf = False

    rule = SelectField(_l("Rule"), choices=[("", _l("Any rule")), *RULES], validators=[Optional()])
    reason = SelectField(
        _l("Reason"), choices=[("", _l("Any reason")), *REASONS], validators=[Optional()]
    )
    camera = SelectField(_l("Camera"), choices=[("", _l("Any camera"))], validators=[Optional()])
    age = SelectField(
        _l("Waiting longer than"), choices=[("", _l("Any age")), *AGES], validators=[Optional()]
    )
    assignee = SelectField(_l("Claimed by"), choices=[("", _l("Anyone"))], validators=[Optional()])
    kind = SelectField(_l("Kind"), choices=[("", _l("Any kind")), *KINDS], validators=[Optional()])


class ApproveForm(FlaskForm):
    """Approve the challan, saying why."""

    note = TextAreaField(
        _l("Why approve"), validators=[DataRequired(_l("Say why you approve.")), Length(3, 1000)]
    )


class RejectForm(FlaskForm):
    """Reject with a reason from the list (and an optional note)."""

    reason = SelectField(
        _l("Reason"),
        choices=[("", _l("Choose a reason")), *REJECT_LABELS.items()],
        validators=[DataRequired(_l("Choose the reason for rejecting."))],
    )
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=1000)])

    def validate_reason(self, field: SelectField) -> None:
        """Refuse anything but a listed reason."""
        if field.data not in review.REJECT_REASONS:
            raise ValidationError(_("Choose the reason for rejecting."))


class CorrectPlateForm(FlaskForm):
    """Type the plate the image shows; the registry is asked again."""

    plate = StringField(
        _l("Plate as the image shows it"),
        validators=[DataRequired(_l("Type the plate.")), Length(max=16)],
    )
    note = TextAreaField(
        _l("Why correct it"),
        validators=[DataRequired(_l("Say why you correct the plate.")), Length(3, 1000)],
    )

    def validate_plate(self, field: StringField) -> None:
        """Refuse text that cannot be a plate, with what a plate looks like."""
        problem = viewer.plate_problem(field.data or "")
        if problem:
            raise ValidationError(str(PLATE_PROBLEMS[problem]))


@bp.get("")
@staff_page()
def queue() -> str:
    """List the open tasks, oldest first, filtered, with their SLA age and claims."""
    form = _filters()
    now, user = clock.now(), _me()
    offset = _offset(request.args.get("offset"))
    # A tampered filter (a camera that is not listed) shows the whole queue and says why.
    valid = form.validate()
    chosen = review.QueueFilter(**_filter_values(form, user.id)) if valid else review.QueueFilter()
    kind = (form.kind.data or None) if valid else None
    found = review.queue_page(chosen, kind, now, PAGE_SIZE, offset)
    names = review.staff_names({t.claimed_by_id for t in found.tasks if t.claimed_by_id})
    sla = deps.current().settings.review_sla
    rows = [viewer.queue_row(task, now, sla, names, user.id) for task in found.tasks]
    pages = viewer.Pages(offset, PAGE_SIZE, found.total)
    return render_template(
        "review/queue.html",
        form=form,
        rows=rows,
        pages=pages,
        sla=sla,
        now=now,
        page_url=_page_url,
        rule_label=dict(RULES),
        kind_label=dict(KINDS),
    )


def _filters() -> QueueFilters:
    """Build the filter form from the query, with the cameras and reviewers as choices."""
    form = QueueFilters(formdata=request.args)
    form.camera.choices = [("", _("Any camera"))] + [(c, c) for c in review.queue_cameras()]
    form.assignee.choices = [("", _("Anyone")), ("me", _("Me"))] + [
        (str(u.id), u.full_name or u.username) for u in review.reviewers()
    ]
    return form


def _filter_values(form: QueueFilters, me: int) -> dict[str, Any]:
    """Turn the checked filter form into the queue's filter values."""
    assignee = form.assignee.data or ""
    return {
        "rule": form.rule.data or None,
        "reason": form.reason.data or None,
        "camera_id": form.camera.data or None,
        "assignee_id": me if assignee == "me" else (int(assignee) if assignee.isdigit() else None),
        "older_than_s": int(float(form.age.data) * 3600) if form.age.data else None,
    }


def _offset(text: str | None) -> int:
    """Read the page offset; anything but a small non-negative whole number is the first page."""
    return int(text) if text and text.isdigit() and len(text) < 7 else 0


def _page_url(offset: int) -> str:
    """Return this queue page's address at another offset, keeping the filters."""
    query = {k: v for k, v in request.args.items() if k != "offset" and v}
    return url_for("review_pages.queue", **query, offset=offset)


@bp.post("/<int:task_id>/claim")
@staff_page()
def claim(task_id: int) -> Response:
    """Claim a task (the expiring lock) and open it; someone else's claim is said plainly."""
    ttl = deps.current().settings.review_claim_ttl
    try:
        with unit_of_work():
            task = review.claim(review.get_task(task_id), _me(), clock.now(), ttl)
            until = task.claim_expires_at
    except DomainError as error:
        flash(_("Could not claim task %(id)s: %(why)s", id=task_id, why=error.detail), "error")
        return redirect(url_for("review_pages.queue"))
    flash(_("You hold task %(id)s until %(until)s.", id=task_id, until=_time(until)), "info")
    return redirect(url_for("review_pages.task", task_id=task_id))


@bp.get("/<int:task_id>")
@staff_page()
def task(task_id: int) -> str:
    """Show a task with its evidence and, for the claim holder, the decision forms."""
    return _task_page(review.get_task(task_id), *_blank_forms())


def _task_page(
    task: Any,
    approve: ApproveForm,
    reject: RejectForm,
    correct: CorrectPlateForm,
    status: int = 200,
) -> Any:
    """Render the task page with these forms (filled in and with errors, after a refusal)."""
    store, now, user = deps.current().store, clock.now(), _me()
    evidence = review.task_evidence(task, store.root)
    event = task.event
    names = review.staff_names(
        {d.decided_by_id for d in evidence.decisions if d.decided_by_id}
        | ({task.claimed_by_id} if task.claimed_by_id else set())
    )
    row = viewer.queue_row(task, now, deps.current().settings.review_sla, names, user.id)
    body = render_template(
        "review/task.html",
        task=task,
        row=row,
        event=event,
        evidence=evidence,
        public=review.public_evidence(event),
        frames=viewer.frames_of(event, evidence.calibration),
        strip=viewer.phase_strip(evidence.signal_phases, event.time_ms),
        compare=viewer.comparison(event, evidence.registry, evidence.registry_found),
        plate_confidence=viewer.confidence_percent(event.plate_confidence),
        offence_confidence=viewer.confidence_percent(event.offence_confidence),
        names=names,
        outcome_of=review.outcome_of,
        current=review.current_task(event.id),
        approve=approve,
        reject=reject,
        correct=correct,
        reject_label=REJECT_LABELS,
        rule_label=dict(RULES),
    )
    return body, status


def _blank_forms() -> tuple[ApproveForm, RejectForm, CorrectPlateForm]:
    """Return the three decision forms, empty (each with its own prefix: no clashing ids)."""
    return (
        ApproveForm(formdata=None, prefix="approve"),
        RejectForm(formdata=None, prefix="reject"),
        CorrectPlateForm(formdata=None, prefix="correct"),
    )


@bp.get("/<int:task_id>/images/<string:image>")
@staff_page()
def image(task_id: int, image: str) -> Response:
    """Serve one evidence frame or crop of a task to staff (by id, never by path)."""
    event = review.get_task(task_id).event
    body, mimetype = review.evidence_image(event, image, deps.current().store.root)
    response = Response(body, mimetype=mimetype)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/<int:task_id>/clip")
@staff_page()
def clip(task_id: int) -> Response:
    """Stream the task's clip from the evidence store, with HTTP range requests for seeking."""
    path, mimetype = review.clip_file(review.get_task(task_id), deps.current().store.root)
    response = send_file(path, mimetype=mimetype, conditional=True, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/<int:task_id>/approve")
@staff_page()
def approve(task_id: int) -> Any:
    """Approve the task: a challan is issued from the registry's answer."""
    form = ApproveForm(prefix="approve")
    if not form.validate_on_submit():
        return _refused(task_id, approve=form)
    return _decide(task_id, review.DecisionInput(review.APPROVE, note=form.note.data), approve=form)


@bp.post("/<int:task_id>/reject")
@staff_page()
def reject(task_id: int) -> Any:
    """Reject the task with a listed reason: the event is dismissed."""
    form = RejectForm(prefix="reject")
    if not form.validate_on_submit():
        return _refused(task_id, reject=form)
    choice = review.DecisionInput(review.REJECT, reason=form.reason.data, note=form.note.data or "")
    return _decide(task_id, choice, reject=form)


@bp.post("/<int:task_id>/correct-plate")
@staff_page()
def correct_plate(task_id: int) -> Any:
    """Correct the plate: the registry is asked again, as the API's correction does."""
    form = CorrectPlateForm(prefix="correct")
    if not form.validate_on_submit():
        return _refused(task_id, correct=form)
    plate = (form.plate.data or "").strip().upper()
    choice = review.DecisionInput(review.CORRECT_PLATE, corrected_plate=plate, note=form.note.data)
    return _decide(task_id, choice, correct=form)


def _decide(task_id: int, choice: review.DecisionInput, **forms: FlaskForm) -> Any:
    """Carry a decision out in its own unit of work; a refusal re-renders the page, rolled back."""
    try:
        with unit_of_work():  # a refusal half way (no owner to issue to) leaves nothing behind
            decision = violations.decide_review(
                deps.current(), review.get_task(task_id), _me(), choice, clock.now()
            )
            outcome = review.outcome_of(decision)
    except DomainError as error:
        return _refused(task_id, problem=error.detail, **forms)
    flash(_decided_message(task_id, choice, outcome), "info")
    return redirect(url_for("review_pages.task", task_id=task_id) + "#decisions")


def _decided_message(task_id: int, choice: review.DecisionInput, outcome: str) -> str:
    """Say back what was decided and what came of it."""
    what = {
        review.APPROVE: _("approved"),
        review.REJECT: _("rejected"),
        review.CORRECT_PLATE: _("plate corrected to %(plate)s", plate=choice.corrected_plate),
    }[choice.decision]
    return _(
        "Task %(id)s %(what)s. Outcome: %(outcome)s.",
        id=task_id,
        what=what,
        outcome=outcome_label(outcome),
    )


OUTCOME_LABELS = {
    "challan_issued": _l("challan issued"),
    "dismissed": _l("dismissed"),
    "duplicate": _l("duplicate"),
    "in_review": _l("back in review"),
    "reopened": _l("reopened"),
    "reopened_for_review": _l("reopened for review"),
}


def outcome_label(outcome: str) -> str:
    """Return an outcome in words."""
    return str(OUTCOME_LABELS.get(outcome, outcome.replace("_", " ")))


def _refused(task_id: int, problem: str | None = None, **forms: FlaskForm) -> Any:
    """Re-render the task page with the refused form's errors (422) or the rule broken (409)."""
    if problem:
        flash(_("Not recorded: %(why)s", why=problem), "error")
    blank = dict(zip(("approve", "reject", "correct"), _blank_forms(), strict=True))
    chosen = {name: forms.get(name) or form for name, form in blank.items()}
    status = 409 if problem else 422
    return _task_page(review.get_task(task_id), status=status, **chosen)


@bp.app_template_filter("review_reason")
def _reason_filter(reason: str) -> str:
    """Let templates show a queue reason in words."""
    return reason_label(reason)


@bp.app_template_filter("outcome")
def _outcome_filter(outcome: str) -> str:
    """Let templates show an outcome in words."""
    return outcome_label(outcome)


def _time(value: Any) -> str:
    """Format a moment in the city's time for a message."""
    return format_datetime(value, "short") if value else ""


def _me() -> Any:
    """Return the signed-in member of staff (staff_page admitted them)."""
    user = current_user()
    assert user is not None
    return user
