"""Schemas and helpers shared by the API blueprints."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

PROBLEM_RESPONSES = {
    400: "Bad request",
    401: "No valid credentials",
    403: "Credentials lack the needed scope or role",
    404: "Not found",
    409: "Conflict with the current state",
    422: "Invalid input",
    429: "Too many requests: retry after the Retry-After header's seconds",
}


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
    """RFC 9457 problem details."""

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
