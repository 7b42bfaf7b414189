"""An SMS gateway over HTTP (see README.md for the contract it expects)."""

from __future__ import annotations

import json
import logging
from typing import Any

import requests
import urllib3
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate
from requests.adapters import HTTPAdapter

from integrations.registry.http import RetryPolicy, Timeouts, make_retry
from integrations.sms.base import (
    SendResult,
    SmsPermanentFailure,
    SmsTemporaryFailure,
    check_message,
    normalize_msisdn,
)

log = logging.getLogger(__name__)

# 4xx that say "not now" rather than "never": a timeout, throttling, or credentials being rotated
# (a message must not be dropped because an operator is fixing a password).
TEMPORARY_4XX = frozenset({401, 403, 407, 408, 425, 429})
ACCEPTED = frozenset({200, 201, 202})
DEFAULT_TIMEOUTS = Timeouts(connect=2.0, read=5.0)
DEFAULT_RETRIES = RetryPolicy(retries=2, backoff=0.5, backoff_max=4.0)


class SendResponseSchema(Schema):
    """The gateway's answer to an accepted message."""

    class Meta:
        unknown = EXCLUDE

    message_id = fields.String(required=True, validate=validate.Length(1, 128))
    status = fields.String(required=True, validate=validate.Length(1, 32))


class HttpSmsGateway:
    """POST messages to a gateway with basic auth, an Idempotency-Key, timeouts and retries."""

    def __init__(
        self,
        endpoint: str,
        username: str,
        password: str,
        sender_id: str,
        *,
        timeouts: Timeouts = DEFAULT_TIMEOUTS,
        retries: RetryPolicy = DEFAULT_RETRIES,
        max_body_bytes: int = 16_384,
        session: requests.Session | None = None,
    ) -> None:
        if not endpoint.startswith(("http://", "https://")) or not sender_id:
            raise ValueError("endpoint must be http(s)://... and sender_id must not be empty")
        self.endpoint, self.sender_id, self.timeouts = endpoint, sender_id, timeouts
        self.max_body_bytes = max_body_bytes
        self._session = session or requests.Session()
        if session is None:
            self._session.trust_env = False  # credentials go to this endpoint only, never .netrc
        self._session.auth = (username, password)
        # Retrying a POST is safe here: the gateway de-duplicates on Idempotency-Key.
        retry = make_retry(retries, methods=frozenset({"POST"}))
        self._session.mount(endpoint, HTTPAdapter(max_retries=retry))

    def send(self, to: str, text: str, idempotency_key: str) -> SendResult:
        """Hand the message over; raise SmsTemporaryFailure or SmsPermanentFailure."""
        check_message(text, idempotency_key)
        body = {"to": normalize_msisdn(to), "from": self.sender_id, "text": text}
        try:
            response = self._post(dict(body, reference=idempotency_key), idempotency_key)
        except requests.RequestException as exc:
            raise self._temporary(f"transport: {type(exc).__name__}", idempotency_key) from exc
        with response:
            return self._interpret(response, idempotency_key)

    def close(self) -> None:
        """Release pooled connections."""
        self._session.close()

    def _post(self, body: dict[str, str], idempotency_key: str) -> requests.Response:
        """Send the request (urllib3 retries timeouts, resets and 5xx underneath)."""
        return self._session.post(
            self.endpoint,
            json=body,
            headers={"Idempotency-Key": idempotency_key, "Accept": "application/json"},
            timeout=(self.timeouts.connect, self.timeouts.read),
            stream=True,
            allow_redirects=False,
        )

    def _interpret(self, response: requests.Response, key: str) -> SendResult:
        """Turn the gateway's answer into a SendResult or the right failure."""
        code = response.status_code
        if code >= 500 or code in TEMPORARY_4XX:
            raise self._temporary(f"HTTP {code}", key)
        if 400 <= code < 500:
            detail = self._read(response, key)[:200].decode("utf-8", "replace")
            log.error("SMS %s refused by the gateway: HTTP %s %s", key, code, detail)
            raise SmsPermanentFailure(f"gateway refused the message: HTTP {code}", http=code)
        if code not in ACCEPTED:
            raise self._temporary(f"unexpected HTTP {code}", key)
        try:
            answer = SendResponseSchema().load(self._json(response, key))
        except ValidationError as exc:
            raise self._temporary(f"unreadable answer {exc.messages}", key) from exc
        return SendResult(answer["message_id"], answer["status"].lower())

    def _json(self, response: requests.Response, key: str) -> Any:
        """Decode the body as JSON, or fail temporarily (a retry with the key is harmless)."""
        try:
            return json.loads(self._read(response, key))
        except ValueError as exc:
            raise self._temporary("answer is not JSON", key) from exc

    def _read(self, response: requests.Response, key: str) -> bytes:
        """Read at most max_body_bytes of the body."""
        try:
            body = response.raw.read(self.max_body_bytes + 1, decode_content=True)
        except (OSError, urllib3.exceptions.HTTPError) as exc:  # resets, read timeouts
            raise self._temporary(f"reading the answer: {type(exc).__name__}", key) from exc
        if len(body) > self.max_body_bytes:
            raise self._temporary(f"answer exceeds {self.max_body_bytes} bytes", key)
        return body

    @staticmethod
    def _temporary(reason: str, key: str) -> SmsTemporaryFailure:
        """Log and return a retryable failure."""
        log.warning("SMS %s not sent, will be retried: %s", key, reason)
        return SmsTemporaryFailure(f"SMS gateway failed: {reason}", reason=reason)
