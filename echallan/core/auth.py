"""Who is calling: API keys with scopes for machines, session login with roles for staff."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort, current_app, g, request, session
from werkzeug.security import generate_password_hash

from echallan.core import clock, deps
from echallan.core.auth_keys import KeyHolder, holder_of
from echallan.core.auth_keys import hash_secret as hash_secret  # staff and devices hash with it
from echallan.core.security import API_KEY_HEADER, SESSION_KEY
from echallan.staff import sessions
from echallan.staff.models import User

F = TypeVar("F", bound=Callable[..., Any])

# Scopes a key may carry; a partner key never reads what its scope does not grant.
SCOPES = {
    "clips:write": "send clips from a camera",
    "heartbeats:write": "send device heartbeats",
    "challans:read": "read challan status and outstanding challans by plate or CNIC",
    "ownership:write": "notify ownership changes",
    "payments:write": "1Bill inquiry and payment, wallet webhooks",
    "audit:read": "read the audit chain's head, to anchor it outside the database",
    "holds:write": "release or cancel challans held after an ownership change",
    "challans:cancel": "cancel a served or paid challan for a listed reason (paid: refunded)",
}


def new_api_key() -> tuple[str, str, str]:
    """Return (key_id, secret, full key as sent in the header)."""
    key_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    return key_id, secret, f"{key_id}.{secret}"


def hash_password(password: str) -> str:
    """Hash a staff password (scrypt via werkzeug, unless configured otherwise)."""

    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def client_from_header(header: str | None) -> KeyHolder | None:
    """Find the active client whose key is in the header (kept briefly once verified)."""
    return holder_of(header, deps.current().api_keys)


def require_scope(scope: str) -> Callable[[F], F]:
    """Admit a machine caller whose key carries `scope`: 401 without a valid key, else 403."""
    if scope not in SCOPES:
        raise ValueError(f"unknown scope {scope}")

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:

            client = client_from_header(request.headers.get(API_KEY_HEADER))
            if client is None:
                abort(401, description=f"a valid {API_KEY_HEADER} header is required")
            if scope not in client.scopes:
                abort(403, description=f"this key lacks the scope {scope!r}")
            g.api_client = client
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorator


def current_user() -> User | None:
    """Return the staff member of this request's live session, if any."""
    if "user" not in g:
        token = session.get(SESSION_KEY)
        policy = deps.current().settings.sessions
        # Only a str token is looked up: an old cookie of the {"user_id": n} kind finds nothing.
        live = isinstance(token, str)
        g.user = sessions.resume_session(token, clock.now(), policy) if live else None
    return g.user


def require_role(*roles: str) -> Callable[[F], F]:
    """Admit signed-in staff with one of `roles`: 401 when signed out, 403 for other roles."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            user = current_user()
            if user is None or not user.active:
                abort(401, description="sign in first")
            if user.role not in roles:
                abort(403, description=f"this action needs the role {' or '.join(roles)}")
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorator


def require_role_or_scope(scope: str, *roles: str) -> Callable[[F], F]:
    """Admit a machine key carrying `scope` or signed-in staff with one of `roles`.

    A caller sending an API key is judged by the key alone (a bad key is 401 even in a browser
    with a staff session), so a machine never borrows a person's rights by accident.
    """
    by_key, by_role = require_scope(scope), require_role(*roles)

    def decorator(view: F) -> F:
        keyed, staffed = by_key(view), by_role(view)

        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:

            chosen = keyed if request.headers.get(API_KEY_HEADER) else staffed
            return chosen(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorator


def actor() -> str:
    """Name the caller for the audit trail."""
    if g.get("api_client") is not None:
        return f"client:{g.api_client.name}"
    user = current_user()
    return f"user:{user.username}" if user else "anonymous"
