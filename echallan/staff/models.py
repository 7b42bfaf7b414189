"""Staff users and API clients (devices, partners, banks)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from echallan.core.extensions import db
from echallan.core.types import UtcDateTime, utcnow


class Role:
    """Staff roles, least to most powerful."""

    OFFICER = "officer"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"
    ALL = (OFFICER, SUPERVISOR, ADMIN)


class User(db.Model):
    """A member of staff who signs in with a password."""

    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(64), unique=True)
    full_name: Mapped[str] = mapped_column(sa.String(200), default="")
    password_hash: Mapped[str] = mapped_column(sa.String(256))
    role: Mapped[str] = mapped_column(sa.String(16))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # Failed sign-ins in a row, and the lock they earned (rules.access.lockout_for).
    failed_logins: Mapped[int] = mapped_column(default=0, server_default="0")
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime)


class StaffSession(db.Model):
    """One sign-in: the cookie carries a random token, the row its hash and its state.

    The signed cookie alone cannot be taken back; this row can: sign-out revokes it, and it
    lapses after the idle and absolute timeouts whatever the cookie's own expiry says.
    """

    __tablename__ = "staff_session"

    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)  # sha256 of the token
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    user: Mapped[User] = relationship(lazy="joined")


class ApiClient(db.Model):
    """A machine caller: a camera device, a registry partner or a bank; key stored hashed."""

    __tablename__ = "api_client"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[str] = mapped_column(sa.String(24))  # device | partner | bank
    key_id: Mapped[str] = mapped_column(sa.String(32), unique=True)
    key_hash: Mapped[str] = mapped_column(sa.String(64))
    scopes: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    device_id: Mapped[str | None] = mapped_column(sa.String(32))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # When a request last came with this key (sessions.note_key_used: at most once a minute).
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
