"""Money received on any rail: one Payment row and the challan's PAY event, audited together."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from echallan.challans import operations as challans
from echallan.challans.models import Challan, Payment
from echallan.core.extensions import db
from rules.lifecycle import ChallanEvent


def record_payment(
    challan: Challan,
    channel: str,
    reference: str,
    amount_paisa: int,
    received_at: datetime,
    payer: dict[str, Any],
    actor: str,
) -> Payment:
    """Record the money (at our clock's time of receipt) and mark the challan paid.

    The caller has locked the challan and checked the amount; the PAY event goes through the
    lifecycle, which refuses a challan that is not payable, and into the audit chain.
    """
    payment = Payment(
        challan_id=challan.id,
        channel=channel,
        reference=reference[:64],
        amount_paisa=amount_paisa,
        paid_at=received_at,
        payer=payer,
    )
    db.session.add(payment)
    db.session.flush()
    challans.apply_event(
        challan,
        ChallanEvent.PAY,
        actor,
        payment_id=payment.id,
        amount_paisa=payment.amount_paisa,
        reference=payment.reference,
    )
    return payment
