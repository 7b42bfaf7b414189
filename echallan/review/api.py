"""Police: the review queue (list, claim, decide) and supervisors' oversight."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Response, g
from flask.views import MethodView
from marshmallow import fields, validate

from echallan.challans import issuance as violations
from echallan.core import clock, deps
from echallan.core.api import (
    ApiSchema,
    Blueprint,
    document_problems,
    id_path,
    offset_field,
    row_id_field,
)
from echallan.core.auth import actor, current_user, require_role, require_role_or_scope
from echallan.review import operations as review
from echallan.staff.models import Role

blp = Blueprint(
    "police", __name__, url_prefix="/api/v1/police", description="Police: the review queue"
)
STAFF = (Role.OFFICER, Role.SUPERVISOR, Role.ADMIN)
SUPERVISORS = (Role.SUPERVISOR, Role.ADMIN)


class QueueArgsSchema(ApiSchema):
    """Filters for the review queue."""

    reason = fields.String()
    rule = fields.String(validate=validate.OneOf(["red_light", "wrong_way", "no_helmet"]))
    camera_id = fields.String()
    assignee_id = row_id_field()
    # at most ten years: no task is older than the system, and a larger age overflows a date
    older_than_s = fields.Integer(validate=validate.Range(min=0, max=10 * 365 * 86400))
    include_closed = fields.Boolean(load_default=False)
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))
    offset = offset_field()


class EventSchema(ApiSchema):
    """A violation event as a reviewer sees it."""

    id = fields.Integer()
    rule = fields.String()
    camera_id = fields.String()
    occurred_at = fields.AwareDateTime()
    frame = fields.Integer()
    time_ms = fields.Integer()
    bbox = fields.List(fields.Integer())
    signal_state = fields.String(allow_none=True)
    plate_read = fields.String(allow_none=True)
    plate_confidence = fields.Float(allow_none=True)
    offence_confidence = fields.Float(
        allow_none=True,
        metadata={
            "description": "The detector's confidence in the offence; null for field records"
        },
    )
    observed_class = fields.String(allow_none=True)
    status = fields.String()
    evidence = fields.Function(
        review.public_evidence,
        metadata={"description": "Frames and crops by image id (see .../images/{image})"},
    )


class TaskSchema(ApiSchema):
    """A review task with its SLA age."""

    id = fields.Integer()
    kind = fields.String()
    status = fields.String()
    reasons = fields.List(fields.String())
    claimed_by_id = fields.Integer(allow_none=True)
    claim_expires_at = fields.AwareDateTime(allow_none=True)
    created_at = fields.AwareDateTime()
    closed_at = fields.AwareDateTime(allow_none=True)
    age_s = fields.Method("get_age")
    event = fields.Nested(EventSchema)

    def get_age(self, task: Any) -> int:
        """Seconds the task has waited (the SLA clock)."""
        end = task.closed_at or clock.now()
        return int((end - task.created_at).total_seconds())


class DecisionInSchema(ApiSchema):
    """An officer's decision."""

    decision = fields.String(
        required=True,
        validate=validate.OneOf([review.APPROVE, review.REJECT, review.CORRECT_PLATE]),
    )
    reason = fields.String(validate=validate.OneOf(review.REJECT_REASONS))
    corrected_plate = fields.String(validate=validate.Length(min=1, max=16))
    note = fields.String(load_default="", validate=validate.Length(max=1000))


class DecisionSchema(ApiSchema):
    """A recorded decision."""

    id = fields.Integer()
    task_id = fields.Integer(allow_none=True)
    event_id = fields.Integer()
    actor = fields.String()
    decision = fields.String()
    reasons = fields.List(fields.String())
    corrected_plate = fields.String(allow_none=True)
    decided_at = fields.AwareDateTime()
    outcome = fields.Function(review.outcome_of)


class ReopenSchema(ApiSchema):
    """Why a supervisor reopens a decision."""

    reason = fields.String(required=True, validate=validate.Length(min=3, max=500))


@blp.route("/review-tasks")
class ReviewTasks(MethodView):
    """The queue."""

    @require_role(*STAFF)
    @blp.arguments(QueueArgsSchema, location="query")
    @blp.response(200, TaskSchema(many=True))
    @document_problems(blp, 401, 403, 422)
    def get(self, args: dict[str, Any]) -> Any:
        """List review tasks, oldest first, with filters."""
        limit, offset = args.pop("limit"), args.pop("offset")
        return review.list_tasks(review.QueueFilter(**args), clock.now(), limit, offset)


@blp.route(f"/review-tasks/{id_path('task_id')}")
class ReviewTaskItem(MethodView):
    """One task."""

    @blp.response(200, TaskSchema)
    @document_problems(blp, 401, 403, 404)
    @require_role(*STAFF)
    def get(self, task_id: int) -> Any:
        """Show a task with its event and evidence."""
        return review.get_task(task_id)


