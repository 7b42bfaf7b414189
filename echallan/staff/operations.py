"""Administration use cases: cameras, staff, API clients."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from echallan.audit import operations as audit
from echallan.clips.models import Camera
from echallan.core.auth import SCOPES, hash_password, hash_secret, new_api_key
from echallan.core.extensions import db
from echallan.staff.models import ApiClient, Role, User
from rules.calibration import parse_calibration
from rules.errors import Conflict, InvalidInput, NotFound


def register_camera(
    camera_id: str,
    calibration: dict[str, Any],
    actor: str,
    name: str = "",
    site_id: str | None = None,
    box_id: str | None = None,
) -> Camera:
    """Register a camera with a validated calibration (the calibration's id must match)."""

    parse_calibration(calibration)
    if calibration.get("camera_id") != camera_id:
        raise InvalidInput(
            "calibration camera_id does not match", errors={"camera_id": [camera_id]}
        )
    if db.session.get(Camera, camera_id) is not None:
        raise Conflict(f"camera {camera_id!r} exists already")
    camera = Camera(
        id=camera_id, name=name, calibration=calibration, site_id=site_id, box_id=box_id
    )
    db.session.add(camera)
    db.session.flush()
    audit.record(actor, "camera.registered", camera, calibration=calibration)
    return camera


def create_user(username: str, password: str, role: str, actor: str, full_name: str = "") -> User:
    """Create a member of staff with a hashed password."""
    if role not in Role.ALL:
        raise InvalidInput(f"role must be one of {Role.ALL}", errors={"role": [role]})
    if len(password) < 8:
        raise InvalidInput("passwords need at least 8 characters", errors={"password": ["short"]})
    user = User(
        username=username, full_name=full_name, password_hash=hash_password(password), role=role
    )
    db.session.add(user)
    db.session.flush()
    audit.record(actor, "user.created", user, username=username, role=role)
    return user


def create_api_client(
    name: str, kind: str, scopes: list[str], actor: str, device_id: str | None = None
) -> tuple[ApiClient, str]:
    """Create a machine caller; return it and its key, which is shown once and stored hashed."""
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown:
        raise InvalidInput(f"unknown scopes {unknown}", errors={"scopes": unknown})
    key_id, secret, key = new_api_key()
    client = ApiClient(
        name=name,
        kind=kind,
        key_id=key_id,
        key_hash=hash_secret(secret),
        scopes=sorted(scopes),
        device_id=device_id,
    )
    db.session.add(client)
    db.session.flush()
    audit.record(actor, "api_client.created", client, name=name, kind=kind, scopes=client.scopes)
    return client, key


def unlock_user(username: str, actor: str) -> User:
    """Clear a member of staff's failed sign-ins and lock, audited (NotFound for no such user)."""
    user = db.session.scalar(sa.select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"no member of staff named {username!r}")
    before = user.locked_until.isoformat() if user.locked_until else None
    failed = user.failed_logins
    user.failed_logins, user.locked_until = 0, None
    db.session.flush()
    audit.record(actor, "user.unlocked", user, locked_until=before, failed_logins=failed)
    return user
