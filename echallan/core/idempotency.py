"""Idempotency-Key for POSTs from partners and banks: a replay returns the first answer."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import wraps
from typing import Any

import sqlalchemy as sa
from flask import Response, g, make_response, request

from echallan.audit.models import IdempotencyRecord
from echallan.core.auth import API_KEY_HEADER, client_from_header
from echallan.core.extensions import db
from rules.errors import InvalidInput

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 200


def idempotent(view: Callable[..., Any]) -> Callable[..., Response]:
    """Store the first successful answer per (client, key); replay it for the same body."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Response:
        key = request.headers.get(HEADER)
        if key is None or _client_key() is None:  # no key, or a caller the view will refuse
            return make_response(view(*args, **kwargs))
        if not key or len(key) > MAX_KEY_LENGTH:
            raise InvalidInput(f"{HEADER} must be 1 to {MAX_KEY_LENGTH} characters")
        body_hash = hashlib.sha256(request.get_data()).hexdigest()
        stored = _stored(key)
        if stored is not None:
            return _replay(stored, body_hash)
        response = make_response(view(*args, **kwargs))
        if response.status_code < 400:
            _remember(key, body_hash, response)
        return response

    return wrapper


def _client_key() -> str | None:
    """Name the authenticated caller the key belongs to (keys are scoped per client)."""
    client = g.get("api_client") or client_from_header(request.headers.get(API_KEY_HEADER))
    return client.key_id if client is not None else None


def _stored(key: str) -> IdempotencyRecord | None:
    """Return the record of an earlier request with this key from this client."""
    query = sa.select(IdempotencyRecord).where(
        IdempotencyRecord.client_key == _client_key(), IdempotencyRecord.key == key
    )
    return db.session.scalar(query)


def _replay(stored: IdempotencyRecord, body_hash: str) -> Response:
    """Return the first answer, or refuse a different body under the same key."""
    if stored.request_hash != body_hash:
        raise InvalidInput(
            f"{HEADER} {stored.key!r} was used before with a different request body",
            errors={HEADER: ["reused with a different body"]},
        )
    response = make_response(stored.body, stored.status_code)
    response.headers["Idempotent-Replayed"] = "true"
    return response


def _remember(key: str, body_hash: str, response: Response) -> None:
    """Store the answer in the same transaction as the change it describes."""
    db.session.add(
        IdempotencyRecord(
            client_key=_client_key(),
            key=key,
            request_hash=body_hash,
            status_code=response.status_code,
            body=response.get_json(silent=True) or {},
        )
    )
    db.session.flush()
