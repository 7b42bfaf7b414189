"""Banks: the 1Link 1Bill biller interface (BillInquiry, BillPayment) by consumer number.

Business outcomes answer 200 with 1Bill's `response_code`, as bank switches expect:
00 done, 01 no such consumer number, 02 bill blocked or already paid, 03 amount or data not
acceptable, 04 authorisation id already used for another payment. A malformed request (missing
fields, wrong formats) is a 422 problem+json like everywhere else in this API.

How each outcome is answered (codes come from the refusal classes in `payments.errors`):
- 00 paid; a replay (same bank and tran_auth_id, same consumer number and amount) gets the first
  answer byte for byte, whatever it was, for as long as the advice is kept.
- 01 unknown consumer number, from BillInquiry and BillPayment alike.
- 02 bill blocked or already paid: a second bank paying a paid bill gets 02 "already paid"
  (1Bill has no separate "already paid" code); each such advice is kept for reconciliation.
- 03 amount not the one due when we received the advice (priced by our clock, not the bank's
  tran_date), or tran_date/tran_time more than ONEBILL_MAX_CLOCK_SKEW_S (900 s) from our clock.
- 04 tran_auth_id already used for a different consumer number or amount.
- 503 problem+json (Retry-After) when the database is busy: the switch resends the advice, and
  the resend is answered as the first time. A bank never gets a 409.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Response
from flask.views import MethodView
from marshmallow import fields, validate
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError

from echallan.core import deps
from echallan.core.api import ApiSchema, Blueprint, document_problems
from echallan.core.auth import actor, require_scope
from echallan.core.clock import now
from echallan.core.errors import problem
from echallan.payments import operations as payments
from echallan.payments.errors import AdviceInFlight, OneBillRefusal
from rules.errors import InvalidInput

log = logging.getLogger(__name__)
blp = Blueprint(
    "payments",
    __name__,
    url_prefix="/api/v1/payments/1bill",
    description="Banks: 1Link 1Bill BillInquiry and BillPayment",
)
PKT = ZoneInfo("Asia/Karachi")
CONSUMER = validate.Regexp(r"^[0-9]{16}$", error="16 digits")


def amount_text(paisa: int) -> str:
    """Format minor units the 1Bill way: a sign and 13 digits, the last two being paisa."""
    return f"+{paisa:013d}"


class InquirySchema(ApiSchema):
    """BillInquiry."""

    consumer_number = fields.String(required=True, validate=CONSUMER)
    bank_mnemonic = fields.String(required=True, validate=validate.Length(min=2, max=8))


class InquiryResultSchema(ApiSchema):
    """BillInquiry answer."""

    response_code = fields.String()
    consumer_detail = fields.String()
    bill_status = fields.String()
    due_date = fields.String()
    amount_within_due_date = fields.String()
    amount_after_due_date = fields.String()
    date_paid = fields.String()
    amount_paid = fields.String()


class PaymentSchema(ApiSchema):
    """BillPayment."""

    consumer_number = fields.String(required=True, validate=CONSUMER)
    tran_auth_id = fields.String(required=True, validate=validate.Regexp(r"^[0-9A-Za-z]{6,12}$"))
    transaction_amount = fields.String(required=True, validate=validate.Regexp(r"^\+?[0-9]{1,14}$"))
    tran_date = fields.String(required=True, validate=validate.Regexp(r"^[0-9]{8}$"))
    tran_time = fields.String(required=True, validate=validate.Regexp(r"^[0-9]{6}$"))
    bank_mnemonic = fields.String(required=True, validate=validate.Length(min=2, max=8))


class PaymentResultSchema(ApiSchema):
    """BillPayment answer."""

    response_code = fields.String()
    identification_parameter = fields.String()
    detail = fields.String()


def _ymd(day: Any) -> str:
    """Format a date as YYYYMMDD (empty when absent)."""
    return day.strftime("%Y%m%d") if day else ""


@blp.route("/bill-inquiry")
class BillInquiry(MethodView):
    """BillInquiry."""

    @require_scope("payments:write")
    @blp.arguments(InquirySchema)
    @blp.response(200, InquiryResultSchema)
    @blp.doc(security=[{"ApiKey": []}])
    @document_problems(blp, 401, 403, 422)
    def post(self, body: dict[str, Any]) -> dict[str, str]:
        """Tell a bank what a consumer number owes today."""
        try:
            bill = payments.inquire(body["consumer_number"], now())
        except OneBillRefusal as refusal:
            return {"response_code": refusal.onebill_code}
        return {
            "response_code": "00",
            "consumer_detail": bill.consumer_name,
            "bill_status": bill.status,
            "due_date": _ymd(bill.due_date),
            "amount_within_due_date": amount_text(bill.amount_due_paisa),
            "amount_after_due_date": amount_text(bill.amount_after_due_paisa),
            "date_paid": _ymd(bill.paid_on),
            "amount_paid": amount_text(bill.amount_paid_paisa) if bill.paid_on else "",
        }


@blp.route("/bill-payment")
class BillPayment(MethodView):
    """BillPayment."""

    @require_scope("payments:write")
    @blp.arguments(PaymentSchema)
    @blp.response(200, PaymentResultSchema)
    @blp.doc(security=[{"ApiKey": []}])
    @document_problems(blp, 401, 403, 422, 503)
    def post(self, body: dict[str, Any]) -> dict[str, str]:
        """Record a bank's payment of a bill (a replay answers as the first time)."""
        advice = _advice(body)
        try:
            reply = payments.accept_payment(advice, actor(), now(), deps.current().settings)
        except OneBillRefusal as refusal:
            reply = payments.Reply.refusing(refusal)
        return _reply_body(reply)


def _reply_body(reply: payments.Reply) -> dict[str, str]:
    """Write an answer in 1Bill's fields (identification only when there is one)."""
    body = {"response_code": reply.code, "detail": reply.detail}
    if reply.identification:
        body["identification_parameter"] = reply.identification
    return body


def _advice(body: dict[str, Any]) -> payments.PaymentAdvice:
    """Turn the bank's fields into a payment advice (Karachi local date and time)."""
    try:
        paid_at = datetime.strptime(body["tran_date"] + body["tran_time"], "%Y%m%d%H%M%S")
    except ValueError:
        raise InvalidInput(
            "tran_date/tran_time is not a date", errors={"tran_date": ["invalid"]}
        ) from None
    return payments.PaymentAdvice(
        consumer_number=body["consumer_number"],
        amount_paisa=int(body["transaction_amount"].lstrip("+")),
        auth_id=body["tran_auth_id"],
        bank=body["bank_mnemonic"].upper(),
        tran_at=paid_at.replace(tzinfo=PKT),
    )


@blp.errorhandler(OperationalError)  # SQLite busy past its timeout; a PostgreSQL deadlock
@blp.errorhandler(IntegrityError)
@blp.errorhandler(StaleDataError)
@blp.errorhandler(AdviceInFlight)
def _busy(error: Exception) -> Response:
    """Ask the switch to resend after a lost race: the resend is answered as the first time.

    A bank is never answered 409 or 500 for a race; a resend finds the stored answer, or the
    bill's new state, and gets a 1Bill code.
    """
    log.warning("1Bill request lost a race, asking for a resend: %s", error)
    response = problem(503, "Service Unavailable", "the biller is busy; resend the advice")
    response.headers["Retry-After"] = "1"
    return response
