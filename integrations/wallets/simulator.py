"""A runnable wallet simulator: JazzCash- and Easypaisa-style merchant APIs and their webhooks.

Each provider lives under `/<provider>` (POST /checkouts, GET /checkouts/<reference>,
POST /refunds, and the citizen's pay page /pay/<reference>). Paying a checkout sends a signed
webhook to `<webhook_base>/<provider>/webhook`. Fault switches (POST /_faults, or the command
line): `slow_ms` delays every merchant call, `error_500` answers them 500, `drop_webhook` sends
none, `duplicate_webhook` sends each twice, `wrong_amount` takes (and reports) 100 paisa less.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from dataclasses import asdict, dataclass, field
from typing import Any

import requests
from flask import Blueprint, Flask, Response, abort, current_app, jsonify, redirect, request

from integrations.wallets import signing
from integrations.wallets.base import PROVIDERS

EXTENSION = "wallet_simulator"
DEFAULT_API_KEY = "wallet-sim-key"
bp = Blueprint("wallet_simulator", __name__)


@dataclass
class Faults:
    """The fault switches, changeable while the simulator runs."""

    slow_ms: float = 0.0
    error_500: bool = False
    drop_webhook: bool = False
    duplicate_webhook: bool = False
    wrong_amount: bool = False


@dataclass
class SimCheckout:
    """One checkout at the simulated provider."""

    provider: str
    reference: str
    order_id: str
    amount_paisa: int
    return_url: str
    status: str = "pending"
    paid_paisa: int = 0
    event_id: str = ""


@dataclass
class SimulatorState:
    """Everything one simulator serves: checkouts, refunds, secrets, faults and counters."""

    api_key: str
    secrets: dict[str, str]
    webhook_base: str
    faults: Faults = field(default_factory=Faults)
    checkouts: dict[str, SimCheckout] = field(default_factory=dict)
    refunds: dict[str, dict[str, Any]] = field(default_factory=dict)
    webhooks_sent: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    counter: itertools.count = field(default_factory=lambda: itertools.count(1))

    def open(self, provider: str, order_id: str, amount: int, return_url: str) -> SimCheckout:
        """Start a checkout with a fresh reference."""
        with self.lock:
            reference = f"{provider[:2].upper()}{int(time.time())}{next(self.counter):06d}"
            checkout = SimCheckout(provider, reference, order_id, amount, return_url)
            self.checkouts[reference] = checkout
        return checkout

    def pay(self, reference: str, now: float | None = None) -> SimCheckout:
        """Take the citizen's money for a checkout and tell the merchant (faults permitting)."""
        with self.lock:
            checkout = self.checkouts[reference]
            if checkout.status == "pending":
                shortfall = 100 if self.faults.wrong_amount else 0
                checkout.status, checkout.paid_paisa = "paid", checkout.amount_paisa - shortfall
                checkout.event_id = f"evt-{reference}"
        if not self.faults.drop_webhook:
            for _ in range(2 if self.faults.duplicate_webhook else 1):
                self.send_webhook(checkout, now)
        return checkout

    def webhook_body(self, checkout: SimCheckout) -> bytes:
        """Return the JSON a payment webhook carries."""
        event = {
            "event_id": checkout.event_id,
            "type": "payment.succeeded",
            "reference": checkout.reference,
            "order_id": checkout.order_id,
            "amount_paisa": checkout.paid_paisa,
        }
        return json.dumps(event, separators=(",", ":")).encode()

    def send_webhook(self, checkout: SimCheckout, now: float | None = None) -> int:
        """POST the signed webhook for a paid checkout; return the merchant's status code."""
        body = self.webhook_body(checkout)
        stamp = int(now if now is not None else time.time())
        headers = {
            "Content-Type": "application/json",
            **signing.headers(self.secrets[checkout.provider], stamp, body),
        }
        url = f"{self.webhook_base.rstrip('/')}/{checkout.provider}/webhook"
        with self.lock:
            self.webhooks_sent += 1
        try:
            return requests.post(url, data=body, headers=headers, timeout=10).status_code
        except requests.RequestException:
            return 0  # the merchant will learn it from the inquiry endpoint


def create_simulator(
    secrets: dict[str, str],
    webhook_base: str,
    api_key: str = DEFAULT_API_KEY,
    faults: Faults | None = None,
) -> Flask:
    """Return the simulator app for the providers in `secrets` (name -> webhook signing secret)."""
    app = Flask("wallet_simulator")
    app.extensions[EXTENSION] = SimulatorState(
        api_key, dict(secrets), webhook_base, faults or Faults()
    )
    app.register_blueprint(bp)
    return app


