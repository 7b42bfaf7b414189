"""Wallet settings: secrets and their rotation are parsed once at start, or the start fails."""

from __future__ import annotations

from datetime import datetime

import pytest

from echallan import bootstrap

BASE = {"WALLET_PROVIDERS": "jazzcash, easypaisa"}


def test_secrets_and_rotation_are_parsed() -> None:
    config = {
        **BASE,
        "WALLET_JAZZCASH_SECRET": "new",
        "WALLET_JAZZCASH_PREVIOUS_SECRET": "old",
        "WALLET_JAZZCASH_PREVIOUS_UNTIL": "2026-12-08T00:00:00+05:00",
    }
    keys = bootstrap.wallet_keys_from(config, "jazzcash")
    assert (keys.current, keys.previous) == ("new", "old")
    assert keys.valid_at(datetime.fromisoformat("2026-12-07T23:59:59+05:00")) == ["new", "old"]
    assert keys.valid_at(datetime.fromisoformat("2026-12-08T00:00:01+05:00")) == ["new"]
    assert bootstrap.wallet_names(config) == ["jazzcash", "easypaisa"]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"WALLET_JAZZCASH_PREVIOUS_SECRET": "old"}, "_PREVIOUS_UNTIL"),
        (
            {"WALLET_JAZZCASH_PREVIOUS_SECRET": "old", "WALLET_JAZZCASH_PREVIOUS_UNTIL": "soon"},
            "PREVIOUS_UNTIL",
        ),
        (
            {
                "WALLET_JAZZCASH_PREVIOUS_SECRET": "o",
                "WALLET_JAZZCASH_PREVIOUS_UNTIL": "2026-12-08",
            },
            "time zone",
        ),
    ],
)
def test_a_rotation_without_a_valid_end_stops_the_start(extra: dict, message: str) -> None:
    with pytest.raises(RuntimeError, match=message):
        bootstrap.wallet_keys_from({**BASE, "WALLET_JAZZCASH_SECRET": "new", **extra}, "jazzcash")


def test_a_wallet_url_without_a_secret_stops_the_start() -> None:
    with pytest.raises(RuntimeError, match="without _SECRET"):
        bootstrap.wallets_from({**BASE, "WALLET_EASYPAISA_URL": "http://127.0.0.1:9/easypaisa"})
    built = bootstrap.wallets_from(
        {**BASE, "WALLET_EASYPAISA_URL": "http://127.0.0.1:9/ep", "WALLET_EASYPAISA_SECRET": "s"}
    )
    assert list(built) == ["easypaisa"]
