"""Checks every request passes before routing reaches a view: path, query string, body size.

Path segments with control characters match no route (404); a query string with them is refused
(422); a JSON body is capped at MAX_JSON_BYTES (413) and its nesting at MAX_JSON_DEPTH. Uploads
(multipart) keep the larger MAX_CONTENT_LENGTH, the clip size limit.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, current_app, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.routing import UnicodeConverter

from echallan.core.api import MAX_JSON_DEPTH, URL_CONTROL_CHARACTERS, json_too_deep
from echallan.core.errors import problem


class PathSegmentConverter(UnicodeConverter):
    """The default `<name>` converter: a path segment without control characters.

    PostgreSQL refuses a NUL in a text comparison; a segment holding one names nothing (404).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.regex = self.regex.replace("[^/]", r"[^/\x00-\x1f\x7f]", 1)


class EdgeJSONProvider(DefaultJSONProvider):
    """Flask's JSON provider, refusing text nested too deep before the parser recurses on it."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        """Parse JSON; deep nesting is a ValueError, which `request.get_json` answers as 400."""
        if json_too_deep(s):
            raise ValueError(f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
        return super().loads(s, **kwargs)


def _limit_body() -> None:
    """Cap bodies other than uploads at MAX_JSON_BYTES; Flask answers a larger one 413."""
    if request.mimetype != "multipart/form-data":
        request.max_content_length = current_app.config["MAX_JSON_BYTES"]


def _refuse_control_characters_in_query() -> Response | None:
    """Answer 422 to a query string (names or values) holding control characters."""
    for name, value in request.args.items(multi=True):
        if URL_CONTROL_CHARACTERS.search(name) or URL_CONTROL_CHARACTERS.search(value):
            return problem(
                422,
                "Unprocessable Entity",
                "control characters are not allowed in the query string",
                errors={"query": {name: ["control characters are not allowed"]}},
            )
    return None


def install_converters(app: Flask) -> None:
    """Make every untyped path segment refuse control characters (before routes are added)."""
    app.url_map.converters["default"] = PathSegmentConverter
    app.url_map.converters["string"] = PathSegmentConverter


def init_app(app: Flask) -> None:
    """Install the JSON provider and the request checks."""
    app.json = EdgeJSONProvider(app)
    app.before_request(_limit_body)
    app.before_request(_refuse_control_characters_in_query)
