"""Staff sign-in: a session cookie for police, supervisors and administrators."""

from __future__ import annotations

from typing import Any

from flask import session
from flask.views import MethodView
from marshmallow import fields

from echallan.core.api import ApiSchema, Blueprint, document_problems
from echallan.core.auth import authenticate, current_user
from rules.errors import DomainError

blp = Blueprint("session", __name__, url_prefix="/api/v1/session", description="Staff sign-in")


class Unauthorized(DomainError):
    """Credentials were wrong."""

    status = 401
    title = "Unauthorized"


class LoginSchema(ApiSchema):
    """Username and password."""

    username = fields.String(required=True)
    password = fields.String(required=True, load_only=True)


class StaffSchema(ApiSchema):
    """The signed-in member of staff."""

    username = fields.String()
    full_name = fields.String()
    role = fields.String()


@blp.route("")
class Session(MethodView):
    """The staff session."""

    @blp.arguments(LoginSchema)
    @blp.response(200, StaffSchema)
    @document_problems(blp, 401, 422)
    def post(self, credentials: dict[str, Any]) -> Any:
        """Sign in."""
        user = authenticate(credentials["username"], credentials["password"])
        if user is None:
            raise Unauthorized("wrong username or password")
        session.clear()
        session["user_id"] = user.id
        return user

    @blp.response(200, StaffSchema)
    @document_problems(blp, 401)
    def get(self) -> Any:
        """Say who is signed in."""
        user = current_user()
        if user is None:
            raise Unauthorized("not signed in")
        return user

    @blp.response(204)
    def delete(self) -> None:
        """Sign out."""
        session.clear()
