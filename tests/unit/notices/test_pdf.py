"""The PDF notice, checked the way a person would: rendered to pixels and read back as text."""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

import pytest

from notices import fonts
from notices.fonts import FontMissing, find_font, urdu
from notices.notice import OFFENCES, ChallanNotice, EvidenceImage, mask_cnic, rupees_text
from notices.pdf import UR, render_challan_pdf
from rules.errors import InvalidInput

needs_poppler = pytest.mark.skipif(
    not shutil.which("pdftoppm"),
    reason="poppler-utils not installed (apt-get install poppler-utils)",
)


@pytest.fixture
def pdf_path(notice: ChallanNotice, tmp_path: Path) -> Path:
    """Render the notice to a file and return its path."""
    path = tmp_path / "notice.pdf"
    path.write_bytes(render_challan_pdf(notice))
    return path


def run(*args: str) -> str:
    """Run a poppler tool and return its standard output."""
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def pages(pdf: Path) -> int:
    """Return the page count pdfinfo reports."""
    match = re.search(r"^Pages:\s+(\d+)$", run("pdfinfo", str(pdf)), re.MULTILINE)
    assert match, "pdfinfo gave no page count"
    return int(match[1])


def page_png(pdf: Path, dpi: int) -> Path:
    """Render the first page at `dpi` and return the PNG's path."""
    stem = pdf.with_suffix("")
    subprocess.run(["pdftoppm", "-png", "-r", str(dpi), "-singlefile", pdf, stem], check=True)
    return stem.with_suffix(".png")


def test_pdf_is_a_single_a4_page(notice):
    data = render_challan_pdf(notice)
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    assert data.count(b"/Type /Page\n") + data.count(b"/Type /Page ") >= 1


@needs_poppler
def test_rendered_page_is_a4_and_not_blank(pdf_path):
    import cv2

    assert pages(pdf_path) == 1
    image = cv2.imread(str(page_png(pdf_path, 72)))
    height, width = image.shape[:2]
    assert height == 842 and width in (595, 596)  # A4 is 595.27 x 841.89 points
    ink = (image.min(axis=2) < 200).mean()
    assert 0.05 < ink < 0.6, f"{ink:.1%} of the page is ink"


@needs_poppler
def test_contest_line_names_the_contest_page_not_just_apply_online(pdf_path, notice):
    text = " ".join(run("pdftotext", str(pdf_path), "-").split())
    assert notice.contest_url in text
    assert "apply online" not in text


@needs_poppler
def test_contest_line_falls_back_to_the_portal_address(notice, tmp_path):
    path = tmp_path / "n.pdf"
    path.write_bytes(render_challan_pdf(replace(notice, contest_url="")))
    text = " ".join(run("pdftotext", str(path), "-").split())
    assert "apply at https://echallan.sindhpolice.gov.pk " in text


@needs_poppler
def test_text_carries_the_number_the_hash_and_the_money(pdf_path, notice):
    text = run("pdftotext", "-layout", str(pdf_path), "-")
    for expected in (
        notice.challan_number,
        notice.clip_sha256,
        notice.consumer_number,
        "Rs 2,500",
        "Rs 5,000",
        "Rs 10,000",
        "Paid by 7 Dec 2026 (50% off)",
        "From 15 Dec 2026 (doubled)",
        "23 Nov 2026, 10:15:02 PKT",
        "42101-XXXXXXX-3",
        notice.offence_en,
    ):
        assert expected in text, expected
    assert "1234567" not in text  # the CNIC's middle digits stay hidden


@needs_poppler
def test_urdu_is_embedded_as_shaped_glyphs(pdf_path):
    assert "NotoNaskhArabic" in run("pdffonts", str(pdf_path))
    text = run("pdftotext", str(pdf_path), "-")
    shaped = set(urdu(UR["number"]) + urdu(UR["fine"])) - {" "}
    # Joined letter forms live in Unicode's presentation-form blocks, never in the base block.
    assert all(0xFB50 <= ord(c) <= 0xFEFF for c in shaped)
    assert shaped <= set(text)


@needs_poppler
def test_qr_code_on_the_page_decodes_to_the_verification_url(pdf_path, notice):
    import cv2

    page = cv2.imread(str(page_png(pdf_path, 150)))
    decoded, _, _ = cv2.QRCodeDetector().detectAndDecode(page)
    assert decoded == notice.verify_url


