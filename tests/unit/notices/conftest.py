"""A notice factory with synthetic evidence pictures (no real data needed)."""

from __future__ import annotations

import hashlib
import io
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from PIL import Image, ImageDraw

from notices.notice import ChallanNotice, EvidenceImage

SHA = hashlib.sha256(b"a clip").hexdigest()


def picture(size: tuple[int, int], colour: tuple[int, int, int]) -> Image.Image:
    """Return a road scene: grey tarmac, a stop line and a coloured car."""
    image = Image.new("RGB", size, (90, 90, 95))
    draw = ImageDraw.Draw(image)
    w, h = size
    draw.line((0, int(h * 0.7), w, int(h * 0.7)), fill=(240, 240, 240), width=max(2, h // 60))
    draw.rectangle((w // 3, h // 2, w // 2, int(h * 0.8)), fill=colour)
    return image


def encode(image: Image.Image, fmt: str) -> bytes:
    """Return `image` encoded as `fmt`."""
    out = io.BytesIO()
    image.save(out, format=fmt)
    return out.getvalue()


BASE = ChallanNotice(
    challan_number="KHI-2026-00001234",
    consumer_number="1004226000012349",
    rule="red_light",
    legal_basis="Sindh Motor Vehicles Ordinance 1965 as amended 2025, Sixth Schedule (TRACS)",
    schedule_version="KHI-2025-TRACS",
    place="Shahrah-e-Faisal at Nursery junction, northbound",
    camera_id="KHI-0001",
    occurred_at=datetime(2026, 11, 23, 5, 15, 2, tzinfo=UTC),
    issued_on=date(2026, 11, 23),
    plate="AZU-290",
    vehicle_make="Honda",
    vehicle_model="CD 70",
    vehicle_colour="red",
    vehicle_class="motorcycle",
    owner_name="Muhammad Ali Khan",
    owner_address="House 12, Street 4, Block 13-D, Gulshan-e-Iqbal, Karachi",
    owner_cnic="42101-1234567-3",
    fine_paisa=500_000,
    discounted_paisa=250_000,
    discount_until=date(2026, 12, 7),
    surcharged_paisa=1_000_000,
    surcharge_from=date(2026, 12, 15),
    clip_sha256=SHA,
    verify_url="https://echallan.sindhpolice.gov.pk/v/KHI-2026-00001234",
    contest_url="https://echallan.sindhpolice.gov.pk/my/challans/KHI-2026-00001234/contest",
)


@pytest.fixture
def notice() -> ChallanNotice:
    """Return a complete notice: a JPEG frame, a big PNG frame, an array frame, a plate crop."""
    import numpy as np

    return replace(
        BASE,
        evidence=(
            EvidenceImage(encode(picture((640, 360), (200, 20, 20)), "JPEG"), "frame 41"),
            EvidenceImage(encode(picture((1280, 720), (20, 20, 200)), "PNG"), "frame 52"),
            EvidenceImage(np.asarray(picture((320, 180), (20, 160, 20))), "frame 60"),
        ),
        plate_crop=EvidenceImage(encode(Image.new("RGB", (200, 60), "white"), "PNG"), "plate"),
    )
