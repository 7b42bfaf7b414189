"""What every SMS sender promises: one message per idempotency key, and clear failure kinds."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from rules.errors import UpstreamFailure

MAX_TEXT = 640  # four concatenated GSM-7 segments; a challan notice needs one or two
MAX_KEY = 128
_MOBILE = re.compile(r"^(?:\+92|0092|92|0)?(3\d{9})$")
_KEY = re.compile(r"^[\x21-\x7e]+$")


@dataclass(frozen=True, slots=True)
class SendResult:
    """The provider's id for the message and its status when we handed it over."""

    provider_id: str
    status: str


class SmsFailure(UpstreamFailure):
    """The message was not handed over."""

    title = "SMS not sent"


class SmsTemporaryFailure(SmsFailure):
    """Worth retrying later with the same idempotency key (timeouts, 5xx, throttling)."""

    title = "SMS gateway temporarily failing"


class SmsPermanentFailure(SmsFailure):
    """Retrying cannot help: a bad number, a message the gateway refuses."""

    title = "SMS refused"


@runtime_checkable
class SmsSender(Protocol):
    """Anything that can deliver a text to a mobile number, at most once per key."""

    def send(self, to: str, text: str, idempotency_key: str) -> SendResult:
        """Send text to `to`; the same key never sends twice."""
        ...


def normalize_msisdn(number: str) -> str:
    """Return a Pakistani mobile number as +923XXXXXXXXX; raise SmsPermanentFailure otherwise."""
    compact = re.sub(r"[\s\-()]", "", number or "")
    match = _MOBILE.match(compact)
    if not match:
        raise SmsPermanentFailure(f"not a Pakistani mobile number: {number!r}")
    return "+92" + match.group(1)


def check_message(text: str, idempotency_key: str) -> None:
    """Refuse an empty or overlong text and an unusable idempotency key."""
    if not text or not text.strip():
        raise SmsPermanentFailure("empty SMS text")
    if len(text) > MAX_TEXT:
        raise SmsPermanentFailure(f"SMS text of {len(text)} characters exceeds {MAX_TEXT}")
    if not idempotency_key or len(idempotency_key) > MAX_KEY or not _KEY.match(idempotency_key):
        raise SmsPermanentFailure("idempotency key must be 1-128 printable ASCII characters")
