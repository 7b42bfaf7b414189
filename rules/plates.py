"""The one way to compare plates: upper case, separators dropped (AZU-290, azu 290 -> AZU290)."""

from __future__ import annotations

import re

from rules.errors import InvalidInput

# Longest real plate key is about 10 characters (LEA-13-2293 -> LEA132293); leave headroom.
MAX_PLATE_KEY = 12
_SEPARATORS = re.compile(r"[\s\-_./]+")
_KEY = re.compile(r"[A-Z0-9]+")


def plate_key(plate: str) -> str:
    """Return the plate in upper case without separators; raise InvalidInput if it cannot be one."""
    if not isinstance(plate, str):
        raise InvalidInput("plate must be a string", plate=repr(plate))
    key = _SEPARATORS.sub("", plate.strip().upper())
    if not key or len(key) > MAX_PLATE_KEY or not _KEY.fullmatch(key):
        raise InvalidInput(f"not a plate: {plate!r}", plate=plate)
    return key


def plate_key_or_none(plate: str | None) -> str | None:
    """Return the plate's key, or None for a read that cannot be a plate (empty, '--', '#?')."""
    try:
        return plate_key(plate) if plate else None
    except InvalidInput:
        return None
