"""The challan SMS: complete, in English and Urdu, and with no link to click.

Karachi police tell citizens that e-challans never carry payment links by SMS (fake "pay your
challan" links are a common phishing lure), so the text names the official portal's bare domain,
whose front page is the look-up form, and the 1Bill consumer number to pay in their own bank app;
never a URL with a path or query.

The amount is what is due on the day the SMS goes, with the date that price ends and the date the
surcharge starts (the same `rules.dues` pricing the portal shows), not the bare fine.

One body carries both languages: the excise registry gives no preferred language for an owner,
and any Urdu letter makes the whole message UCS-2 anyway, so a second English-only SMS would save
nothing. English comes first (the numbers read the same in both). The body fits
`MAX_SEGMENTS` UCS-2 segments: optional parts are dropped, least useful first, until it does.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, datetime

from notices.notice import PKT, SHORT_OFFENCES, date_text, rupees_text
from rules.errors import InvalidInput

MAX_SEGMENTS = 7
_DOMAIN = re.compile(r"(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")
_GSM_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM_EXTENDED = "^{}\\[~]|€\f"
SHORT_OFFENCES_UR = {"red_light": "سرخ بتی", "wrong_way": "غلط سمت", "no_helmet": "ہیلمٹ نہیں"}


def sms_segments(text: str) -> int:
    """Return how many SMS segments `text` takes (GSM-7 if it can, else UCS-2)."""
    if all(c in _GSM_BASIC or c in _GSM_EXTENDED for c in text):
        septets = len(text) + sum(c in _GSM_EXTENDED for c in text)
        return 1 if septets <= 160 else math.ceil(septets / 153)
    units = len(text.encode("utf-16-le")) // 2
    return 1 if units <= 70 else math.ceil(units / 67)


@dataclass(frozen=True)
class SmsPrice:
    """What is due on the day the SMS goes: the amount, until when, and the surcharge after."""

    amount_paisa: int
    until: date | None = None  # the last day this amount holds (None: it is final)
    surcharged_paisa: int | None = None
    surcharge_from: date | None = None


def challan_sms_text(
    challan_number: str,
    rule: str,
    price: SmsPrice,
    portal_domain: str,
    *,
    consumer_number: str | None = None,
    plate: str | None = None,
    occurred_at: datetime | None = None,
) -> str:
    """Return the SMS for a challan: number, offence, today's amount, domain; English and Urdu."""
    domain = portal_domain.strip().lower()
    if not _DOMAIN.fullmatch(domain):
        raise InvalidInput(f"portal_domain must be a bare domain name, got {portal_domain!r}")
    if rule not in SHORT_OFFENCES:
        raise InvalidInput(f"unknown offence {rule!r}")
    if occurred_at is not None and occurred_at.tzinfo is None:
        raise InvalidInput("occurred_at must be timezone-aware")
    slots = _optional_slots(plate, occurred_at, price)
    for keep in range(len(slots), -1, -1):
        kept = dict(slots[:keep])
        text = _english(challan_number, rule, price, domain, consumer_number, kept)
        text += "\n" + _urdu(challan_number, rule, price, domain, consumer_number, kept)
        if sms_segments(text) <= MAX_SEGMENTS:
            return text
    raise InvalidInput("challan SMS does not fit its segments", length=len(text))


def _optional_slots(
    plate: str | None, occurred_at: datetime | None, price: SmsPrice
) -> list[tuple[str, object]]:
    """Return (slot, value) of the optional parts, most useful first."""
    slots: list[tuple[str, object]] = []
    if price.surcharged_paisa and price.surcharge_from:
        slots.append(("surcharge", (price.surcharged_paisa, price.surcharge_from)))
    if plate:
        slots.append(("plate", plate))
    if occurred_at is not None:
        slots.append(("time", occurred_at.astimezone(PKT)))
    return slots


def _when(slot: dict) -> str:
    """Return the offence time as printed (Asia/Karachi), or ''."""
    local = slot.get("time")
    return f"{date_text(local.date())} {local:%H:%M} PKT" if local else ""


