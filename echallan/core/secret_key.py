"""The instance's own secret key, generated on first start when none is configured.

A key that ships with the code signs cookies anyone can forge. Without SECRET_KEY in the
environment (development, a plain gunicorn) each instance makes a random key once and keeps it
in its instance folder, readable by its owner only, so restarts and every worker of one
instance share it. Production refuses to start without its own (see config.ProductionConfig).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

SECRET_FILE = "secret_key"
# The audit chain's HMAC key: outside the database, so write access to it cannot rebuild a chain.
AUDIT_KEY_FILE = "audit_key"
KEY_BYTES = 32


def instance_secret(folder: Path, name: str = SECRET_FILE) -> str:
    """Return the key kept in `folder`, creating it (mode 0600, atomically) on first use."""
    path = folder / name
    if not path.exists():
        _create(path)
    return _read(path)


def _create(path: Path) -> None:
    """Write a new random key beside `path`, then link it into place unless another won."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    # O_EXCL with mode 0600: the key is never, even briefly, readable by others.
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="ascii") as file:
            file.write(secrets.token_hex(KEY_BYTES))
            file.flush()
            os.fsync(file.fileno())
        # link() fails when the name exists: of workers starting together, the first wins and
        # the others read its key, so one instance never signs with two keys.
        os.link(temporary, path)
    except FileExistsError:
        pass
    finally:
        temporary.unlink(missing_ok=True)


def _read(path: Path) -> str:
    """Read the key, refusing a file that others may read or one too short to be a key."""
    if path.stat().st_mode & 0o077:
        raise RuntimeError(f"{path} must be readable by its owner only (chmod 600 it)")
    key = path.read_text(encoding="ascii").strip()
    if len(key) < KEY_BYTES:
        raise RuntimeError(f"{path} does not hold a key of {KEY_BYTES} bytes or more")
    return key
