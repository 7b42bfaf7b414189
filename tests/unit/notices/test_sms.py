"""The challan SMS: short, complete, and never a payment link."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest

from notices.sms import challan_sms_text, sms_segments
from rules.errors import InvalidInput

DOMAIN = "echallan.sindhpolice.gov.pk"
# Anything a phone would open as a page rather than a site's front door.
LINK_WITH_PATH = re.compile(r"(https?://|www\.)|[a-z0-9-]+\.[a-z]{2,}[/?#]\S", re.IGNORECASE)


def full_text(**overrides) -> str:
    """Return the SMS with every optional part given."""
    values = dict(
        challan_number="KHI-2026-00001234",
        rule="wrong_way",
        amount_paisa=2_500_000,
        portal_domain=DOMAIN,
        consumer_number="1004226000012349",
        plate="AZU-290",
        occurred_at=datetime(2026, 11, 23, 5, 15, tzinfo=UTC),
        discounted_paisa=1_250_000,
        discount_until=date(2026, 12, 7),
    )
    return challan_sms_text(**(values | overrides))


def test_sms_names_the_challan_offence_amount_and_portal():
    text = full_text()
    for expected in (
        "KHI-2026-00001234",
        "Wrong way",
        "Rs 25,000",
        "Rs 12,500 if paid by 7 Dec 2026",
        "AZU-290",
        "23 Nov 2026 10:15",
        "1004226000012349",
        DOMAIN,
    ):
        assert expected in text, expected
    assert sms_segments(text) <= 2


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


def test_optional_parts_are_dropped_least_useful_first_to_fit_two_segments():
    long_domain = "e-challan-verification-portal.traffic.karachi.sindhpolice.gov.pk"
    text = full_text(portal_domain=long_domain)
    assert sms_segments(text) <= 2 and long_domain in text
    assert "Rs 12,500" in text  # the discount matters most to the citizen: kept
    assert "10:15" not in text  # the time matters least: dropped first


def test_minimal_sms_without_optional_parts():
    text = challan_sms_text("KHI-2026-00000001", "no_helmet", 500_000, DOMAIN)
    assert text.startswith("Sindh Police e-Challan KHI-2026-00000001: No helmet.")
    assert "Fine Rs 5,000." in text and sms_segments(text) == 1


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
