"""Wallets: the providers' signed webhooks, and the citizen's checkout hand-off.

POST /api/v1/wallets/<provider>/webhook takes the raw body as signed (HMAC-SHA256 over
`X-Wallet-Timestamp + "." + body`, in `X-Wallet-Signature: v1=<hex>`): 401 problem+json and
nothing written for a missing, altered, stale or retired-secret signature; 200 with the event's
outcome otherwise (`paid`, `already_recorded`, `failed`, or a refusal whose money is refunded:
`already_paid`, `not_payable`, `amount_not_due`), and a replay gets the first outcome with
`replay: true`. Webhooks are rate limited per provider and caller address
(WALLET_WEBHOOK_RATE_LIMIT; a breach is 429 problem+json with Retry-After).
POST /api/v1/challans/<n>/wallet-checkout answers the provider's redirect URL.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Response, request
from flask.views import MethodView
from marshmallow import fields, validate
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError

from echallan.core import deps
from echallan.core.api import ApiSchema, Blueprint, document_problems
from echallan.core.auth import actor
from echallan.core.clock import now
from echallan.core.errors import problem
from echallan.core.security import provider_address_key, rate_limit
from echallan.payments import wallet
from echallan.payments.errors import EventInFlight
from integrations.wallets.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER

log = logging.getLogger(__name__)
blp = Blueprint(
    "wallets",
    __name__,
    url_prefix="/api/v1",
    description="Wallets (JazzCash, Easypaisa): signed payment webhooks and checkout hand-off",
)
PROVIDER = "<any(jazzcash, easypaisa):provider>"


class EventAnswerSchema(ApiSchema):
    """What a webhook's event did."""

    event_id = fields.String()
    outcome = fields.String()
    detail = fields.String()
    payment_reference = fields.String()
    replay = fields.Boolean()


class CheckoutArgs(ApiSchema):
    """Start a wallet checkout: the plate on the challan (with its number) and the wallet."""

    plate = fields.String(required=True, validate=validate.Length(min=1, max=16))
    provider = fields.String(required=True, validate=validate.OneOf(["jazzcash", "easypaisa"]))


class CheckoutSchema(ApiSchema):
    """Where to send the citizen to pay."""

    provider = fields.String()
    reference = fields.String()
    redirect_url = fields.String()
    amount_paisa = fields.Integer()
    challan_number = fields.String()


@blp.route(f"/wallets/{PROVIDER}/webhook")
class Webhook(MethodView):
    """A provider's payment webhook."""

    @rate_limit("WALLET_WEBHOOK_RATE_LIMIT", key_func=provider_address_key)
    @blp.response(200, EventAnswerSchema)
    @document_problems(blp, 401, 404, 422, 429, 503)
    def post(self, provider: str) -> dict[str, Any]:
        """Record a signed payment event once (a replay answers as the first time)."""
        answer = wallet.receive_webhook(
            deps.current(),
            provider,
            request.headers.get(TIMESTAMP_HEADER),
            request.headers.get(SIGNATURE_HEADER),
            request.get_data(cache=False),
            now(),
        )
        return answer.as_dict()


@blp.route("/challans/<string(maxlength=32):number>/wallet-checkout")
class WalletCheckout(MethodView):
    """Pay a challan from a wallet."""

    @rate_limit("CITIZEN_LOOKUP_RATE_LIMIT", scope="citizen-lookup")
    @blp.arguments(CheckoutArgs)
    @blp.response(201, CheckoutSchema)
    @document_problems(blp, 404, 409, 422, 429, 503)
    def post(self, body: dict[str, Any], number: str) -> wallet.CheckoutStarted:
        """Open a checkout for today's amount; answer the provider's redirect URL."""
        return wallet.start_wallet_checkout(
            deps.current(), number, body["plate"], body["provider"], actor(), now()
        )


@blp.errorhandler(OperationalError)  # SQLite busy past its timeout; a PostgreSQL deadlock
@blp.errorhandler(IntegrityError)
@blp.errorhandler(StaleDataError)
@blp.errorhandler(EventInFlight)
def _busy(error: Exception) -> Response:
    """Ask the provider to resend after a lost race: the resend is answered from the stored row."""
    log.warning("wallet request lost a race, asking for a resend: %s", error)
    response = problem(503, "Service Unavailable", "busy; resend the event")
    response.headers["Retry-After"] = "1"
    return response
