"""The administrator's desk: staff accounts, partner API keys, cameras with their calibration.

Administrators only. Every change is a POST form with the CSRF token, runs one operation of
echallan.staff.operations in its own unit of work (audited there), and answers with a redirect
back to the desk; a refusal re-renders the desk with the reason and the matching status, and
nothing of it is kept. A new key is shown once, in the answer to the POST, and never stored.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from echallan.core import clock, deps
from echallan.core.auth import SCOPES, actor
from echallan.core.errors import STATUS
from echallan.core.pages import staff_page
from echallan.core.uow import unit_of_work
from echallan.staff import operations as staff
from echallan.staff.models import Role
from rules.errors import DomainError

bp = Blueprint("admin_pages", __name__, url_prefix="/staff/admin", template_folder="templates")

Page = str | Response | tuple[str, int] | tuple[str, int, dict[str, str]]
NO_STORE = {"Cache-Control": "no-store"}


def render_desk(status: int = 200, error: str | None = None, new_key: Any = None) -> Page:
    """Render the desk, with a refusal or a key just issued (never cached)."""
    body = render_template(
        "staff/admin.html",
        users=staff.list_users(),
        clients=staff.list_api_clients(),
        cameras=staff.list_cameras(),
        sites=staff.list_sites(),
        roles=Role.ALL,
        kinds=staff.CLIENT_KINDS,
        scopes=SCOPES,
        error=error,
        new_key=new_key,
        form=request.form if error else {},
    )
    return body, status, NO_STORE


def change(work: Callable[[], Any], done: str) -> Page:
    """Run one change in its own unit of work; redirect on success, explain a refusal."""
    try:
        with unit_of_work():
            work()
    except DomainError as error:
        return render_desk(STATUS.get(type(error), 400), error.detail)
    flash(done, "info")
    return redirect(url_for("admin_pages.index"), 303)


@bp.get("")
@staff_page(Role.ADMIN)
def index() -> Page:
    """Show staff, API keys and cameras, each with its forms."""
    return render_desk()


@bp.post("/users")
@staff_page(Role.ADMIN)
def create_user() -> Page:
    """Create a member of staff with a role and a first password."""
    form = request.form
    username = form.get("username", "").strip()
    return change(
        lambda: staff.create_user(
            username,
            form.get("password", ""),
            form.get("role", ""),
            actor(),
            form.get("full_name", "").strip(),
        ),
        _("%(name)s can sign in now.", name=username),
    )


@bp.post("/users/<username>/lock")
@staff_page(Role.ADMIN)
def lock_user(username: str) -> Page:
    """Lock an account (its sessions end)."""
    return change(
        lambda: staff.lock_user(username, actor(), clock.now()),
        _("%(name)s is locked out.", name=username),
    )


@bp.post("/users/<username>/unlock")
@staff_page(Role.ADMIN)
def unlock_user(username: str) -> Page:
    """Unlock an account: failed sign-ins forgotten, active again."""
    return change(
        lambda: staff.unlock_user(username, actor()), _("%(name)s is unlocked.", name=username)
    )


@bp.post("/users/<username>/password")
@staff_page(Role.ADMIN)
def reset_password(username: str) -> Page:
    """Set a new password (its sessions end)."""
    password = request.form.get("password", "")
    return change(
        lambda: staff.reset_password(username, password, actor(), clock.now()),
        _("%(name)s has a new password.", name=username),
    )


@bp.post("/keys")
@staff_page(Role.ADMIN)
def issue_key() -> Page:
    """Issue a key and show it this once."""
    form = request.form
    try:
        with unit_of_work():
            client, key = staff.create_api_client(
                form.get("name", ""), form.get("kind", ""), form.getlist("scopes"), actor()
            )
    except DomainError as error:
        return render_desk(STATUS.get(type(error), 400), error.detail)
    return render_desk(201, new_key={"name": client.name, "key_id": client.key_id, "key": key})


@bp.post("/keys/<key_id>/revoke")
@staff_page(Role.ADMIN)
def revoke_key(key_id: str) -> Page:
    """Revoke a key for good."""
    return change(
        lambda: staff.revoke_api_client(key_id, actor(), deps.current().api_keys),
        _("Key %(key)s is revoked.", key=key_id),
    )


@bp.post("/cameras")
@staff_page(Role.ADMIN)
def add_camera() -> Page:
    """Register a camera from its code, site and uploaded calibration file."""
    form = request.form
    upload = request.files.get("calibration")
    data = upload.read(staff.MAX_CALIBRATION_BYTES + 1) if upload else b""
    code = form.get("code", "").strip()
    return change(
        lambda: staff.register_camera(
            code,
            staff.calibration_from_bytes(data),
            actor(),
            name=form.get("name", "").strip(),
            site_id=form.get("site") or None,
        ),
        _("Camera %(code)s is registered.", code=code),
    )
