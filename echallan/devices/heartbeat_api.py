"""Heartbeats from boxes and cameras: `POST /api/v1/devices/<id>/heartbeats`.

A device key (scope heartbeats:write) bound to the device or its box may send; an unbound
fleet key may send for any device.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Response, abort, g, request
from flask.views import MethodView
from marshmallow import fields

from echallan.core import clock, deps
from echallan.core.api import ApiSchema, Blueprint, document_problems
from echallan.core.auth import API_KEY_HEADER, hash_secret
from echallan.devices import heartbeats
from rules.errors import InvalidInput
from rules.health import MAX_COUNT

blp = Blueprint(
    "devices", __name__, url_prefix="/api/v1/devices", description="Devices: heartbeats"
)
F = TypeVar("F", bound=Callable[..., Any])


class HeartbeatSchema(ApiSchema):
    """A heartbeat as a device sends it (rules.health.validate_heartbeat is the contract)."""

    device_clock = fields.AwareDateTime(
        required=True, metadata={"description": "the device's clock, ISO 8601 with offset"}
    )
    mains_on = fields.Boolean(allow_none=True)
    battery_pct = fields.Float(allow_none=True, metadata={"minimum": 0, "maximum": 100})
    door_open = fields.Boolean(allow_none=True, metadata={"description": "tamper switch"})
    lat = fields.Float(allow_none=True, metadata={"description": "WGS-84; 0,0 means no fix"})
    lon = fields.Float(allow_none=True)
    temperature_c = fields.Float(allow_none=True)
    uptime_s = fields.Integer(allow_none=True, metadata={"minimum": 0, "maximum": MAX_COUNT})
    frames_since_last = fields.Integer(
        allow_none=True, metadata={"minimum": 0, "maximum": MAX_COUNT}
    )


class HeartbeatAcceptedSchema(ApiSchema):
    """What a stored heartbeat changed."""

    device_id = fields.String()
    received_at = fields.AwareDateTime()
    clock_offset_s = fields.Float()
    clock_trusted = fields.Boolean()
    opened = fields.List(fields.String(), metadata={"description": "rules of alerts opened"})
    resolved = fields.List(fields.String(), metadata={"description": "rules of alerts resolved"})


def require_device_key(view: F) -> F:
    """Admit a key with scope heartbeats:write (like auth.require_scope, with a short cache)."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        header = request.headers.get(API_KEY_HEADER) or ""
        key_id, _, secret = header.partition(".")
        cache = deps.current().device_keys
        client = heartbeats.device_key(key_id, cache) if key_id and secret else None
        if client is None or not hmac.compare_digest(client.key_hash, hash_secret(secret)):
            abort(401, description=f"a valid {API_KEY_HEADER} header is required")
        if "heartbeats:write" not in client.scopes:
            abort(403, description="this key lacks the scope 'heartbeats:write'")
        g.api_client = client
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


@blp.route("/<device_id>/heartbeats")
class Heartbeats(MethodView):
    """A device's heartbeats."""

    @blp.doc(
        requestBody={
            "required": True,
            "content": {"application/json": {"schema": HeartbeatSchema}},
        },
        security=[{"ApiKey": []}],
    )
    @blp.response(202, HeartbeatAcceptedSchema, description="Stored; alerts reconciled")
    @document_problems(blp, 401, 403, 404, 422)
    @require_device_key
    def post(self, device_id: str) -> Response:
        """Send a heartbeat; a bad value is refused (422 naming the `field`) and nothing stored."""
        raw = request.get_json(silent=True)
        if not isinstance(raw, dict):
            raise InvalidInput("the body must be a JSON object", field="body")
        settings = deps.current().settings
        result = heartbeats.record_heartbeat(settings, device_id, raw, g.api_client, clock.now())
        # Dumped here, not by the response schema: on the hot path marshmallow costs ~10 % CPU.
        body = {
            "device_id": result.device_id,
            "received_at": result.received_at.isoformat(),
            "clock_offset_s": result.clock_offset_s,
            "clock_trusted": result.clock_trusted,
            "opened": result.opened,
            "resolved": result.resolved,
        }
        return Response(json.dumps(body), 202, mimetype="application/json")
