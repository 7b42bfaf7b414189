"""Wallet rails (JazzCash and Easypaisa style): one interface, an HTTP client, a simulator."""

from integrations.wallets.base import (
    PROVIDERS,
    Checkout,
    CheckoutStatus,
    WalletError,
    WalletProvider,
    WalletRefused,
    WalletUnavailable,
)
from integrations.wallets.http import HttpWallet
from integrations.wallets.signing import SignatureRejected, SigningKeys, sign, verify

__all__ = [
    "PROVIDERS",
    "Checkout",
    "CheckoutStatus",
    "HttpWallet",
    "SignatureRejected",
    "SigningKeys",
    "WalletError",
    "WalletProvider",
    "WalletRefused",
    "WalletUnavailable",
    "sign",
    "verify",
]
