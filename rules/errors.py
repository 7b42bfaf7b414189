"""Domain errors shared by every layer.

They say what went wrong in the domain's terms; they carry no transport code. The app maps each
class to its HTTP status (`echallan.core.errors.STATUS`) and the 1Bill view to its bank codes.
"""

from __future__ import annotations


class DomainError(Exception):
    """A rule of the domain was broken."""

    title = "Domain rule violated"

    def __init__(self, detail: str, **extra: object) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class InvalidInput(DomainError):
    """A value handed to the domain is malformed (bad calibration, bad metadata, bad plate)."""

    title = "Invalid input"


class NotFound(DomainError):
    """The thing asked for does not exist."""

    title = "Not found"


class Conflict(DomainError):
    """The request conflicts with the current state (a race lost, a duplicate)."""

    title = "Conflict"


class IllegalTransition(Conflict):
    """A lifecycle transition that the law does not allow from the current state."""

    title = "Illegal state transition"


class Unauthorized(DomainError):
    """The caller could not be identified (no credentials, or wrong ones)."""

    title = "Unauthorized"


class Forbidden(DomainError):
    """The caller is known but may not act on this resource (e.g. another device's key)."""

    title = "Forbidden"


class TooLarge(DomainError):
    """An upload is larger than the configured limit."""

    title = "Content Too Large"


class UnsupportedMedia(DomainError):
    """An upload is not of a kind we can read (e.g. not a video container)."""

    title = "Unsupported Media Type"


class UpstreamFailure(DomainError):
    """An outside service we hand work to refused or failed it (e.g. the SMS gateway)."""

    title = "Upstream service failed"


class Unavailable(UpstreamFailure):
    """An outside service we depend on gave no usable answer (down, slow, sending garbage)."""

    title = "Service unavailable"
