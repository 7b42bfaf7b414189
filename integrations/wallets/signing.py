"""Webhook signatures: HMAC-SHA256 over `timestamp + "." + raw body`, with secret rotation.

The provider sends `X-Wallet-Timestamp` (Unix seconds) and `X-Wallet-Signature: v1=<hex>`.
Signing the timestamp with the body makes a captured message useless once it is older than the
tolerance. During a rotation the previous secret stays valid until a set instant, so messages
signed just before the provider switched still verify; after it they are refused.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

TIMESTAMP_HEADER = "X-Wallet-Timestamp"
SIGNATURE_HEADER = "X-Wallet-Signature"
SCHEME = "v1="


class SignatureRejected(Exception):
    """The message is not provably from the provider, now: nothing of it may be used."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class SigningKeys:
    """A provider's current secret and, during a rotation, the previous one and its last instant."""

    current: str
    previous: str = ""
    previous_until: datetime | None = None

    def valid_at(self, now: datetime) -> list[str]:
        """Return the secrets a message received at `now` may be signed with."""
        keys = [self.current] if self.current else []
        if self.previous and self.previous_until is not None and now <= self.previous_until:
            keys.append(self.previous)
        return keys


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """Return the signature header value for a body sent at `timestamp`."""
    message = str(timestamp).encode() + b"." + body
    return SCHEME + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def headers(secret: str, timestamp: int, body: bytes) -> dict[str, str]:
    """Return the two headers a signed message carries."""
    return {TIMESTAMP_HEADER: str(timestamp), SIGNATURE_HEADER: sign(secret, timestamp, body)}


def verify(
    keys: SigningKeys,
    timestamp: str | None,
    signature: str | None,
    body: bytes,
    now: datetime,
    tolerance: timedelta,
) -> None:
    """Raise SignatureRejected unless the body is signed by a valid secret within the tolerance."""
    sent = _timestamp(timestamp)
    if abs(now.astimezone(UTC) - sent) > tolerance:
        raise SignatureRejected(f"timestamp {timestamp} is outside the {tolerance} tolerance")
    if not signature or not signature.startswith(SCHEME):
        raise SignatureRejected(f"no {SCHEME}<hex> signature")
    for secret in keys.valid_at(now):
        if hmac.compare_digest(sign(secret, int(timestamp or 0), body), signature.strip()):
            return
    raise SignatureRejected("the signature does not match a valid secret")


def _timestamp(text: str | None) -> datetime:
    """Parse the Unix-seconds timestamp header, or refuse the message."""
    if not text or not text.isdigit() or len(text) > 12:
        raise SignatureRejected(f"{TIMESTAMP_HEADER} must be Unix seconds")
    return datetime.fromtimestamp(int(text), UTC)
