"""Webhook signatures: timestamp + "." + raw body, tolerance both ways, secret rotation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from integrations.wallets import SignatureRejected, SigningKeys, sign, verify

NOW = datetime(2026, 11, 25, 5, 15, tzinfo=UTC)
STAMP = int(NOW.timestamp())
BODY = b'{"event_id":"e1","amount_paisa":500000}'
FIVE_MINUTES = timedelta(minutes=5)
KEYS = SigningKeys("new", "old", NOW + timedelta(hours=1))


def check(keys: SigningKeys, secret: str, stamp: int = STAMP, body: bytes = BODY, at=NOW) -> None:  # noqa: ANN001
    """Verify a body signed with `secret` at `stamp`, received at `at`."""
    verify(keys, str(stamp), sign(secret, stamp, BODY), body, at, FIVE_MINUTES)


def test_the_current_and_the_previous_secret_verify_within_the_rotation() -> None:
    check(KEYS, "new")
    check(KEYS, "old")


def test_the_previous_secret_is_refused_after_its_instant() -> None:
    later = NOW + timedelta(hours=1, seconds=1)
    check(KEYS, "new", int(later.timestamp()), at=later)
    with pytest.raises(SignatureRejected, match="valid secret"):
        check(KEYS, "old", int(later.timestamp()), at=later)


@pytest.mark.parametrize("offset", [-301, 301])
def test_a_timestamp_outside_the_tolerance_is_refused(offset: int) -> None:
    with pytest.raises(SignatureRejected, match="tolerance"):
        check(KEYS, "new", STAMP + offset)
    check(KEYS, "new", STAMP + offset // abs(offset) * 299)


def test_an_altered_body_or_timestamp_is_refused() -> None:
    with pytest.raises(SignatureRejected):
        check(KEYS, "new", body=BODY.replace(b"500000", b"5"))
    signature = sign("new", STAMP, BODY)
    with pytest.raises(SignatureRejected):
        verify(KEYS, str(STAMP + 1), signature, BODY, NOW, FIVE_MINUTES)


@pytest.mark.parametrize("stamp", [None, "", "-5", "1e9", "9" * 13])
def test_a_malformed_timestamp_is_refused(stamp: str | None) -> None:
    with pytest.raises(SignatureRejected, match="Unix seconds"):
        verify(KEYS, stamp, sign("new", STAMP, BODY), BODY, NOW, FIVE_MINUTES)


def test_no_secret_verifies_nothing() -> None:
    with pytest.raises(SignatureRejected):
        check(SigningKeys(""), "")