@blp.route(f"/review-tasks/{id_path('task_id')}/claim")
class ReviewTaskClaim(MethodView):
    """Claiming a task."""

    @blp.response(200, TaskSchema)
    @document_problems(blp, 401, 403, 404, 409)
    @require_role(*STAFF)
    def post(self, task_id: int) -> Any:
        """Claim a task for yourself (a lock that expires)."""
        ttl = deps.current().settings.review_claim_ttl
        return review.claim(review.get_task(task_id), current_user(), clock.now(), ttl)


@blp.route(f"/review-tasks/{id_path('task_id')}/decision")
class ReviewTaskDecision(MethodView):
    """Deciding a task."""

    @require_role(*STAFF)
    @blp.arguments(DecisionInSchema)
    @blp.response(201, DecisionSchema)
    @document_problems(blp, 401, 403, 404, 409, 422)
    def post(self, choice: dict[str, Any], task_id: int) -> Any:
        """Approve, reject with a reason, or correct the plate."""
        return violations.decide_review(
            deps.current(),
            review.get_task(task_id),
            current_user(),
            review.DecisionInput(**choice),
            clock.now(),
        )


@blp.route(f"/review-tasks/{id_path('task_id')}/reopen")
class ReviewTaskReopen(MethodView):
    """Reopening a decided task."""

    @require_role(*SUPERVISORS)
    @blp.arguments(ReopenSchema)
    @blp.response(201, TaskSchema)
    @document_problems(blp, 401, 403, 404, 409, 422)
    def post(self, body: dict[str, Any], task_id: int) -> Any:
        """Reopen a decided task (supervisors)."""
        return review.reopen(review.get_task(task_id), current_user(), body["reason"], clock.now())


@blp.route("/decisions")
class Decisions(MethodView):
    """Everyone's decisions."""

    @require_role(*SUPERVISORS)
    @blp.arguments(QueueArgsSchema(only=("limit", "offset")), location="query")
    @blp.response(200, DecisionSchema(many=True))
    @document_problems(blp, 401, 403, 422)
    def get(self, args: dict[str, Any]) -> Any:
        """List every officer's decisions, newest first (supervisors)."""
        return review.recent_decisions(args["limit"], args["offset"])


class HoldNoteSchema(ApiSchema):
    """Why an officer releases or cancels a held challan."""

    note = fields.String(required=True, validate=validate.Length(min=3, max=1000))


def _hold_view(decide: Callable[..., Any], summary: str) -> type[MethodView]:
    """Make the view of one decision on a hold; release and cancel differ only in `decide`."""

    class HoldDecision(MethodView):
        @require_role_or_scope("holds:write", *STAFF)
        @blp.arguments(HoldNoteSchema)
        @blp.response(201, DecisionSchema)
        @blp.doc(security=[{"ApiKey": []}, {"StaffSession": []}], summary=summary)
        @document_problems(blp, 401, 403, 404, 409, 422)
        def post(self, body: dict[str, Any], task_id: int) -> Any:
            """Decide a challan held after an ownership change, with the officer's note."""
            task = review.get_task(task_id)
            return decide(task, _staff(), actor(), body["note"], clock.now())

    return HoldDecision


HOLD_DECISIONS = {
    "release": (
        review.release_hold,
        "Release a hold: to the buyer when the sale came before the offence, else the owner.",
    ),
    "cancel": (review.cancel_hold, "Cancel a held challan, with the reason."),
}
for _action, (_decide, _summary) in HOLD_DECISIONS.items():
    blp.route(f"/review-tasks/{id_path('task_id')}/{_action}", endpoint=f"Hold{_action.title()}")(
        _hold_view(_decide, _summary)
    )


def _staff() -> Any:
    """Return the signed-in officer, or None for a machine key (judged by the key alone)."""
    return None if g.get("api_client") is not None else current_user()


@blp.route(f"/review-tasks/{id_path('task_id')}/images/<string:image>")
class ReviewTaskImage(MethodView):
    """One evidence image of a task, by id: frame-0, frame-1, frame-2, plate or vehicle."""

    @blp.doc(
        responses={
            "200": {
                "description": "The image",
                "content": {
                    "image/png": {"schema": {"type": "string", "format": "binary"}},
                    "image/jpeg": {"schema": {"type": "string", "format": "binary"}},
                },
            }
        }
    )
    @document_problems(blp, 401, 403, 404)
    @require_role(*STAFF)
    def get(self, task_id: int, image: str) -> Any:
        """Serve an evidence frame or crop (staff only; never by file path)."""
        event = review.get_task(task_id).event
        body, mimetype = review.evidence_image(event, image, deps.current().store.root)
        response = Response(body, mimetype=mimetype)
        response.headers["Cache-Control"] = "private, no-store"  # evidence stays off shared caches
        return response
