"""Police in the field: challans recorded by officers where the cameras are down."""

from __future__ import annotations

from typing import Any

from flask import request
from flask.views import MethodView
from marshmallow import ValidationError, fields

from echallan.challans.field import FieldRecord, Photo, record_field_challan
from echallan.core import clock, deps
from echallan.core.api import ApiSchema, Blueprint, BoundedDateTime, document_problems
from echallan.core.auth import actor, require_role
from echallan.staff.models import Role
from rules.errors import InvalidInput

blp = Blueprint(
    "field",
    __name__,
    url_prefix="/api/v1/police/field-challans",
    description="Police: field challans (manual enforcement where cameras are down)",
)
OFFICERS = (Role.OFFICER, Role.SUPERVISOR, Role.ADMIN)


class FieldChallanFormSchema(ApiSchema):
    """The multipart form an officer sends (one or more `photo` parts)."""

    photo = fields.Raw(required=True, metadata={"type": "string", "format": "binary"})
    plate = fields.String(required=True, metadata={"description": "as read on the vehicle"})
    vehicle_class = fields.String(
        required=True, metadata={"enum": ["motorcycle", "car", "jeep", "heavy"]}
    )
    rule = fields.String(required=True, metadata={"enum": ["red_light", "wrong_way", "no_helmet"]})
    site_id = fields.String(required=True)
    occurred_at = BoundedDateTime(required=True)
    note = fields.String()


class FieldFieldsSchema(ApiSchema):
    """The form's text fields, loaded and checked."""

    plate = fields.String(required=True)
    vehicle_class = fields.String(required=True)
    rule = fields.String(required=True)
    site_id = fields.String(required=True)
    occurred_at = BoundedDateTime(required=True)
    note = fields.String(load_default="")


class FieldChallanSchema(ApiSchema):
    """The recorded event, queued for the owner look-up and issuance."""

    event_id = fields.Integer(attribute="id")
    status = fields.String()
    plate_read = fields.String()
    rule = fields.String()
    occurred_at = fields.AwareDateTime()
    evidence = fields.Dict()


def _record() -> FieldRecord:
    """Load the form's text fields; a missing or bad one is a 422 naming it."""
    try:
        data = FieldFieldsSchema().load(request.form.to_dict())
    except ValidationError as error:
        name = sorted(error.messages)[0]
        raise InvalidInput(f"invalid field {name!r}", field=name, errors=error.messages) from None
    return FieldRecord(**data)


@blp.route("")
class FieldChallans(MethodView):
    """Field challans."""

    @blp.doc(
        requestBody={"content": {"multipart/form-data": {"schema": FieldChallanFormSchema}}},
        security=[{"StaffSession": []}],
    )
    @blp.response(201, FieldChallanSchema, description="Recorded; look-up and issuance queued")
    @document_problems(blp, 401, 403, 404, 413, 422)
    @require_role(*OFFICERS)
    def post(self) -> tuple[Any, int]:
        """Record a field challan: photos, the plate typed, vehicle class, rule, site, time."""
        photos = [Photo(f.stream, f.filename or "") for f in request.files.getlist("photo")]
        store = deps.current().store
        return record_field_challan(store, _record(), photos, actor(), clock.now()), 201