@needs_poppler
def test_every_evidence_picture_and_the_qr_are_embedded_small(pdf_path):
    rows = run("pdfimages", "-list", str(pdf_path)).splitlines()[2:]
    assert len(rows) == 5  # three frames, the plate crop, the QR code
    widths = [int(row.split()[3]) for row in rows]
    assert max(widths) <= 640


@pytest.mark.parametrize("data", [b"not a picture", "a string", b""])
def test_unreadable_evidence_is_invalid_input_naming_the_picture(notice, data):
    broken = replace(notice, evidence=(EvidenceImage(data, "frame 9"),))
    with pytest.raises(InvalidInput, match="frame 9"):
        render_challan_pdf(broken)


def test_notice_without_pictures_still_renders(notice):
    bare = replace(notice, evidence=(), plate_crop=None)
    assert render_challan_pdf(bare).startswith(b"%PDF-")


@needs_poppler
def test_long_values_are_cut_not_spilled(notice, tmp_path):
    long = replace(notice, owner_address="Flat 3, " * 60 + "Karachi")
    path = tmp_path / "long.pdf"
    path.write_bytes(render_challan_pdf(long))
    text = run("pdftotext", "-layout", str(path), "-")
    assert pages(path) == 1
    assert "..." in text and "Karachi" not in text.split("Address")[1].split("Fine")[0]


@pytest.mark.parametrize(
    "change",
    [
        {"clip_sha256": "ABC"},
        {"clip_sha256": "G" * 64},
        {"occurred_at": datetime(2026, 11, 23, 10, 15)},
        {"discounted_paisa": 600_000},
        {"surcharged_paisa": 400_000},
        {"discount_until": date(2026, 12, 20)},
        {"rule": "speeding"},
        {"clip_sha256": None},  # no evidence fingerprint at all
        {"clip_sha256": None, "photo_sha256": ("0" * 63,)},
        {"photo_sha256": ("a" * 64,)},  # a clip and photos: which one is the evidence?
    ],
)
def test_notice_refuses_values_it_would_print_wrongly(notice, change):
    with pytest.raises(InvalidInput):
        replace(notice, **change)


@needs_poppler
def test_field_notice_prints_every_photo_hash_on_one_page(notice, tmp_path):
    photos = tuple(hashlib.sha256(bytes([i])).hexdigest() for i in range(6))
    field = replace(notice, clip_sha256=None, photo_sha256=photos, camera_id="field")
    path = tmp_path / "field.pdf"
    path.write_bytes(render_challan_pdf(field))
    text = run("pdftotext", "-layout", str(path), "-")
    assert pages(path) == 1
    assert "Photo SHA-256" in text and "Clip SHA-256" not in text
    assert all(value in text for value in photos)
    assert "0" * 64 not in text
    assert "pay only through 1Bill" in text  # the warnings are pushed down, not overprinted


def test_every_urdu_string_is_covered_by_the_font():
    from reportlab.pdfbase.ttfonts import TTFont

    face = TTFont("check", str(find_font("NotoNaskhArabic-Regular.ttf"))).face
    strings = [*UR.values(), *(ur for _, ur in OFFENCES.values())]
    missing = {c for s in strings for c in urdu(s) if c != " " and ord(c) not in face.charToGlyph}
    assert not missing, sorted(hex(ord(c)) for c in missing)


def test_missing_font_fails_with_the_package_to_install(monkeypatch, tmp_path):
    monkeypatch.setattr(fonts, "FONT_DIRS", (tmp_path,))
    monkeypatch.delenv("ECHALLAN_URDU_FONT", raising=False)
    with pytest.raises(FontMissing, match="apt-get install -y fonts-noto-core"):
        find_font("NotoNaskhArabic-Regular.ttf")


def test_font_path_can_be_overridden(monkeypatch):
    real = find_font("NotoNaskhArabic-Regular.ttf")
    monkeypatch.setenv("ECHALLAN_URDU_FONT", str(real))
    monkeypatch.setattr(fonts, "FONT_DIRS", ())
    assert find_font("NotoNaskhArabic-Regular.ttf") == real


@pytest.mark.parametrize(
    ("paisa", "text"), [(500_000, "Rs 5,000"), (10_000_000, "Rs 100,000"), (250_050, "Rs 2,500.50")]
)
def test_rupees_text(paisa, text):
    assert rupees_text(paisa) == text


@pytest.mark.parametrize(
    ("cnic", "masked"), [("4210112345673", "42101-XXXXXXX-3"), ("123", ""), (None, "")]
)
def test_mask_cnic(cnic, masked):
    assert mask_cnic(cnic) == masked
