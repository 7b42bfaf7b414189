"""The challan SMS: short, plain, and with no link to click.

Karachi police tell citizens that e-challans never carry payment links by SMS (fake "pay your
challan" links are a common phishing lure), so the text names the official portal's bare domain
for the citizen to type, and the 1Bill consumer number to pay in their own bank app; never a URL
with a path or query. The text is GSM-7 (plain English) and fits two SMS segments at most
(306 characters): optional parts are dropped, least useful first, until it does.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime

from notices.notice import PKT, SHORT_OFFENCES, date_text, rupees_text
from rules.errors import InvalidInput

MAX_SEGMENTS = 2
_DOMAIN = re.compile(r"(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")
_GSM_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM_EXTENDED = "^{}\\[~]|€\f"


def sms_segments(text: str) -> int:
    """Return how many SMS segments `text` takes (GSM-7 if it can, else UCS-2)."""
    if all(c in _GSM_BASIC or c in _GSM_EXTENDED for c in text):
        septets = len(text) + sum(c in _GSM_EXTENDED for c in text)
        return 1 if septets <= 160 else math.ceil(septets / 153)
    units = len(text.encode("utf-16-le")) // 2
    return 1 if units <= 70 else math.ceil(units / 67)


def challan_sms_text(
    challan_number: str,
    rule: str,
    amount_paisa: int,
    portal_domain: str,
    *,
    consumer_number: str | None = None,
    plate: str | None = None,
    occurred_at: datetime | None = None,
    discounted_paisa: int | None = None,
    discount_until: date | None = None,
) -> str:
    """Return the SMS for a new challan: number, offence, amount, portal domain, no link."""
    domain = portal_domain.strip().lower()
    if not _DOMAIN.fullmatch(domain):
        raise InvalidInput(f"portal_domain must be a bare domain name, got {portal_domain!r}")
    if rule not in SHORT_OFFENCES:
        raise InvalidInput(f"unknown offence {rule!r}")
    optional = _optional_parts(plate, occurred_at, discounted_paisa, discount_until)
    for keep in range(len(optional), -1, -1):
        text = _compose(
            challan_number, rule, amount_paisa, domain, consumer_number, optional[:keep]
        )
        if sms_segments(text) <= MAX_SEGMENTS:
            return text
    raise InvalidInput("challan SMS does not fit two segments", length=len(text))


def _optional_parts(
    plate: str | None,
    occurred_at: datetime | None,
    discounted_paisa: int | None,
    discount_until: date | None,
) -> list[tuple[str, str]]:
    """Return (slot, text) of the optional parts, most useful first."""
    parts = []
    if discounted_paisa and discount_until:
        discount = f" ({rupees_text(discounted_paisa)} if paid by {date_text(discount_until)})"
        parts.append(("discount", discount))
    if plate:
        parts.append(("plate", f", vehicle {plate}"))
    if occurred_at is not None:
        if occurred_at.tzinfo is None:
            raise InvalidInput("occurred_at must be timezone-aware")
        local = occurred_at.astimezone(PKT)
        parts.append(("time", f", {date_text(local.date())} {local:%H:%M}"))
    return parts


def _compose(
    number: str,
    rule: str,
    paisa: int,
    domain: str,
    consumer_number: str | None,
    parts: list[tuple[str, str]],
) -> str:
    """Return the SMS text with the given optional parts."""
    slot = dict(parts)
    pay = (
        f" Pay with 1Bill consumer no. {consumer_number} in your bank app."
        if consumer_number
        else ""
    )
    return (
        f"Sindh Police e-Challan {number}: {SHORT_OFFENCES[rule]}"
        f"{slot.get('plate', '')}{slot.get('time', '')}. "
        f"Fine {rupees_text(paisa)}{slot.get('discount', '')}.{pay} "
        f"Check it at {domain}. We never send payment links by SMS."
    )
