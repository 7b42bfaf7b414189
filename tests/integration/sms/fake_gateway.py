"""A tiny SMS gateway for tests: basic auth, de-duplication by Idempotency-Key, failure knobs."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, Response, jsonify, request


@dataclass
class GatewayState:
    """Messages accepted, requests seen, and the failures to inject next."""

    username: str = "echallan"
    password: str = "secret"
    messages: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: int = 0
    fail_next: int = 0
    slow_next: int = 0
    slow_seconds: float = 0.0
    status_next: int | None = None
    garbage_next: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def create_fake_gateway(state: GatewayState) -> Flask:
    """Return the gateway app bound to a state the test can inspect and steer."""
    app = Flask("fake_sms_gateway")

    @app.post("/v1/messages")
    def send() -> Response | tuple[Response, int]:
        auth = request.authorization
        if not auth or (auth.username, auth.password) != (state.username, state.password):
            return jsonify(title="Unauthorized"), 401
        with state.lock:
            state.requests += 1
            delay = _take_delay(state)
            fault = _take_fault(state)
        time.sleep(delay)  # and then answer: the client may have given up already
        return fault or _accept(state)

    return app


def _take_delay(state: GatewayState) -> float:
    """Consume one injected delay, if any (called under the lock)."""
    if state.slow_next > 0:
        state.slow_next -= 1
        return state.slow_seconds
    return 0.0


def _take_fault(state: GatewayState) -> Response | tuple[Response, int] | None:
    """Consume one injected failure, if any (called under the lock)."""
    if state.fail_next > 0:
        state.fail_next -= 1
        return jsonify(title="Upstream SMSC down"), 503
    if state.status_next is not None:
        status, state.status_next = state.status_next, None
        return jsonify(title="Refused", detail="number is on the do-not-disturb list"), status
    if state.garbage_next > 0:
        state.garbage_next -= 1
        return Response("<html>OK</html>", 200, mimetype="text/html")
    return None


def _accept(state: GatewayState) -> tuple[Response, int]:
    """Store the message once per Idempotency-Key and answer with its id."""
    body = request.get_json(force=True)
    key = request.headers.get("Idempotency-Key", "")
    if not key or not {"to", "from", "text"} <= body.keys():
        return jsonify(title="Bad request"), 400
    with state.lock:
        stored = state.messages.setdefault(
            key, {**body, "message_id": f"gw-{len(state.messages) + 1:06d}"}
        )
    return jsonify(message_id=stored["message_id"], status="ACCEPTED"), 202
