"""Staff sign-in use cases: check a password with lockout, open, resume and revoke sessions.

The cookie carries only a random token; the server keeps its sha256 (a stolen database does not
yield live cookies) with the session's state, so sign-out and timeouts take effect at once.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from werkzeug.security import check_password_hash, generate_password_hash

from echallan.audit import operations as audit
from echallan.core.extensions import db
from echallan.staff.models import ApiClient, StaffSession, User
from rules.access import LockoutPolicy, SessionPolicy, lockout_for, session_alive

# Touching last_seen_at on every request would write a row per call; a minute is precise
# enough for idle timeouts counted in tens of minutes.
TOUCH_EVERY_S = 60
_dummy_hashes: dict[str, str] = {}


def verify_password(password_hash: str, password: str) -> bool:
    """Check a password against its hash (the one slow step of a sign-in, on every path)."""
    return check_password_hash(password_hash, password)


def dummy_hash(method: str) -> str:
    """Return a hash of a random password made with `method`, made once per method."""
    if method not in _dummy_hashes:
        _dummy_hashes[method] = generate_password_hash(secrets.token_hex(16), method=method)
    return _dummy_hashes[method]


@dataclass(frozen=True)
class SignIn:
    """The outcome of checking credentials: the user, or None and, when locked, until when."""

    user: User | None
    locked_until: datetime | None = None


def check_credentials(
    username: str, password: str, now: datetime, policy: LockoutPolicy, hash_method: str
) -> SignIn:
    """Check a sign-in, counting failures and locking the account after too many in a row.

    Every path verifies one hash, an unknown user's and a locked account's too, so the time
    taken does not tell which usernames exist or are locked.
    """
    user = db.session.scalar(sa.select(User).where(User.username == username))
    if user is None:
        verify_password(dummy_hash(hash_method), password)
        return SignIn(None)
    if user.locked_until is not None and user.locked_until > now:
        verify_password(dummy_hash(hash_method), password)
        return SignIn(None, user.locked_until)
    if verify_password(user.password_hash, password) and user.active:
        user.failed_logins, user.locked_until = 0, None
        return SignIn(user)
    return SignIn(None, _count_failure(user, now, policy))


def _count_failure(user: User, now: datetime, policy: LockoutPolicy) -> datetime | None:
    """Count one more failure; lock (and audit the lock) once past the threshold."""
    # Incremented in SQL: concurrent guesses each count, none overwrites another's.
    db.session.execute(
        sa.update(User).where(User.id == user.id).values(failed_logins=User.failed_logins + 1)
    )
    db.session.refresh(user)
    lock = lockout_for(user.failed_logins, policy)
    if lock is None:
        return None
    user.locked_until = now + lock
    db.session.flush()
    audit.record(
        "system",
        "user.locked",
        user,
        failed_logins=user.failed_logins,
        locked_until=user.locked_until.isoformat(),
    )
    return user.locked_until


def token_hash(token: str) -> str:
    """Return the stored form of a session token."""
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(user: User, now: datetime) -> str:
    """Start a session for a signed-in user; return the token for the cookie."""
    token = secrets.token_urlsafe(32)
    db.session.add(
        StaffSession(id=token_hash(token), user_id=user.id, created_at=now, last_seen_at=now)
    )
    db.session.flush()
    return token


def resume_session(token: str, now: datetime, policy: SessionPolicy) -> User | None:
    """Return the active user of a live session (touching it), or None if it is over."""
    row = db.session.get(StaffSession, token_hash(token))
    if row is None or row.revoked_at is not None or not row.user.active:
        return None
    if not session_alive(row.created_at, row.last_seen_at, now, policy):
        return None
    if (now - row.last_seen_at).total_seconds() >= TOUCH_EVERY_S:
        row.last_seen_at = now
    return row.user


def revoke_session(token: str, now: datetime) -> None:
    """End a session: its cookie, kept or stolen, is worthless from now on."""
    row = db.session.get(StaffSession, token_hash(token))
    if row is not None and row.revoked_at is None:
        row.revoked_at = now


def note_key_used(client: ApiClient, now: datetime) -> None:
    """Remember when a key was last accepted, writing at most once a minute per key."""
    last = client.last_used_at
    if last is None or (now - last).total_seconds() >= TOUCH_EVERY_S:
        client.last_used_at = now
