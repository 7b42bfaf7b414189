"""Banks: the 1Link 1Bill biller interface (BillInquiry, BillPayment) by consumer number.

Business outcomes answer 200 with 1Bill's `response_code`, as bank switches expect:
00 done, 01 no such consumer number, 02 bill blocked or already paid, 03 amount or data not
acceptable, 04 authorisation id already used for another payment. A malformed request (missing
fields, wrong formats) is a 422 problem+json like everywhere else in this API.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask.views import MethodView
from marshmallow import fields, validate

from echallan.core.api import ApiSchema, Blueprint, document_problems
from echallan.core.auth import actor, require_scope
from echallan.core.clock import now
from echallan.payments import operations as payments
from rules.errors import Conflict, InvalidInput, NotFound

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
        except (NotFound, InvalidInput):
            return {"response_code": "01"}
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
    @document_problems(blp, 401, 403, 422)
    def post(self, body: dict[str, Any]) -> dict[str, str]:
        """Record a bank's payment of a bill (a replay answers as the first time)."""
        advice = _advice(body)
        try:
            payment, replayed = payments.accept_payment(advice, actor())
        except NotFound:
            return {"response_code": "01", "detail": "no such consumer number"}
        except Conflict as error:
            code = "04" if "authorisation" in error.detail else "02"
            return {"response_code": code, "detail": error.detail}
        except InvalidInput as error:
            return {"response_code": "03", "detail": error.detail}
        detail = "duplicate advice: already recorded" if replayed else "payment recorded"
        return {
            "response_code": "00",
            "identification_parameter": payment.reference,
            "detail": detail,
        }


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
        paid_at=paid_at.replace(tzinfo=PKT),
    )
