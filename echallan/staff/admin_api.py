"""Administrators over HTTP: unlock a member of staff locked out by failed sign-ins."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from marshmallow import fields

from echallan.core.api import ApiSchema, Blueprint, document_problems
from echallan.core.auth import actor, require_role
from echallan.staff import operations as staff
from echallan.staff.models import Role

blp = Blueprint(
    "staff_admin", __name__, url_prefix="/api/v1/ops/staff", description="Administrators: staff"
)


class UnlockedSchema(ApiSchema):
    """A member of staff after an unlock."""

    username = fields.String()
    failed_logins = fields.Integer()
    locked_until = fields.AwareDateTime(allow_none=True)


@blp.route("/<username>/unlock")
class Unlock(MethodView):
    """Unlocking an account."""

    @require_role(Role.ADMIN)
    @blp.response(200, UnlockedSchema)
    @blp.doc(security=[{"StaffSession": [], "CsrfToken": []}])
    @document_problems(blp, 401, 403, 404)
    def post(self, username: str) -> Any:
        """Clear failed sign-ins and the lock of a member of staff (administrators), audited."""
        return staff.unlock_user(username, actor())
