"""Registry partners and agencies: outstanding challans (transfer blocks), status, transfers."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from marshmallow import fields, validate

from echallan.challans import operations as challans
from echallan.core import clock, deps
from echallan.core.api import ApiSchema, Blueprint, BoundedDateTime, document_problems, offset_field
from echallan.core.auth import actor, require_scope
from echallan.core.idempotency import idempotent
from echallan.core.security import rate_limit
from echallan.partners import operations as partners
from rules import dues, fines, lifecycle

blp = Blueprint(
    "partners",
    __name__,
    url_prefix="/api/v1/partners",
    description="Registry partners: challans by plate or CNIC, status, ownership changes",
)


class PartnerChallanSchema(ApiSchema):
    """What a partner may see of a challan: no owner name, address or phone."""

    number = fields.String()
    status = fields.String()
    bill_status = fields.Function(lambda c: lifecycle.bill_status(c.status))
    rule = fields.String()
    plate = fields.String()
    vehicle_class = fields.String()
    occurred_at = fields.AwareDateTime()
    issued_at = fields.AwareDateTime()
    amount_due_paisa = fields.Function(lambda c: amount_due_today(c))


def amount_due_today(challan: Any) -> int:
    """Return what the challan costs today (Karachi date)."""
    return dues.amount_due(
        challans.dues_of(challan), fines.to_karachi(clock.now()).date()
    ).amount_paisa


class OutstandingArgs(ApiSchema):
    """Look up by plate or by the owner's CNIC."""

    plate = fields.String(validate=validate.Length(min=1, max=16))
    cnic = fields.String(validate=validate.Length(min=13, max=15))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    offset = offset_field()


class OutstandingPage(ApiSchema):
    """One page of outstanding challans."""

    total = fields.Integer()
    limit = fields.Integer()
    offset = fields.Integer()
    items = fields.List(fields.Nested(PartnerChallanSchema))


class OwnershipChangeSchema(ApiSchema):
    """A vehicle sold: who bought it and when."""

    plate = fields.String(required=True, validate=validate.Length(min=1, max=16))
    transferred_at = BoundedDateTime(required=True)
    new_owner_cnic = fields.String(required=True)
    new_owner_name = fields.String(required=True, validate=validate.Length(min=1, max=200))


class OwnershipResultSchema(ApiSchema):
    """The challans put on hold by a transfer."""

    plate = fields.String()
    held = fields.List(fields.String())


@blp.route("/challans")
class Outstanding(MethodView):
    """Outstanding challans."""

    @require_scope("challans:read")
    @blp.arguments(OutstandingArgs, location="query")
    @blp.response(200, OutstandingPage)
    @blp.doc(security=[{"ApiKey": []}])
    @document_problems(blp, 401, 403, 422, 429)
    @rate_limit("PARTNER_LOOKUP_RATE_LIMIT", scope="partner-lookup", by_key=True)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """List a vehicle's or an owner's unpaid challans (for transfer blocks)."""
        items, total = partners.outstanding(
            args.get("plate"), args.get("cnic"), args["limit"], args["offset"]
        )
        return {"total": total, "limit": args["limit"], "offset": args["offset"], "items": items}


@blp.route("/challans/<number>")
class ChallanStatus(MethodView):
    """One challan's status."""

    @blp.response(200, PartnerChallanSchema)
    @blp.doc(security=[{"ApiKey": []}])
    @document_problems(blp, 401, 403, 404, 422, 429)
    @rate_limit("PARTNER_LOOKUP_RATE_LIMIT", scope="partner-lookup", by_key=True)
    @require_scope("challans:read")
    def get(self, number: str) -> Any:
        """Return a challan's status by its number."""
        return challans.get_challan(number)


@blp.route("/ownership-changes")
class OwnershipChanges(MethodView):
    """Vehicle transfers."""

    @idempotent
    @require_scope("ownership:write")
    @blp.arguments(OwnershipChangeSchema)
    @blp.response(201, OwnershipResultSchema)
    @blp.doc(
        security=[{"ApiKey": []}],
        parameters=[
            {
                "name": "Idempotency-Key",
                "in": "header",
                "schema": {"type": "string"},
                "required": False,
            }
        ],
    )
    @document_problems(blp, 401, 403, 404, 409, 422, 503)
    def post(self, body: dict[str, Any]) -> dict[str, Any]:
        """Record a sale: the plate's open challans not in the buyer's name go on hold."""
        held = partners.record_ownership_change(
            partners.OwnershipChange(**body), actor(), deps.current().registry
        )
        return {"plate": body["plate"], "held": [c.number for c in held]}
