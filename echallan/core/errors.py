"""One place that turns every error into RFC 9457 `application/problem+json`."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, json, request
from marshmallow import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException, InternalServerError

from echallan.core import pages
from rules import errors as domain
from rules.errors import DomainError

log = logging.getLogger(__name__)

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "https://echallan.invalid/problems/"


def problem(status: int, title: str, detail: str = "", **extra: Any) -> Response:
    """Build a problem+json response (an HTML page instead, when a page was asked for)."""
    if request and pages.is_page_request():
        return pages.error_page(status, title, detail)
    body = {
        "type": PROBLEM_TYPE_BASE + title.lower().replace(" ", "-"),
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.path if request else None,
        **extra,
    }
    return Response(json.dumps(body), status=status, mimetype=PROBLEM_MEDIA_TYPE)


def _from_http(error: HTTPException) -> Response:
    """Render a werkzeug or flask-smorest HTTP error, keeping validation messages."""
    extra: dict[str, Any] = {}
    data = getattr(error, "data", None) or {}
    if "messages" in data:
        extra["errors"] = data["messages"]
    response = problem(error.code or 500, error.name, error.description or "", **extra)
    # werkzeug's own headers (Allow on a 405, Retry-After...), then those passed to abort()
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    for name, value in (data.get("headers") or getattr(error, "headers", None) or {}).items():
        response.headers[name] = value
    return response


# The HTTP status of each kind of domain error; a subclass answers as its nearest listed base.
STATUS: dict[type[DomainError], int] = {
    domain.DomainError: 400,
    domain.InvalidInput: 422,
    domain.NotFound: 404,
    domain.Conflict: 409,
    domain.Unauthorized: 401,
    domain.Forbidden: 403,
    domain.TooLarge: 413,
    domain.UnsupportedMedia: 415,
    domain.UpstreamFailure: 502,
    domain.Unavailable: 503,
}


def status_of(error: DomainError) -> int:
    """Return the HTTP status for a domain error: that of the nearest class in `STATUS`."""
    return next(STATUS[kind] for kind in type(error).__mro__ if kind in STATUS)


RESERVED = frozenset({"type", "title", "status", "detail", "instance"})


def _from_domain(error: DomainError) -> Response:
    """Render a domain rule violation with its own status; its details become extension members."""
    extra = {
        (f"current_{key}" if key in RESERVED else key): value
        for key, value in error.extra.items()
        if _is_json_value(value)
    }
    return problem(status_of(error), error.title, error.detail, **extra)


def _from_validation(error: ValidationError) -> Response:
    """Render a marshmallow validation error raised outside a schema-decorated view."""
    return problem(422, "Unprocessable Entity", "invalid input", errors=error.messages)


def _from_lost_race(error: Exception) -> Response:
    """A concurrent request changed the same row first (version check or unique key)."""
    log.info("lost a race on %s %s: %s", request.method, request.path, error)
    return problem(409, "Conflict", "another request changed this record first")


def _from_unexpected(error: Exception) -> Response:
    """Log an unexpected error and answer 500 without leaking internals."""
    log.exception("unhandled error on %s %s", request.method, request.path)
    return _from_http(InternalServerError())


def _is_json_value(value: object) -> bool:
    """Tell whether a value can go into the JSON body as is."""
    return isinstance(value, str | int | float | bool | list | dict | type(None))


def init_app(app: Flask) -> None:
    """Register the problem+json handlers (after flask-smorest, so ours win)."""
    app.register_error_handler(HTTPException, _from_http)
    app.register_error_handler(DomainError, _from_domain)
    app.register_error_handler(ValidationError, _from_validation)
    app.register_error_handler(StaleDataError, _from_lost_race)
    app.register_error_handler(IntegrityError, _from_lost_race)
    app.register_error_handler(Exception, _from_unexpected)
