"""Police: a supervisor cancels a served or paid challan (a paid one is refunded on its rail)."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from marshmallow import fields, validate

from echallan.challans.cancellation import Cancellation, cancel_challan
from echallan.core import clock
from echallan.core.api import ApiSchema, Blueprint, document_problems
from echallan.core.auth import actor, require_role_or_scope
from echallan.staff.models import Role
from rules.lifecycle import CANCEL_REASONS

blp = Blueprint(
    "challan_cancel",
    __name__,
    url_prefix="/api/v1/police/challans",
    description="Police: cancelling a served or paid challan",
)
SUPERVISORS = (Role.SUPERVISOR, Role.ADMIN)


class CancelSchema(ApiSchema):
    """Why the challan should never have stood."""

    reason = fields.String(required=True, validate=validate.OneOf(CANCEL_REASONS))
    note = fields.String(required=True, validate=validate.Length(min=3, max=500))


class RefundShownSchema(ApiSchema):
    """A refund the cancellation asked for."""

    rail = fields.String()
    provider = fields.String()
    status = fields.String(metadata={"enum": ["pending", "paid", "instructed", "failed"]})
    amount_paisa = fields.Integer()
    paid_reference = fields.String()
    reference = fields.String(metadata={"description": "the refund's own reference, once paid"})


class CancellationSchema(ApiSchema):
    """The cancellation (the first one, when this request repeats it)."""

    number = fields.String()
    status = fields.String()
    was = fields.String(metadata={"description": "the status before the cancellation"})
    reason = fields.String()
    note = fields.String()
    cancelled_by = fields.String()
    cancelled_at = fields.AwareDateTime(allow_none=True)
    refunds = fields.List(fields.Nested(RefundShownSchema))
    replay = fields.Boolean(metadata={"description": "true: already cancelled, nothing changed"})


@blp.route("/<string(maxlength=32):number>/cancel")
class ChallanCancel(MethodView):
    """Cancelling one challan."""

    @require_role_or_scope("challans:cancel", *SUPERVISORS)
    @blp.arguments(CancelSchema)
    @blp.response(201, CancellationSchema, description="Cancelled (200 with replay: already was)")
    @blp.alt_response(200, schema=CancellationSchema, description="Already cancelled")
    @blp.doc(security=[{"ApiKey": []}, {"StaffSession": []}])
    @document_problems(blp, 401, 403, 404, 409, 422)
    def post(self, body: dict[str, Any], number: str) -> tuple[Cancellation, int]:
        """Cancel an issued, delivered, overdue, upheld or paid challan for a listed reason."""
        done = cancel_challan(number, body["reason"], body["note"], actor(), clock.now())
        return done, 200 if done.replay else 201
