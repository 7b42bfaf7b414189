"""Domain errors shared by every layer; the API maps `status` to a problem+json response."""

from __future__ import annotations


class DomainError(Exception):
    """A rule of the domain was broken; `status` is the HTTP status the API answers with."""

    status = 400
    title = "Domain rule violated"

    def __init__(self, detail: str, **extra: object) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class InvalidInput(DomainError):
    """A value handed to the domain is malformed (bad calibration, bad metadata, bad plate)."""

    status = 422
    title = "Invalid input"


class NotFound(DomainError):
    """The thing asked for does not exist."""

    status = 404
    title = "Not found"


class Conflict(DomainError):
    """The request conflicts with the current state (a race lost, a duplicate)."""

    status = 409
    title = "Conflict"


class IllegalTransition(Conflict):
    """A lifecycle transition that the law does not allow from the current state."""

    title = "Illegal state transition"
