"""Schemas and helpers shared by the API blueprints: the edge every request crosses first.

Bad input is refused here with a 4xx problem, before it reaches a database that would raise on it
(PostgreSQL refuses NUL in text, Python's JSON parser recurses once per nesting level, datetimes
near year 1 or 9999 overflow when moved to UTC).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import flask_smorest
from marshmallow import INCLUDE, Schema, ValidationError, fields, pre_load, validate
from webargs import core
from webargs.flaskparser import FlaskParser, is_json_request

PROBLEM_RESPONSES = {
    400: "Bad request",
    401: "No valid credentials",
    403: "Credentials lack the needed scope or role",
    404: "Not found",
    405: "Method not allowed on this resource",
    409: "Conflict with the current state",
    413: "Request body too large",
    415: "Unsupported media type",
    422: "Invalid input",
    429: "Too many requests: retry after the Retry-After header's seconds",
}

# C0 controls but tab, newline and carriage return; DEL; lone surrogates (JSON can carry them as
# \ud800 escapes, but UTF-8 cannot encode them). PostgreSQL refuses NUL in text columns.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
# Paths and query strings carry no line breaks or tabs either.
URL_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")
MAX_JSON_DEPTH = 32
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)

_JSON_STRING = re.compile(rb'"(?:[^"\\]++|\\.)*+"', re.DOTALL)
_JSON_BRACKET = re.compile(rb"[\[\]{}]")


# The largest row id or offset a request may name: PostgreSQL's `integer`. Larger numbers find
# nothing, but the databases raise on them (SQLite past 2**63, PostgreSQL's OFFSET past its
# bigint): they are refused where they come in, 422 in a query and 404 in a path, never a 500.
MAX_DB_INT = 2**31 - 1


def offset_field() -> fields.Integer:
    """Return the paging offset field: 0 by default, at most MAX_DB_INT."""
    return fields.Integer(load_default=0, validate=validate.Range(min=0, max=MAX_DB_INT))


def row_id_field() -> fields.Integer:
    """Return an optional filter naming a row by its id."""
    return fields.Integer(validate=validate.Range(min=1, max=MAX_DB_INT))


def id_path(name: str, minimum: int = 1) -> str:
    """Return a route part `<int:name>` that only matches ids a row (or list) can have."""
    return f"<int(min={minimum}, max={MAX_DB_INT}):{name}>"


class ProblemSchema(Schema):
    """RFC 9457 problem details; a problem may carry extension members (RFC 9457, 3.2)."""

    class Meta:
        unknown = INCLUDE  # documented as additionalProperties: true

    type = fields.String()
    title = fields.String()
    status = fields.Integer()
    detail = fields.String()
    instance = fields.String(allow_none=True)
    errors = fields.Dict()


def document_problems(blueprint, *codes: int):  # noqa: ANN001, ANN201
    """Decorate a view so the OpenAPI document lists its problem+json answers."""

    def decorator(view):  # noqa: ANN001, ANN202
        for code in codes:
            view = blueprint.alt_response(
                code,
                schema=ProblemSchema,
                description=PROBLEM_RESPONSES.get(code, "Error"),
                content_type="application/problem+json",
            )(view)
        return view

    return decorator


def json_too_deep(text: bytes | str, limit: int = MAX_JSON_DEPTH) -> bool:
    """Tell whether JSON text nests arrays or objects deeper than `limit`, without parsing it.

    Counted on the text (strings removed first) because the parser itself would recurse once per
    level and raise RecursionError, a 500, past about a thousand.
    """
    data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    depth = 0
    for bracket in _JSON_BRACKET.finditer(_JSON_STRING.sub(b"", data)):
        depth += 1 if bracket.group() in (b"[", b"{") else -1
        if depth > limit:
            return True
    return False


def has_control_characters(value: object) -> bool:
    """Tell whether a loaded value holds a string (key or value, at any depth) with a control."""
    if isinstance(value, str):
        return CONTROL_CHARACTERS.search(value) is not None
    if isinstance(value, Mapping):
        return any(has_control_characters(k) or has_control_characters(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(has_control_characters(item) for item in value)
    return False


class ApiSchema(Schema):
    """The base of every API schema: strings with control characters are refused (422)."""

    @pre_load(pass_collection=True)
    def refuse_control_characters(self, data: Any, **_: Any) -> Any:
        """Refuse input whose strings carry NUL or other control characters, naming the field."""
        if isinstance(data, Mapping):
            bad = [str(key) for key, value in data.items() if has_control_characters([key, value])]
            if bad:
                raise ValidationError(dict.fromkeys(bad, ["control characters are not allowed"]))
        elif has_control_characters(data):
            raise ValidationError("control characters are not allowed")
        return data


class BoundedDateTime(fields.AwareDateTime):
    """A timezone-aware datetime between 2000-01-01 and 2100-01-01 (UTC)."""

    default_error_messages = {"range": "must lie between 2000-01-01 and 2100-01-01 (UTC)"}

    def __init__(self, **kwargs: Any) -> None:
        metadata = {"description": "ISO 8601 with offset, 2000-01-01 to 2100-01-01 UTC"}
        super().__init__(metadata={**metadata, **kwargs.pop("metadata", {})}, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> datetime:
        """Parse, then refuse dates outside the range (year 1 and 9999 overflow in UTC)."""
        parsed = super()._deserialize(value, attr, data, **kwargs)
        try:
            in_utc = parsed.astimezone(UTC)
        except OverflowError:
            raise self.make_error("range") from None
        if not EARLIEST <= in_utc < LATEST:
            raise self.make_error("range")
        return parsed


class EdgeParser(FlaskParser):
    """The webargs parser of every blueprint: JSON nested too deep is a 422, not a 500."""

    def _raw_load_json(self, req: Any) -> Any:
        """Refuse deep nesting before parsing the body."""
        if not is_json_request(req):
            return core.missing
        body = req.get_data(cache=True)
        if json_too_deep(body):
            raise ValidationError({"json": [f"nested deeper than {MAX_JSON_DEPTH} levels"]})
        return core.parse_json(body)

    def _handle_invalid_json_error(self, error: Exception, req: Any, *args: Any, **kw: Any) -> Any:
        """Answer a body that is not JSON 422, the documented invalid-input problem (not 400)."""
        raise ValidationError({"json": ["the body is not valid JSON"]})


class Blueprint(flask_smorest.Blueprint):
    """A flask-smorest blueprint whose arguments go through the edge parser."""

    ARGUMENTS_PARSER = EdgeParser()