def _english(
    number: str, rule: str, price: SmsPrice, domain: str, consumer: str | None, slot: dict
) -> str:
    """Return the English half: every fact, the portal's domain and the phishing warning."""
    facts = [SHORT_OFFENCES[rule]]
    facts += [slot["plate"]] if "plate" in slot else []
    facts += [_when(slot)] if "time" in slot else []
    bill = f" 1Bill consumer no. {consumer}." if consumer else ""
    return (
        f"e-Challan {number} (Sindh Police): {', '.join(facts)}. {_pay_en(price, slot)}.{bill} "
        f"Look it up at {domain}. No payment links by SMS."
    )


def _pay_en(price: SmsPrice, slot: dict) -> str:
    """Return today's amount with its dates, in English."""
    pay = f"Pay {rupees_text(price.amount_paisa)}"
    pay += f" by {date_text(price.until)}" if price.until else ""
    if "surcharge" in slot:
        paisa, day = slot["surcharge"]
        pay += f"; {rupees_text(paisa)} from {date_text(day)}"
    return pay


def _urdu(
    number: str, rule: str, price: SmsPrice, domain: str, consumer: str | None, slot: dict
) -> str:
    """Return the Urdu half: the offence, the amount and dates; it points to the numbers above.

    Repeating the challan, plate and consumer numbers would cost two more segments; they read
    the same in both scripts.
    """
    pay = f"{date_text(price.until)} تک " if price.until else ""
    pay += f"{rupees_text(price.amount_paisa)} ادا کریں"
    if "surcharge" in slot:
        paisa, day = slot["surcharge"]
        pay += f"، {date_text(day)} سے {rupees_text(paisa)}"
    where = "اوپر دیا 1Bill نمبر بینک ایپ میں استعمال کریں یا" if consumer else ""
    return (
        f"ای چالان: {SHORT_OFFENCES_UR[rule]}۔ {pay}۔ {where} {domain} پر دیکھیں۔ "
        "ایس ایم ایس میں ادائیگی کا لنک نہیں ہوتا۔"
    ).replace("  ", " ")


# A decision back to the citizen: what happened, in English then Urdu, and where to read why.
_DECISIONS = {
    "upheld": ("your contest was not accepted; the challan stands", "آپ کا اعتراض منظور نہیں ہوا"),
    "cancelled": (
        "your contest was accepted; the challan is cancelled",
        "اعتراض منظور، چالان منسوخ",
    ),
    "reduced": (
        "your contest was partly accepted; the fine is reduced",
        "اعتراض جزوی منظور، جرمانہ کم",
    ),
    "waived": (
        "the first-offence waiver was granted; nothing is due",
        "پہلی خلاف ورزی کی معافی منظور",
    ),
    "refused": ("the waiver was refused; the challan stands", "معافی کی درخواست نامنظور"),
}


def decision_sms_text(
    challan_number: str, outcome: str, portal_domain: str, amount_paisa: int | None = None
) -> str:
    """Return the SMS telling a citizen an officer's decision (no link; reasons on the portal)."""
    domain = portal_domain.strip().lower()
    if not _DOMAIN.fullmatch(domain):
        raise InvalidInput(f"portal_domain must be a bare domain name, got {portal_domain!r}")
    if outcome not in _DECISIONS:
        raise InvalidInput(f"unknown decision {outcome!r}")
    english, urdu = _DECISIONS[outcome]
    fine_en = f" New fine {rupees_text(amount_paisa)}." if amount_paisa else ""
    fine_ur = f" نیا جرمانہ {rupees_text(amount_paisa)}۔" if amount_paisa else ""
    return (
        f"e-Challan {challan_number} (Sindh Police): {english}.{fine_en} "
        f"Reasons at {domain}.\n"
        f"ای چالان {challan_number}: {urdu}۔{fine_ur} وجوہات {domain} پر دیکھیں۔"
    )
