"""The challan SMS: today's amount with its dates, in English and Urdu, never a payment link."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest

from notices.sms import MAX_SEGMENTS, SmsPrice, challan_sms_text, sms_segments
from rules.errors import InvalidInput

DOMAIN = "echallan.sindhpolice.gov.pk"
# Anything a phone would open as a page rather than a site's front door.
LINK_WITH_PATH = re.compile(r"(https?://|www\.)|[a-z0-9-]+\.[a-z]{2,}[/?#]\S", re.IGNORECASE)
# Rs 25,000 fine, discount to 7 Dec, surcharge (Rs 50,000) from 15 Dec.
DISCOUNT = SmsPrice(1_250_000, date(2026, 12, 7), 5_000_000, date(2026, 12, 15))


def full_text(**overrides) -> str:
    """Return the SMS with every optional part given."""
    values = dict(
        challan_number="KHI-2026-00001234",
        rule="wrong_way",
        price=DISCOUNT,
        portal_domain=DOMAIN,
        consumer_number="1004226000012349",
        plate="AZU-290",
        occurred_at=datetime(2026, 11, 23, 5, 15, tzinfo=UTC),
    )
    return challan_sms_text(**(values | overrides))


def test_sms_gives_todays_amount_with_its_dates_not_the_bare_fine():
    text = full_text()
    for expected in (
        "KHI-2026-00001234",
        "Wrong way",
        "Pay Rs 12,500 by 7 Dec 2026",
        "Rs 50,000 from 15 Dec 2026",
        "AZU-290",
        "23 Nov 2026 10:15 PKT",  # 05:15 UTC is 10:15 in Karachi
        "1Bill consumer no. 1004226000012349",
        f"Look it up at {DOMAIN}",
    ):
        assert expected in text, expected
    assert "Rs 25,000" not in text  # the old text led with the full fine while half was due
    assert sms_segments(text) <= MAX_SEGMENTS


def test_sms_carries_urdu_with_the_same_amount_and_dates():
    english, urdu = full_text().split("\n")
    assert "غلط سمت" in urdu and "ادا کریں" in urdu
    assert "7 Dec 2026 تک Rs 12,500" in urdu and "15 Dec 2026 سے Rs 50,000" in urdu
    assert DOMAIN in urdu and "1Bill" in urdu
    assert "لنک" in urdu  # the phishing warning, in Urdu too
    assert not re.search(r"[\u0600-\u06ff]", english)


def test_sms_after_the_discount_gives_the_base_fine_until_the_surcharge():
    price = SmsPrice(2_500_000, date(2026, 12, 14), 5_000_000, date(2026, 12, 15))
    assert "Pay Rs 25,000 by 14 Dec 2026; Rs 50,000 from 15 Dec 2026" in full_text(price=price)


def test_surcharged_sms_has_no_later_date():
    text = full_text(price=SmsPrice(5_000_000))
    english = text.split("\n")[0]
    assert "Pay Rs 50,000." in english and " from " not in english


@pytest.mark.parametrize("rule", ["red_light", "wrong_way", "no_helmet"])
def test_sms_has_no_link_with_a_path_or_query(rule):
    text = full_text(rule=rule)
    assert not LINK_WITH_PATH.search(text), text
    assert "http" not in text.lower()


def test_the_link_detector_itself_catches_links():
    assert LINK_WITH_PATH.search(f"pay at {DOMAIN}/pay?c=1")
    assert LINK_WITH_PATH.search("pay at https://x.pk")
    assert not LINK_WITH_PATH.search(f"Check it at {DOMAIN}. We never send links.")


@pytest.mark.parametrize(
    "domain",
    [
        f"https://{DOMAIN}",
        f"{DOMAIN}/pay",
        f"{DOMAIN}?c=1",
        f"{DOMAIN}/",
        "localhost",
        "echallan .gov.pk",
        "",
    ],
)
def test_portal_must_be_a_bare_domain(domain):
    with pytest.raises(InvalidInput):
        full_text(portal_domain=domain)


def test_optional_parts_are_dropped_least_useful_first_to_fit():
    long_domain = "e-challan-verification-portal.traffic.karachi.sindhpolice.gov.pk"
    text = full_text(portal_domain=long_domain)
    assert sms_segments(text) <= MAX_SEGMENTS and text.count(long_domain) == 2
    assert "Rs 12,500 by 7 Dec 2026" in text  # today's amount is never dropped
    assert "10:15" not in text  # the time matters least: dropped first


def test_minimal_sms_without_optional_parts():
    text = challan_sms_text("KHI-2026-00000001", "no_helmet", SmsPrice(500_000), DOMAIN)
    assert text.startswith("e-Challan KHI-2026-00000001 (Sindh Police): No helmet. Pay Rs 5,000.")
    assert "ہیلمٹ" in text and sms_segments(text) <= 4


@pytest.mark.parametrize("change", [{"rule": "speeding"}, {"occurred_at": datetime(2026, 1, 1)}])
def test_bad_values_are_refused(change):
    with pytest.raises(InvalidInput):
        full_text(**change)


@pytest.mark.parametrize(
    ("text", "segments"),
    [
        ("a" * 160, 1),
        ("a" * 161, 2),
        ("a" * 306, 2),
        ("a" * 307, 3),
        ("{" * 80, 1),
        ("{" * 81, 2),
        ("ب" * 70, 1),
        ("ب" * 71, 2),
        ("ب" * 134, 2),
        ("ب" * 135, 3),
    ],
)
def test_segment_counting(text, segments):
    assert sms_segments(text) == segments
