"""Staff pages: the sign-in form, sign-out, and the start page that leads to each desk.

Signing in here opens the same server-side session as POST /api/v1/session, with the same
lockout and the same one answer for every refusal. The forms carry Flask-WTF's CSRF token.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from echallan.core.auth import current_user
from echallan.core.pages import safe_next, staff_page
from echallan.core.security import rate_limit
from echallan.staff import web_session

bp = Blueprint("staff_pages", __name__, url_prefix="/staff", template_folder="templates")

# Each desk a role may open from the start page: (endpoint, label, roles). A desk's blueprint
# may not be registered yet; the start page lists only the desks that exist.
DESKS = (
    ("review_pages.queue", _l("Review queue"), ("officer", "supervisor", "admin")),
    ("supervisor_pages.decisions", _l("Supervisor view"), ("supervisor", "admin")),
    ("challan_pages.field_form", _l("Field challan"), ("officer", "supervisor", "admin")),
    ("device_pages.board", _l("Control room"), ("officer", "supervisor", "admin")),
    ("report_pages.reports", _l("Reports"), ("officer", "supervisor", "admin")),
    ("admin_pages.index", _l("Administration"), ("admin",)),
)


class SignInForm(FlaskForm):
    """Username and password, with the CSRF token."""

    username = StringField("Username", validators=[DataRequired(), Length(max=64)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=256)])


@bp.route("/sign-in", methods=["GET", "POST"])
@rate_limit("LOGIN_RATE_LIMIT", scope="login")
def sign_in() -> str | Response | tuple[str, int]:
    """Show the sign-in form; on a right password open a session and go where asked."""
    form = SignInForm()
    target = safe_next(request.args.get("next"), url_for("staff_pages.start"))
    if not form.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        return render_template("staff/sign_in.html", form=form, refused=False), status
    user = web_session.sign_in(form.username.data or "", form.password.data or "")
    if user is None:
        return render_template("staff/sign_in.html", form=form, refused=True), 401
    return redirect(target)


@bp.post("/sign-out")
def sign_out() -> Response:
    """Revoke the session on the server and forget the cookie."""
    web_session.sign_out()
    flash(_("You are signed out."), "info")
    return redirect(url_for("staff_pages.sign_in"))


@bp.get("")
@staff_page()
def start() -> str:
    """List the desks this member of staff may open."""
    user = current_user()
    assert user is not None  # staff_page admitted a signed-in user
    return render_template("staff/start.html", desks=desks_for(user.role))


def desks_for(role: str) -> list[tuple[str, str]]:
    """The (url, label) of each desk `role` may open, among the pages this app serves."""
    known = current_app.view_functions
    return [
        (url_for(endpoint), str(label))
        for endpoint, label, roles in DESKS
        if role in roles and endpoint in known
    ]


@bp.app_context_processor
def staff_layout() -> dict[str, object]:
    """Let the staff layout ask who is signed in and which desks to list (only when it asks)."""

    def staff_desks() -> list[tuple[str, str]]:
        user = current_user()
        return desks_for(user.role) if user is not None else []

    return {"staff_user": current_user, "staff_desks": staff_desks}
