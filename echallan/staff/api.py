"""Staff sign-in: a session cookie for police, supervisors and administrators.

The cookie holds a random token of a server-side session (echallan.staff.sessions); signing out
revokes it. Unsafe requests made with the cookie must send the CSRF token this API hands out
(sign-in answer and GET) in the X-CSRFToken header.
"""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_wtf.csrf import generate_csrf
from marshmallow import fields

from echallan.core.api import ApiSchema, Blueprint, document_problems
from echallan.core.auth import current_user
from echallan.core.security import rate_limit
from echallan.staff import web_session
from echallan.staff.models import User
from rules.errors import Unauthorized

blp = Blueprint("session", __name__, url_prefix="/api/v1/session", description="Staff sign-in")

# One answer for a wrong password, an unknown user and a locked account: none tells which.
SIGN_IN_REFUSED = "wrong username or password, or too many failed attempts: wait and retry"


class LoginSchema(ApiSchema):
    """Username and password."""

    username = fields.String(required=True)
    password = fields.String(required=True, load_only=True)


class StaffSchema(ApiSchema):
    """The signed-in member of staff, and the CSRF token for the X-CSRFToken header."""

    username = fields.String()
    full_name = fields.String()
    role = fields.String()
    csrf_token = fields.String()


def signed_in(user: User) -> dict[str, Any]:
    """Describe the signed-in user with this session's CSRF token."""
    return {
        "username": user.username,
        "full_name": user.full_name,
        "role": user.role,
        "csrf_token": generate_csrf(),
    }


@blp.route("")
class Session(MethodView):
    """The staff session."""

    @blp.arguments(LoginSchema)
    @blp.response(200, StaffSchema)
    @document_problems(blp, 401, 422, 429)
    @rate_limit("LOGIN_RATE_LIMIT")
    def post(self, credentials: dict[str, Any]) -> Any:
        """Sign in."""
        user = web_session.sign_in(credentials["username"], credentials["password"])
        if user is None:
            raise Unauthorized(SIGN_IN_REFUSED)
        return signed_in(user)

    @blp.response(200, StaffSchema)
    @document_problems(blp, 401)
    def get(self) -> Any:
        """Say who is signed in (with the CSRF token)."""
        user = current_user()
        if user is None:
            raise Unauthorized("not signed in")
        return signed_in(user)

    @blp.response(204)
    @document_problems(blp, 403)
    def delete(self) -> None:
        """Sign out: the session is revoked on the server, whatever becomes of the cookie."""
        web_session.sign_out()
