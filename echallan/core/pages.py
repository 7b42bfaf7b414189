"""What every server-rendered page shares: staff-only pages, and errors as readable HTML.

A page answers a person, so its errors are pages too (with the same status code): a problem+json
body is for the API under /api/. Pages sign staff in with the same server-side session as the
API (echallan.staff.sessions) and send a signed-out visitor to the sign-in form.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Response, redirect, render_template, request, url_for

from echallan.core.auth import current_user

F = TypeVar("F", bound=Callable[..., Any])

API_PREFIX = "/api/"
STAFF_ROLES = ("officer", "supervisor", "admin")


def is_page_request() -> bool:
    """Tell whether this request is for a page (HTML) rather than the API or a file."""
    return not request.path.startswith(API_PREFIX) and request.blueprint != "docs_assets"


def error_page(status: int, title: str, detail: str) -> Response:
    """Render an error as a page a person can read, with where to go next."""
    body = render_template("error.html", status=status, title=title, detail=detail)
    response = Response(body, status=status, mimetype="text/html")
    return response


def staff_page(*roles: str) -> Callable[[F], F]:
    """Admit signed-in staff with one of `roles` (any staff role when none is named).

    Signed out: a redirect to the sign-in form, which comes back here afterwards. Signed in
    with another role: 403, as a page.
    """
    allowed = roles or STAFF_ROLES

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            user = current_user()
            if user is None or not user.active:
                return redirect(url_for("staff_pages.sign_in", next=request.full_path))
            if user.role not in allowed:
                return error_page(
                    403, "Forbidden", f"This page is for the role {' or '.join(allowed)}."
                )
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorator


def safe_next(target: str | None, default: str) -> str:
    """Return a local path to go back to after signing in; anything else goes to `default`."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target.rstrip("?") or default
