"""Administration use cases: cameras, staff, API clients (the admin desk, API and commands)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from cachetools import TTLCache

from echallan.audit import operations as audit
from echallan.clips.models import Camera
from echallan.core import auth_keys
from echallan.core.auth import SCOPES, hash_password, hash_secret, new_api_key
from echallan.core.extensions import db
from echallan.devices.models import Site
from echallan.staff.models import ApiClient, Role, StaffSession, User
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
    if not CODE.fullmatch(camera_id or ""):
        raise InvalidInput(
            "camera codes are 1-32 letters, digits, '-' or '_'", errors={"camera_id": [camera_id]}
        )
    if len(name) > 200:
        raise InvalidInput("a camera name has at most 200 characters", errors={"name": ["long"]})
    if site_id and db.session.get(Site, site_id) is None:
        raise NotFound(f"no site {site_id!r}: register the site first")
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
    if not USERNAME.fullmatch(username or ""):
        raise InvalidInput(
            "usernames are 2-64 lower-case letters, digits, '.', '_' or '-'",
            errors={"username": [username]},
        )
    if len(full_name) > 200:
        raise InvalidInput("a full name has at most 200 characters", errors={"full_name": ["long"]})
    _check_password(password)
    if _user_named(username) is not None:
        raise Conflict(f"a member of staff named {username!r} exists already")
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
    if not name or not name.strip() or len(name) > 200:
        raise InvalidInput("a key needs a name of 1-200 characters", errors={"name": [name]})
    if kind not in CLIENT_KINDS:
        raise InvalidInput(f"kind must be one of {CLIENT_KINDS}", errors={"kind": [kind]})
    if not scopes:
        raise InvalidInput("a key needs at least one scope", errors={"scopes": ["required"]})
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown:
        raise InvalidInput(f"unknown scopes {unknown}", errors={"scopes": unknown})
    key_id, secret, key = new_api_key()
    client = ApiClient(
        name=name.strip(),
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
    """Clear a member of staff's failed sign-ins, lockout and lock, audited (NotFound for none).

    An account an administrator locked (inactive) is active again afterwards.
    """
    user = get_user(username)
    before = user.locked_until.isoformat() if user.locked_until else None
    failed, was_active = user.failed_logins, user.active
    user.failed_logins, user.locked_until, user.active = 0, None, True
    db.session.flush()
    audit.record(
        actor,
        "user.unlocked",
        user,
        locked_until=before,
        failed_logins=failed,
        was_active=was_active,
    )
    return user


USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,63}")
CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,31}")
CLIENT_KINDS = ("partner", "bank", "device")
MIN_PASSWORD = 8
MAX_CALIBRATION_BYTES = 64 * 1024


def _check_password(password: str) -> None:
    """Refuse a password too short to resist guessing (or too long to hash cheaply)."""
    if len(password or "") < MIN_PASSWORD:
        raise InvalidInput(
            f"passwords need at least {MIN_PASSWORD} characters", errors={"password": ["short"]}
        )
    if len(password) > 256:
        raise InvalidInput("passwords have at most 256 characters", errors={"password": ["long"]})


def _user_named(username: str) -> User | None:
    """Return the member of staff of that name, if any."""
    return db.session.scalar(sa.select(User).where(User.username == username))


def get_user(username: str) -> User:
    """Return a member of staff by username or raise NotFound."""
    user = _user_named(username)
    if user is None:
        raise NotFound(f"no member of staff named {username!r}")
    return user


def list_users() -> list[User]:
    """Return every member of staff, by username."""
    return list(db.session.scalars(sa.select(User).order_by(User.username)))


def _revoke_sessions(user: User, now: datetime) -> int:
    """End every live session of a user; return how many there were."""
    result = db.session.execute(
        sa.update(StaffSession)
        .where(StaffSession.user_id == user.id, StaffSession.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return result.rowcount or 0


def lock_user(username: str, actor: str, now: datetime) -> User:
    """Lock an account until an administrator unlocks it; its sessions end at once (audited)."""
    user = get_user(username)
    if actor == f"user:{username}":
        raise Conflict("you cannot lock your own account")
    user.active = False
    ended = _revoke_sessions(user, now)
    db.session.flush()
    audit.record(actor, "user.locked_by_admin", user, sessions_ended=ended)
    return user


def reset_password(username: str, password: str, actor: str, now: datetime) -> User:
    """Give a member of staff a new password; lockout cleared, old sessions ended (audited)."""
    user = get_user(username)
    _check_password(password)
    user.password_hash = hash_password(password)
    user.failed_logins, user.locked_until = 0, None
    ended = _revoke_sessions(user, now)
    db.session.flush()
    audit.record(actor, "user.password_reset", user, sessions_ended=ended)  # never the password
    return user


def list_api_clients(kinds: tuple[str, ...] = CLIENT_KINDS) -> list[ApiClient]:
    """Return the API clients of these kinds, newest first (revoked ones too)."""
    query = sa.select(ApiClient).where(ApiClient.kind.in_(kinds))
    return list(
        db.session.scalars(query.order_by(ApiClient.created_at.desc(), ApiClient.id.desc()))
    )


def get_api_client(key_id: str) -> ApiClient:
    """Return an API client by its public key id or raise NotFound."""
    client = db.session.scalar(sa.select(ApiClient).where(ApiClient.key_id == key_id))
    if client is None:
        raise NotFound(f"no API key {key_id!r}")
    return client


def revoke_api_client(key_id: str, actor: str, cache: TTLCache) -> ApiClient:
    """Revoke a key for good (audited); this process refuses it at once, others within the TTL.

    `cache` is the verified-key cache (Deps.api_keys): see echallan.core.auth_keys.
    """
    if not get_api_client(key_id).active:
        raise Conflict(f"API key {key_id!r} is revoked already")
    return auth_keys.revoke_key(key_id, actor, cache)


@dataclass(frozen=True)
class CameraRow:
    """A camera as the administrator lists it."""

    id: str
    name: str
    site_id: str | None
    site_name: str | None
    calibrated: bool
    rules: list[str]


def list_cameras() -> list[CameraRow]:
    """Return every camera with its site and whether its calibration parses."""
    query = sa.select(Camera, Site.name).outerjoin(Site, Site.id == Camera.site_id)
    return [
        _camera_row(camera, site) for camera, site in db.session.execute(query.order_by(Camera.id))
    ]


def _camera_row(camera: Camera, site_name: str | None) -> CameraRow:
    """Describe one camera; a calibration that no longer parses counts as missing."""
    try:
        rules = sorted(parse_calibration(camera.calibration or {}).rules)
        calibrated = True
    except InvalidInput:
        rules, calibrated = [], False
    return CameraRow(camera.id, camera.name, camera.site_id, site_name, calibrated, rules)


def list_sites() -> list[tuple[str, str]]:
    """Return (id, name) of every site, for the camera form."""
    return [
        tuple(row) for row in db.session.execute(sa.select(Site.id, Site.name).order_by(Site.id))
    ]


def calibration_from_bytes(data: bytes) -> dict[str, Any]:
    """Read an uploaded calibration file as a JSON object, with a readable refusal."""
    if not data:
        raise InvalidInput("choose a calibration file (JSON)", errors={"calibration": ["required"]})
    if len(data) > MAX_CALIBRATION_BYTES:
        raise InvalidInput(
            "a calibration file is at most 64 KiB", errors={"calibration": ["large"]}
        )
    try:
        value = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InvalidInput(
            f"the calibration file is not JSON: {error}", errors={"calibration": ["not json"]}
        ) from error
    if not isinstance(value, dict):
        raise InvalidInput("calibration: expected a JSON object", errors={"calibration": ["type"]})
    return value
