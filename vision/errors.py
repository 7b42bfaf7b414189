"""Errors raised for clips that cannot be analysed."""

from __future__ import annotations

from rules.errors import InvalidInput, UnsupportedMedia


class ClipError(InvalidInput):
    """The clip cannot be decoded; `reason` names the problem (zero-length, truncated...)."""

    title = "Clip cannot be analysed"

    def __init__(self, reason: str, **extra: object) -> None:
        super().__init__(reason, **extra)
        self.reason = reason


class UnsupportedClip(UnsupportedMedia, ClipError):
    """The file is not a video container, or its codec is one we cannot decode.

    UnsupportedMedia first, so the app's status map finds it (415) before InvalidInput (422);
    still a ClipError, so the analysis treats it like any unusable clip.
    """

    title = "Unsupported Media Type"
