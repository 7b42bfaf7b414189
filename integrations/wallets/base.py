"""The one interface every wallet rail speaks: start a checkout, ask about it, refund it.

Amounts are minor units (paisa), as on 1Bill. A provider reference names a checkout at the
provider; our own order id (the challan number) travels with it so either side can match.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

PROVIDERS = ("jazzcash", "easypaisa")


class WalletError(Exception):
    """A wallet call did not give a usable answer."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class WalletUnavailable(WalletError):
    """Worth retrying: connection trouble, a timeout, a 5xx or a malformed answer."""


class WalletRefused(WalletError):
    """The provider refused the request (4xx): retrying the same request cannot help."""


@dataclass(frozen=True, slots=True)
class Checkout:
    """A started checkout: the provider's reference and where to send the citizen."""

    reference: str
    redirect_url: str


@dataclass(frozen=True, slots=True)
class CheckoutStatus:
    """What the provider says about a checkout: pending, paid or failed, and the money taken."""

    reference: str
    status: str  # pending | paid | failed
    amount_paisa: int
    event_id: str = ""  # the provider's id for the payment, when paid


class WalletProvider(Protocol):
    """A wallet rail (JazzCash, Easypaisa): the three calls the biller makes."""

    name: str

    def start_checkout(self, order_id: str, amount_paisa: int, return_url: str) -> Checkout:
        """Open a checkout for an amount; return its reference and the redirect URL."""
        ...

    def inquiry(self, reference: str) -> CheckoutStatus:
        """Return what the provider knows about a checkout now."""
        ...

    def refund(self, reference: str, amount_paisa: int, refund_id: str) -> str:
        """Pay money back for a checkout (idempotent per refund_id); return the refund reference."""
        ...
