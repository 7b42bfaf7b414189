"""Errors raised for clips that cannot be analysed."""

from __future__ import annotations

from rules.errors import InvalidInput


class ClipError(InvalidInput):
    """The clip cannot be decoded; `reason` names the problem (zero-length, truncated...)."""

    title = "Clip cannot be analysed"

    def __init__(self, reason: str, **extra: object) -> None:
        super().__init__(reason, **extra)
        self.reason = reason


class UnsupportedClip(ClipError):
    """The file is not a video container, or its codec is one we cannot decode (HTTP 415)."""

    status = 415
    title = "Unsupported Media Type"
