"""The wallet checkout hand-off: the amount due today, a button per wallet, and the way back.

A citizen arrives with the challan number and plate (from the portal or the notice), sees what
the challan costs today (1Bill's pricing), and picks a wallet; the POST opens the checkout and
sends them to the provider with a 303. The provider sends them back to the done page, which
says paid once the signed webhook has arrived, else that we will confirm when it does: the
browser's return proves nothing. Forms carry the CSRF token; both routes are rate limited with
the citizen look-up. Everything works without JavaScript.
"""

from __future__ import annotations

from flask import Blueprint, Response, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response as WerkzeugResponse
from wtforms import HiddenField
from wtforms.validators import DataRequired, Length

from echallan.core import deps
from echallan.core.auth import actor
from echallan.core.clock import now
from echallan.core.security import CONTENT_SECURITY_POLICY, origin_of, rate_limit
from echallan.payments import wallet
from echallan.payments.errors import BillNotPayable, UnknownWallet, WalletDown
from rules.errors import NotFound

bp = Blueprint("wallet_pages", __name__, template_folder="templates")
NUMBER = "<string(maxlength=32):number>"


class WalletChoiceForm(FlaskForm):
    """One wallet button: the plate shown and the provider picked (and the CSRF token)."""

    plate = HiddenField(validators=[DataRequired(), Length(max=16)])
    provider = HiddenField(validators=[DataRequired(), Length(max=32)])


@bp.get(f"/pay/{NUMBER}")
@rate_limit("CITIZEN_LOOKUP_RATE_LIMIT", scope="citizen-lookup")
def pay(number: str) -> Response:
    """Ask for the plate, then show today's amount and a button per configured wallet."""
    plate = request.args.get("plate", "").strip()[:16]
    if not plate:
        return _page(number, None, None)
    try:
        quote = wallet.checkout_quote(deps.current(), number, plate, now())
    except NotFound:
        return _page(number, None, _not_found(), 404)
    return _page(number, quote, None)


@bp.post(f"/pay/{NUMBER}")
@rate_limit("CITIZEN_LOOKUP_RATE_LIMIT", scope="citizen-lookup")
def start(number: str) -> Response | WerkzeugResponse:
    """Open the checkout at the chosen wallet and send the citizen there (303)."""
    form = WalletChoiceForm()
    if not form.validate_on_submit():  # a missing or stale CSRF token, or a field tampered with
        return _page(number, None, _("The form expired. Open the page again and retry."), 400)
    plate, provider = form.plate.data.strip(), form.provider.data
    back = url_for("wallet_pages.done", number=number, plate=plate, _external=True)
    try:
        started = wallet.start_wallet_checkout(
            deps.current(), number, plate, provider, actor(), now(), return_url=back
        )
    except (NotFound, UnknownWallet):
        return _page(number, None, _not_found(), 404)
    except BillNotPayable:
        quote = wallet.checkout_quote(deps.current(), number, plate, now())
        return _page(number, quote, _("This challan cannot be paid now."), 409)
    except WalletDown:
        quote = wallet.checkout_quote(deps.current(), number, plate, now())
        message = _("The wallet is not answering. Try again in a few minutes, or pay by 1Bill.")
        return _page(number, quote, message, 503)
    return redirect(started.redirect_url, 303)


@bp.get(f"/pay/{NUMBER}/done")
@rate_limit("CITIZEN_LOOKUP_RATE_LIMIT", scope="citizen-lookup")
def done(number: str) -> Response | str:
    """Say whether the payment is recorded (the webhook came) or still to be confirmed."""
    plate = request.args.get("plate", "").strip()[:16]
    try:
        quote = wallet.checkout_quote(deps.current(), number, plate, now())
    except NotFound:
        return _page(number, None, _not_found(), 404)
    return render_template("payments/done.html", quote=quote)


def _page(
    number: str, quote: wallet.CheckoutQuote | None, error: str | None, status: int = 200
) -> Response:
    """Render the checkout page, its CSP letting the wallet buttons' redirect reach the wallet.

    Browsers apply form-action to the redirect after a form's POST too: with 'self' alone the
    303 to the provider's page would be blocked.
    """
    body = render_template("payments/pay.html", number=number, quote=quote, error=error)
    response = make_response(body, status)
    origins = sorted({origin_of(url) for url in (quote.wallet_urls if quote else ())} - {None})
    if origins:
        allowed = " ".join(["'self'", *origins])  # type: ignore[list-item]
        policy = CONTENT_SECURITY_POLICY.replace("form-action 'self'", f"form-action {allowed}")
        response.headers["Content-Security-Policy"] = policy
    return response


def _not_found() -> str:
    """The one answer for every miss: which part was wrong is not said."""
    return _("No challan matches. Check what you typed and try again.")
