"""Signing staff in and out of the browser session: the one path the API and the pages share.

The use cases (credentials, lockout, session rows) are in echallan.staff.sessions and know
nothing of Flask; this module ties them to Flask's cookie session, so that POST /api/v1/session
and the sign-in form cannot drift apart.
"""

from __future__ import annotations

from flask import session

from echallan.core import clock, deps
from echallan.core.security import SESSION_KEY
from echallan.core.uow import unit_of_work
from echallan.staff import sessions
from echallan.staff.models import User


def sign_in(username: str, password: str) -> User | None:
    """Check the credentials and, when right, open a fresh session; None for any refusal."""
    settings, now = deps.current().settings, clock.now()
    # Committed here, not by the request wrapper, which rolls back a refusal (401): a failure's
    # count and lock must stay.
    with unit_of_work():
        outcome = sessions.check_credentials(
            username, password, now, settings.lockout, settings.password_hash_method
        )
    if outcome.user is None:
        return None
    session.clear()  # a new session id and CSRF token: nothing carried over from before
    session.permanent = True
    with unit_of_work():
        session[SESSION_KEY] = sessions.open_session(outcome.user, now)
    return outcome.user


def sign_out() -> None:
    """Revoke the session on the server and forget the cookie, whatever becomes of it."""
    token = session.get(SESSION_KEY)
    if isinstance(token, str):
        with unit_of_work():
            sessions.revoke_session(token, clock.now())
    session.clear()
