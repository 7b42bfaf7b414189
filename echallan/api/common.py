"""Schemas and helpers shared by the API blueprints."""

from __future__ import annotations

from marshmallow import Schema, fields

PROBLEM_RESPONSES = {
    400: "Bad request",
    401: "No valid credentials",
    403: "Credentials lack the needed scope or role",
    404: "Not found",
    409: "Conflict with the current state",
    422: "Invalid input",
}


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
