"""Citizens: look a challan up, see its evidence, contest it."""

from __future__ import annotations

from typing import Any

from flask import Response
from flask.views import MethodView
from marshmallow import fields, validate

from echallan.citizens import operations as citizens
from echallan.core import clock
from echallan.core.api import ApiSchema, Blueprint, document_problems, id_path
from echallan.core.security import rate_limit

blp = Blueprint(
    "citizens",
    __name__,
    url_prefix="/api/v1/challans",
    description="Citizens: look up, evidence, contest (challan number and plate together)",
)


class PlateArg(ApiSchema):
    """The plate on the challan, required with its number so numbers cannot be enumerated."""

    plate = fields.String(required=True, validate=validate.Length(min=1, max=16))
    cnic = fields.String(
        validate=validate.Regexp(r"^[0-9]{5}-?[0-9]{7}-?[0-9]$"),
        metadata={"description": "the owner's CNIC; when sent, it must match too"},
    )


class CitizenChallanSchema(ApiSchema):
    """A challan as its owner sees it."""

    number = fields.String()
    status = fields.String()
    bill_status = fields.String()
    consumer_number = fields.String()
    offence = fields.String()
    legal_basis = fields.String()
    place = fields.String()
    occurred_at = fields.AwareDateTime()
    occurred_at_local = fields.String()
    plate = fields.String()
    vehicle_class = fields.String()
    owner_name_masked = fields.String()
    fine_paisa = fields.Integer()
    amount_due_paisa = fields.Integer()
    payable = fields.Boolean()
    discount_until = fields.Date()
    surcharge_from = fields.Date()
    clip_sha256 = fields.String(allow_none=True)
    photo_sha256 = fields.List(fields.String(), metadata={"description": "a field challan's"})
    evidence = fields.List(fields.Dict())
    can_contest = fields.Boolean()


class ContestSchema(ApiSchema):
    """A citizen's contest."""

    plate = fields.String(required=True, validate=validate.Length(min=1, max=16))
    grounds = fields.String(required=True, validate=validate.Length(min=10, max=4000))
    contact_phone = fields.String(validate=validate.Regexp(r"^\+?[0-9]{10,13}$"))


class ContestResultSchema(ApiSchema):
    """The filed contest."""

    contest_id = fields.Integer()
    challan_number = fields.String()
    status = fields.String()
    review_task_id = fields.Integer()


@blp.route("/<number>")
class CitizenChallan(MethodView):
    """One challan."""

    @blp.arguments(PlateArg, location="query")
    @blp.response(200, CitizenChallanSchema)
    @document_problems(blp, 404, 422, 429)
    @rate_limit("CITIZEN_LOOKUP_RATE_LIMIT", scope="citizen-lookup")
    def get(self, args: dict[str, Any], number: str) -> dict[str, Any]:
        """Look up a challan by its number and plate."""
        challan = citizens.find(number, args["plate"], args.get("cnic"))
        return citizens.view(challan, clock.now())


@blp.route(f"/<number>/evidence/{id_path('index', minimum=0)}")
class CitizenEvidence(MethodView):
    """Evidence images."""

    @blp.arguments(PlateArg, location="query")
    @blp.response(200, description="JPEG or PNG image", content_type="image/jpeg")
    @document_problems(blp, 404, 422, 429)
    @rate_limit("CITIZEN_LOOKUP_RATE_LIMIT", scope="citizen-lookup")
    def get(self, args: dict[str, Any], number: str, index: int) -> Any:
        """Return one evidence image of a challan, bystanders blurred (as the portal shows it)."""
        challan = citizens.find(number, args["plate"], args.get("cnic"))
        data, mimetype = citizens.citizen_evidence(challan, index)
        response = Response(data, mimetype=mimetype)
        response.headers["Cache-Control"] = "private, max-age=3600"
        return response


@blp.route("/<number>/contest")
class CitizenContest(MethodView):
    """Contesting a challan."""

    @blp.arguments(ContestSchema)
    @blp.response(201, ContestResultSchema)
    # 403: a browser that also carries a staff session must send its CSRF token.
    @document_problems(blp, 403, 404, 409, 422, 429)
    @rate_limit("CONTEST_RATE_LIMIT")
    def post(self, body: dict[str, Any], number: str) -> dict[str, Any]:
        """Contest a challan; it goes to the police review queue."""
        challan = citizens.find(number, body.pop("plate"))
        contest, task = citizens.file_contest(
            challan, body["grounds"], body.get("contact_phone"), clock.now()
        )
        return {
            "contest_id": contest.id,
            "challan_number": challan.number,
            "status": challan.status,
            "review_task_id": task.id,
        }
