"""Police decisions on what citizens asked for: the first-offence waiver and contest outcomes.

They live with the citizens' feature (the rules of the waiver and the contest letter are here);
the routes sit beside the review queue's under /api/v1/police.
"""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from marshmallow import fields, validate

from echallan.challans import issuance
from echallan.citizens import operations as citizens
from echallan.core import clock, deps
from echallan.core.api import ApiSchema, Blueprint, document_problems, id_path
from echallan.core.auth import current_user, require_role
from echallan.review import operations as review
from echallan.staff.models import Role
from rules.contest import ContestOutcome

blp = Blueprint(
    "citizen_decisions",
    __name__,
    url_prefix="/api/v1/police",
    description="Police: confirm or refuse a waiver; decide a contest upheld, cancelled, reduced",
)
STAFF = (Role.OFFICER, Role.SUPERVISOR, Role.ADMIN)


class WaiverDecisionSchema(ApiSchema):
    """An officer's answer to a waiver request."""

    decision = fields.String(required=True, validate=validate.OneOf(["approve", "refuse"]))
    reason = fields.String(required=True, validate=validate.Length(min=3, max=500))


class WaiverSchema(ApiSchema):
    """A waiver request as decided."""

    id = fields.Integer()
    status = fields.String()
    decided_by = fields.String()
    decision_reason = fields.String()


class ContestDecisionSchema(ApiSchema):
    """An officer's decision on a contest."""

    outcome = fields.String(required=True, validate=validate.OneOf(list(ContestOutcome)))
    reason = fields.String(validate=validate.OneOf(review.REJECT_REASONS))
    note = fields.String(load_default="", validate=validate.Length(max=1000))
    new_fine_paisa = fields.Integer(validate=validate.Range(min=1, max=100_000_000))


class ContestDecidedSchema(ApiSchema):
    """The decision row."""

    id = fields.Integer()
    decision = fields.String()
    reasons = fields.List(fields.String())


@blp.route(f"/review-tasks/{id_path('task_id')}/waiver")
class WaiverDecision(MethodView):
    """Confirming or refusing a first-offence waiver."""

    @require_role(*STAFF)
    @blp.arguments(WaiverDecisionSchema)
    @blp.response(200, WaiverSchema)
    @document_problems(blp, 401, 403, 404, 409, 422)
    def post(self, body: dict[str, Any], task_id: int) -> Any:
        """Approve (the fine is waived) or refuse a waiver request."""
        return citizens.decide_waiver(
            deps.current().settings,
            review.get_task(task_id),
            current_user(),
            body["decision"] == "approve",
            body["reason"],
            clock.now(),
        )


@blp.route(f"/review-tasks/{id_path('task_id')}/contest")
class ContestDecision(MethodView):
    """Deciding a contest: upheld, cancelled (with a reason from the list) or reduced."""

    @require_role(*STAFF)
    @blp.arguments(ContestDecisionSchema)
    @blp.response(201, ContestDecidedSchema)
    @document_problems(blp, 401, 403, 404, 409, 422)
    def post(self, body: dict[str, Any], task_id: int) -> Any:
        """Decide a claimed contest task."""
        return issuance.decide_contest(
            deps.current(),
            review.get_task(task_id),
            current_user(),
            body["outcome"],
            clock.now(),
            reason=body.get("reason"),
            note=body["note"],
            new_fine_paisa=body.get("new_fine_paisa"),
        )
