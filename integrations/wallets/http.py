"""The wallet rail over HTTP: one provider's merchant API, with timeouts and a keep-alive session.

Paths are the simulator's (`integrations.wallets.simulator`), which stands for the provider's
merchant API: POST /checkouts, GET /checkouts/<reference>, POST /refunds, each under the
provider's base URL and authenticated by the merchant's X-Api-Key.
"""

from __future__ import annotations

from typing import Any

import requests

from integrations.wallets.base import Checkout, CheckoutStatus, WalletRefused, WalletUnavailable

STATUSES = frozenset({"pending", "paid", "failed"})


class HttpWallet:
    """One wallet provider's merchant API."""

    def __init__(
        self,
        name: str,
        base_url: str,
        api_key: str,
        connect_timeout_s: float = 2.0,
        read_timeout_s: float = 5.0,
    ) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise ValueError(f"wallet URL must be http(s): {base_url!r}")
        self.name = name
        self.base_url = base_url.rstrip("/")
        self.timeout = (connect_timeout_s, read_timeout_s)
        self.session = requests.Session()
        self.session.trust_env = False  # no proxies or netrc from the environment
        self.session.headers["X-Api-Key"] = api_key

    def start_checkout(self, order_id: str, amount_paisa: int, return_url: str) -> Checkout:
        """Open a checkout; return its reference and the page to send the citizen to."""
        body = {"order_id": order_id, "amount_paisa": amount_paisa, "return_url": return_url}
        answer = self._call("POST", "/checkouts", body)
        return Checkout(_text(answer, "reference"), _text(answer, "redirect_url"))

    def inquiry(self, reference: str) -> CheckoutStatus:
        """Ask the provider where a checkout stands."""
        answer = self._call("GET", f"/checkouts/{requests.utils.quote(reference, safe='')}")
        status = _text(answer, "status")
        if status not in STATUSES:
            raise WalletUnavailable(f"{self.name} inquiry: unknown status {status!r}")
        return CheckoutStatus(
            reference, status, _int(answer, "amount_paisa"), str(answer.get("event_id") or "")
        )

    def refund(self, reference: str, amount_paisa: int, refund_id: str) -> str:
        """Refund money taken under a checkout; the provider keys the refund by refund_id."""
        body = {"reference": reference, "amount_paisa": amount_paisa, "refund_id": refund_id}
        return _text(self._call("POST", "/refunds", body), "refund_reference")

    def close(self) -> None:
        """Close the pooled connections."""
        self.session.close()

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        """Send one request; return its JSON object or raise WalletUnavailable/WalletRefused."""
        try:
            response = self.session.request(
                method, self.base_url + path, json=body, timeout=self.timeout
            )
        except requests.RequestException as error:
            raise WalletUnavailable(f"{self.name} unreachable: {error}") from error
        if response.status_code >= 500 or response.status_code == 429:
            raise WalletUnavailable(f"{self.name} answered {response.status_code}")
        if response.status_code >= 400:
            raise WalletRefused(
                f"{self.name} refused: {response.status_code} {response.text[:200]}"
            )
        try:
            answer = response.json()
        except ValueError as error:
            raise WalletUnavailable(f"{self.name} sent a body that is not JSON") from error
        if not isinstance(answer, dict):
            raise WalletUnavailable(f"{self.name} sent JSON that is not an object")
        return answer


def _text(answer: dict[str, Any], name: str) -> str:
    """Return a required non-empty string field of an answer."""
    value = answer.get(name)
    if not isinstance(value, str) or not value:
        raise WalletUnavailable(f"wallet answer lacks {name}")
    return value


def _int(answer: dict[str, Any], name: str) -> int:
    """Return a required integer field of an answer."""
    value = answer.get(name)
    if not isinstance(value, int) or isinstance(value, bool):
        raise WalletUnavailable(f"wallet answer lacks integer {name}")
    return value
