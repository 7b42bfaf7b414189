"""A JSON webhook sender for the control room: one POST per message, keyed for idempotency.

The receiver is expected to ignore a repeated `Idempotency-Key` (a retried delivery after a
timeout may arrive twice). With a shared secret, the body is signed (HMAC-SHA256) in
`X-Signature: sha256=<hex>` so the receiver can tell our calls from forged ones.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any

import requests

# Answers worth retrying later: timeouts, too early, throttled, server trouble.
TEMPORARY_STATUSES = frozenset({408, 425, 429})


class WebhookFailure(Exception):
    """The message was not accepted."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class WebhookTemporaryFailure(WebhookFailure):
    """Worth retrying with the same key (connection trouble, timeouts, 5xx, 429)."""


class WebhookPermanentFailure(WebhookFailure):
    """Retrying cannot help (the receiver refused the message: 4xx)."""


@dataclass(frozen=True, slots=True)
class WebhookResult:
    """What the receiver answered."""

    status: int
    provider_id: str


class WebhookSender:
    """POST JSON messages to one URL with a keep-alive session."""

    def __init__(self, url: str, secret: str = "", timeout_s: float = 5.0) -> None:
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"webhook URL must be http(s): {url!r}")
        self.url = url
        self.secret = secret.encode()
        self.timeout_s = timeout_s
        self.session = requests.Session()
        self.session.trust_env = False  # no proxies or netrc from the environment

    def send(self, payload: dict[str, Any], idempotency_key: str) -> WebhookResult:
        """Deliver one message; raise a temporary or permanent WebhookFailure."""
        body = json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()
        try:
            response = self.session.post(
                self.url,
                data=body,
                headers=self._headers(body, idempotency_key),
                timeout=self.timeout_s,
            )
        except requests.RequestException as error:
            raise WebhookTemporaryFailure(f"webhook unreachable: {error}") from error
        return self._interpret(response, idempotency_key)

    def close(self) -> None:
        """Close the pooled connections."""
        self.session.close()

    def _headers(self, body: bytes, idempotency_key: str) -> dict[str, str]:
        """Return the request headers, with the signature when a secret is set."""
        headers = {"Content-Type": "application/json", "Idempotency-Key": idempotency_key}
        if self.secret:
            digest = hmac.new(self.secret, body, hashlib.sha256).hexdigest()
            headers["X-Signature"] = f"sha256={digest}"
        return headers

    @staticmethod
    def _interpret(response: requests.Response, key: str) -> WebhookResult:
        """Turn the receiver's answer into a result or a failure of the right kind."""
        status = response.status_code
        if 200 <= status < 300:
            provider = response.headers.get("X-Request-Id") or f"webhook-{status}-{key}"
            return WebhookResult(status, provider[:100])
        detail = f"webhook answered {status}: {response.text[:200]}"
        if status >= 500 or status in TEMPORARY_STATUSES:
            raise WebhookTemporaryFailure(detail)
        raise WebhookPermanentFailure(detail)
