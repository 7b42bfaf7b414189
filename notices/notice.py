"""The values a challan notice is made of, and the words for them in English and Urdu."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

from rules.errors import InvalidInput

PKT = timezone(timedelta(hours=5), "PKT")  # Pakistan has kept UTC+05:00 all year since 2009
_SHA256 = re.compile(r"[0-9a-f]{64}")

# rule -> (English, Urdu) description of the offence.
OFFENCES = {
    "red_light": ("Signal violation: crossed the stop line on red", "سرخ بتی کی خلاف ورزی"),
    "wrong_way": ("Driving against the flow of traffic (wrong way)", "غلط سمت میں گاڑی چلانا"),
    "no_helmet": ("Riding a motorcycle without a helmet", "ہیلمٹ کے بغیر موٹر سائیکل چلانا"),
}
SHORT_OFFENCES = {"red_light": "Red light", "wrong_way": "Wrong way", "no_helmet": "No helmet"}


@dataclass(frozen=True)
class EvidenceImage:
    """One picture for the notice: encoded JPEG/PNG bytes, or an RGB uint8 array (H, W, 3)."""

    data: object = field(compare=False, repr=False)
    caption: str = ""


@dataclass(frozen=True)
class ChallanNotice:
    """Everything printed on a challan notice, as plain values (amounts in paisa)."""

    challan_number: str
    consumer_number: str
    rule: str
    legal_basis: str
    schedule_version: str
    place: str
    camera_id: str
    occurred_at: datetime
    issued_on: date
    plate: str
    vehicle_make: str
    vehicle_model: str
    vehicle_colour: str
    vehicle_class: str
    owner_name: str
    owner_address: str
    fine_paisa: int
    discounted_paisa: int
    discount_until: date
    surcharged_paisa: int
    surcharge_from: date
    clip_sha256: str | None  # a camera's clip; None for a field challan, which has photos
    verify_url: str
    owner_cnic: str | None = None
    evidence: tuple[EvidenceImage, ...] = ()
    plate_crop: EvidenceImage | None = None
    photo_sha256: tuple[str, ...] = ()  # a field challan's photos, each by its own hash
    contest_url: str = ""  # the portal's contest page ("" prints the portal's address only)

    def __post_init__(self) -> None:
        """Refuse a notice that would print something false or unreadable."""
        if self.rule not in OFFENCES:
            raise InvalidInput(f"unknown offence {self.rule!r}")
        if self.occurred_at.tzinfo is None or self.occurred_at.utcoffset() is None:
            raise InvalidInput("occurred_at must be timezone-aware")
        self._check_fingerprints()
        if not 0 < self.discounted_paisa <= self.fine_paisa <= self.surcharged_paisa:
            raise InvalidInput("amounts must satisfy 0 < discounted <= fine <= surcharged")
        if not self.issued_on <= self.discount_until < self.surcharge_from:
            raise InvalidInput("dates must satisfy issued_on <= discount_until < surcharge_from")

    def _check_fingerprints(self) -> None:
        """Refuse a notice without a real evidence hash: a made-up one would print a falsehood."""
        hashes = (self.clip_sha256,) if self.clip_sha256 is not None else self.photo_sha256
        if not hashes:
            raise InvalidInput("a notice needs the clip's SHA-256 or its photos' SHA-256")
        if self.clip_sha256 is not None and self.photo_sha256:
            raise InvalidInput("a notice has a clip or photos as evidence, not both")
        if not all(_SHA256.fullmatch(value) for value in hashes):
            raise InvalidInput("clip_sha256 and photo_sha256 must be 64 lower-case hex digits")

    @property
    def fingerprints(self) -> tuple[str, str, tuple[str, ...]]:
        """Return the evidence fingerprint's English label, Urdu key and hashes to print."""
        if self.clip_sha256 is not None:
            return "Clip SHA-256 (evidence fingerprint)", "hash", (self.clip_sha256,)
        return "Photo SHA-256 (evidence fingerprints)", "photo_hash", self.photo_sha256

    @property
    def offence_en(self) -> str:
        """Return the offence in English."""
        return OFFENCES[self.rule][0]

    @property
    def offence_ur(self) -> str:
        """Return the offence in Urdu (logical order, unshaped)."""
        return OFFENCES[self.rule][1]

    @property
    def local_time(self) -> datetime:
        """Return the offence time in Karachi."""
        return self.occurred_at.astimezone(PKT)


def rupees_text(paisa: int) -> str:
    """Return an amount as printed: Rs 2,500 or Rs 2,500.50."""
    whole, cents = divmod(paisa, 100)
    return f"Rs {whole:,}" + (f".{cents:02d}" if cents else "")


def date_text(day: date) -> str:
    """Return a date as printed: 7 Dec 2026."""
    return f"{day.day} {day:%b %Y}"


def mask_cnic(cnic: str | None) -> str:
    """Return a CNIC with the middle digits hidden (42101-XXXXXXX-3); '' when unknown."""
    digits = re.sub(r"\D", "", cnic or "")
    if len(digits) != 13:
        return ""
    return f"{digits[:5]}-XXXXXXX-{digits[12]}"