def state_of(app: Flask) -> SimulatorState:
    """Return a simulator app's state (tests flip faults and pay checkouts through it)."""
    return app.extensions[EXTENSION]


def _state() -> SimulatorState:
    """Return the running simulator's state."""
    return state_of(current_app)


def _merchant_call(provider: str) -> SimulatorState:
    """Check the provider and key of a merchant API call; apply the slow and 500 faults."""
    state = _state()
    if provider not in state.secrets:
        abort(404)
    if request.headers.get("X-Api-Key") != state.api_key:
        abort(401)
    if state.faults.slow_ms:
        time.sleep(state.faults.slow_ms / 1000)
    if state.faults.error_500:
        abort(500)
    return state


@bp.post("/<provider>/checkouts")
def start_checkout(provider: str) -> tuple[Response, int]:
    """Open a checkout for an order and an amount."""
    state = _merchant_call(provider)
    body = request.get_json(silent=True) or {}
    amount = body.get("amount_paisa")
    if not isinstance(amount, int) or amount <= 0 or not body.get("order_id"):
        abort(400)
    checkout = state.open(provider, str(body["order_id"]), amount, str(body.get("return_url", "")))
    pay_url = f"{request.host_url.rstrip('/')}/{provider}/pay/{checkout.reference}"
    return jsonify(reference=checkout.reference, redirect_url=pay_url), 201


@bp.get("/<provider>/checkouts/<reference>")
def inquiry(provider: str, reference: str) -> Response:
    """Say where a checkout stands."""
    state = _merchant_call(provider)
    checkout = state.checkouts.get(reference)
    if checkout is None or checkout.provider != provider:
        abort(404)
    return jsonify(
        reference=reference,
        status=checkout.status,
        amount_paisa=checkout.paid_paisa if checkout.status == "paid" else checkout.amount_paisa,
        event_id=checkout.event_id,
    )


@bp.post("/<provider>/refunds")
def refund(provider: str) -> Response:
    """Pay money back once per refund id (a retried refund gets the first answer)."""
    state = _merchant_call(provider)
    body = request.get_json(silent=True) or {}
    checkout = state.checkouts.get(str(body.get("reference", "")))
    if checkout is None or checkout.status != "paid" or not body.get("refund_id"):
        abort(400)
    with state.lock:
        done = state.refunds.setdefault(
            str(body["refund_id"]),
            {
                "refund_reference": f"RF-{checkout.reference}-{len(state.refunds) + 1}",
                "reference": checkout.reference,
                "amount_paisa": body.get("amount_paisa"),
            },
        )
    return jsonify(done)


@bp.get("/<provider>/pay/<reference>")
def pay_page(provider: str, reference: str) -> str:
    """Show the citizen the amount and a Pay button (the hand-off page's target)."""
    checkout = _state().checkouts.get(reference)
    if checkout is None or checkout.provider != provider:
        abort(404)
    return (
        f"<!doctype html><html lang='en'><title>{provider}</title><main><h1>{provider}</h1>"
        f"<p>Order {checkout.order_id}: Rs {checkout.amount_paisa / 100:,.0f}</p>"
        f"<form method='post'><button type='submit'>Pay</button></form></main></html>"
    )


@bp.post("/<provider>/pay/<reference>")
def pay(provider: str, reference: str) -> Response:
    """Take the money, send the webhook, and send the citizen back to the merchant."""
    state = _state()
    checkout = state.checkouts.get(reference)
    if checkout is None or checkout.provider != provider:
        abort(404)
    state.pay(reference)
    return redirect(checkout.return_url or "/", 303)


@bp.post("/_faults")
def set_faults() -> Response:
    """Change the fault switches (only those named)."""
    state = _state()
    for name, value in (request.get_json(silent=True) or {}).items():
        if hasattr(state.faults, name):
            setattr(state.faults, name, type(getattr(state.faults, name))(value))
    return jsonify(asdict(state.faults))


@bp.get("/_state")
def show_state() -> Response:
    """Report the counters (checkouts, refunds, webhooks sent)."""
    state = _state()
    return jsonify(
        checkouts=len(state.checkouts),
        refunds=len(state.refunds),
        webhooks_sent=state.webhooks_sent,
        faults=asdict(state.faults),
    )


def default_secrets(secret: str = "wallet-sim-secret") -> dict[str, str]:
    """Return one signing secret for every known provider."""
    return {name: secret for name in PROVIDERS}
