"""The challan notice as a one-page A4 PDF, in English and Urdu.

Speed (target: 50 notices a second on one core) comes from: Latin text in the PDF base fonts
(Helvetica, Courier: nothing to embed), the Urdu font registered once per process and embedded as
a subset of the glyphs used, JPEG evidence passed through to the PDF undecoded when already small,
other pictures shrunk and re-encoded as JPEG, and the QR code drawn as one vector path.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import timedelta
from urllib.parse import urlsplit

from notices.drawing import MARGIN, PAGE_H, RIGHT, draw_urdu, fit_text, new_canvas, title_band
from notices.notice import ChallanNotice, EvidenceImage, date_text, mask_cnic, rupees_text
from notices.qr import draw_qr
from rules.errors import InvalidInput

MAX_IMAGE_PX = 640  # evidence frames larger than this are shrunk before embedding
GREEN = (0.0, 0.33, 0.2)  # the fine box's frame, the colour of the title band
HASH_LEADING = 10.0  # points between the lines of a field challan's photo hashes

UR = {
    "title": "ای چالان: ٹریفک قوانین کی خلاف ورزی کا نوٹس",
    "number": "چالان نمبر",
    "offence": "خلاف ورزی",
    "basis": "قانونی بنیاد",
    "place": "مقام",
    "time": "تاریخ و وقت",
    "camera": "کیمرا",
    "vehicle": "گاڑی",
    "owner": "رجسٹرڈ مالک",
    "address": "پتہ",
    "fine": "جرمانہ",
    "discount": "رعایت کے ساتھ: آدھا جرمانہ",
    "base": "پورا جرمانہ",
    "double": "دگنا جرمانہ",
    "onebill": "ون بل کنزیومر نمبر: کسی بھی بینک ایپ، اے ٹی ایم یا برانچ سے ادائیگی کریں",
    "evidence": "شواہد",
    "hash": "ویڈیو کا ہیش",
    "photo_hash": "تصاویر کا ہیش",
    "scan": "تصدیق اور ادائیگی کے لیے اسکین کریں",
    "contest": "اعتراض ہو تو 21 دن کے اندر بائیں جانب دیے گئے پتے پر درخواست دیں۔",
    "phishing": "ای چالان کی ادائیگی کا لنک کبھی ایس ایم ایس پر نہیں بھیجا جاتا۔",
}


def render_challan_pdf(notice: ChallanNotice) -> bytes:
    """Return the notice for `notice` as PDF bytes (one A4 page)."""
    out = io.BytesIO()
    canvas = new_canvas(out, f"e-Challan {notice.challan_number}")
    y = _header(canvas, notice)
    y = _details(canvas, notice, y - 14)
    y = _fines(canvas, notice, y - 10)
    y = _evidence(canvas, notice, y - 12)
    _footer(canvas, notice, y - 10)
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def _header(canvas, notice: ChallanNotice) -> float:
    """Draw the title band and the challan number; return the y below them."""
    top = PAGE_H - MARGIN
    title_band(canvas, "e-CHALLAN: TRAFFIC VIOLATION NOTICE", UR["title"])
    canvas.setFont("Helvetica-Bold", 20)
    canvas.drawString(MARGIN, top - 74, notice.challan_number)
    canvas.setFont("Helvetica", 9)
    canvas.drawString(MARGIN, top - 88, f"Issued {date_text(notice.issued_on)}")
    draw_urdu(canvas, UR["number"], RIGHT, top - 72, 13, bold=True)
    return top - 92


def _rows(notice: ChallanNotice) -> Iterator[tuple[str, str, str]]:
    """Yield (English label, value, Urdu label) for the detail table."""
    when = notice.local_time
    yield "Offence", notice.offence_en, UR["offence"]
    yield "Legal basis", f"{notice.legal_basis} [{notice.schedule_version}]", UR["basis"]
    yield "Place", notice.place, UR["place"]
    yield "Date and time", f"{date_text(when.date())}, {when:%H:%M:%S} PKT (UTC+05:00)", UR["time"]
    yield "Camera", notice.camera_id, UR["camera"]
    vehicle = f"{notice.plate}  \u00b7  {notice.vehicle_make} {notice.vehicle_model}, "
    yield "Vehicle", vehicle + f"{notice.vehicle_colour}, {notice.vehicle_class}", UR["vehicle"]
    cnic = mask_cnic(notice.owner_cnic)
    yield "Registered owner", notice.owner_name + (f"  (CNIC {cnic})" if cnic else ""), UR["owner"]
    yield "Address", notice.owner_address, UR["address"]


def _details(canvas, notice: ChallanNotice, y: float) -> float:
    """Draw the detail table (values wrap to two lines at most); return the y below it."""
    from reportlab.lib.utils import simpleSplit

    canvas.setStrokeColorRGB(0.8, 0.8, 0.8)
    for label, value, label_ur in _rows(notice):
        canvas.line(MARGIN, y + 13, RIGHT, y + 13)
        canvas.setFont("Helvetica-Bold", 8.5)
        canvas.drawString(MARGIN, y, label)
        canvas.setFont("Helvetica", 9.5)
        lines = simpleSplit(value, "Helvetica", 9.5, 330) or [""]
        if len(lines) > 2:  # two lines at most: cut the rest with an ellipsis
            lines = [lines[0], fit_text(canvas, " ".join(lines[1:]), "Helvetica", 9.5, 330)]
        for i, line in enumerate(lines):
            canvas.drawString(MARGIN + 100, y - 12 * i, line)
        draw_urdu(canvas, label_ur, RIGHT, y - 1, 11)
        y -= 20 + 12 * (len(lines) - 1)
        if label == "Offence":
            draw_urdu(canvas, notice.offence_ur, MARGIN + 430, y + 4, 11)
            y -= 14
    return y


def _fines(canvas, notice: ChallanNotice, y: float) -> float:
    """Draw the fine box: the three prices with their dates, and the 1Bill number."""
    box_h = 104
    canvas.setFillColorRGB(0.95, 0.97, 0.95)
    canvas.setStrokeColorRGB(*GREEN)
    canvas.rect(MARGIN, y - box_h, RIGHT - MARGIN, box_h, stroke=1, fill=1)
    canvas.setFillColorRGB(0, 0, 0)
    canvas.setFont("Helvetica-Bold", 11)
    canvas.drawString(MARGIN + 10, y - 18, f"Fine {rupees_text(notice.fine_paisa)}")
    draw_urdu(canvas, UR["fine"], RIGHT - 10, y - 19, 12, bold=True)
    last_base_day = notice.surcharge_from - timedelta(days=1)
    prices = [
        (
            f"Paid by {date_text(notice.discount_until)} (50% off)",
            notice.discounted_paisa,
            "discount",
        ),
        (f"Paid by {date_text(last_base_day)}", notice.fine_paisa, "base"),
        (f"From {date_text(notice.surcharge_from)} (doubled)", notice.surcharged_paisa, "double"),
    ]
    for i, (text, paisa, key) in enumerate(prices):
        row_y = y - 36 - 15 * i
        canvas.setFont("Helvetica", 10)
        canvas.drawString(MARGIN + 10, row_y, text)
        canvas.setFont("Helvetica-Bold", 10)
        canvas.drawRightString(MARGIN + 300, row_y, rupees_text(paisa))
        draw_urdu(canvas, UR[key], RIGHT - 10, row_y - 1, 10.5)
    canvas.setFont("Helvetica-Bold", 10)
    canvas.drawString(MARGIN + 10, y - 90, f"1Bill consumer number: {notice.consumer_number}")
    draw_urdu(canvas, UR["onebill"], RIGHT - 10, y - 91, 9.5)
    return y - box_h


def _evidence(canvas, notice: ChallanNotice, y: float) -> float:
    """Draw the evidence frames and the plate crop in one row; return the y below them."""
    canvas.setFont("Helvetica-Bold", 10)
    canvas.drawString(MARGIN, y - 10, "Evidence")
    draw_urdu(canvas, UR["evidence"], RIGHT, y - 11, 11, bold=True)
    pictures = list(notice.evidence[:3]) + ([notice.plate_crop] if notice.plate_crop else [])
    if not pictures:
        return y - 20
    gap, height = 8.0, 118.0
    width = (RIGHT - MARGIN - gap * (len(pictures) - 1)) / len(pictures)
    for i, picture in enumerate(pictures):
        left = MARGIN + i * (width + gap)
        _picture(canvas, picture, left, y - 20 - height, width, height)
    return y - 20 - height - 14


def _picture(canvas, picture: EvidenceImage, x: float, y: float, w: float, h: float) -> None:
    """Draw one picture fitted in the box (x, y, w, h) with its caption beneath."""
    try:
        jpeg = _jpeg(picture.data)
    except (OSError, ValueError, TypeError, AttributeError) as exc:  # PIL: "not a picture"
        raise InvalidInput(f"evidence picture {picture.caption!r} cannot be read: {exc}") from None
    canvas.drawImage(_jpeg_reader(jpeg), x, y, w, h, preserveAspectRatio=True, anchor="c")
    canvas.setStrokeColorRGB(0.6, 0.6, 0.6)
    canvas.rect(x, y, w, h, stroke=1, fill=0)
    canvas.setFont("Helvetica", 7.5)
    canvas.drawString(x, y - 9, fit_text(canvas, picture.caption, "Helvetica", 7.5, w))


def _footer(canvas, notice: ChallanNotice, y: float) -> None:
    """Draw the evidence hashes, the QR code and the citizen's warnings."""
    qr = 112.0
    draw_qr(canvas, notice.verify_url, RIGHT - qr, y - qr, qr)
    label, urdu_key, hashes = notice.fingerprints
    canvas.setFont("Helvetica-Bold", 9)
    canvas.drawString(MARGIN, y - 10, label)
    draw_urdu(canvas, UR[urdu_key], RIGHT - qr - 10, y - 11, 10)
    canvas.setFont("Courier", 8.4)
    for i, value in enumerate(hashes):
        canvas.drawString(MARGIN, y - 24 - HASH_LEADING * i, value)
    y -= HASH_LEADING * (len(hashes) - 1)  # one line per photo pushes the warnings down
    canvas.setFont("Helvetica", 8.5)
    lines = [
        f"Scan the code to verify this challan and pay: {notice.verify_url}",
        "The registered owner is liable. To contest it within 21 days of issue, apply at",
        _contest(notice),
        "e-Challans never carry a payment link by SMS: pay only through 1Bill or the portal.",
    ]
    for i, line in enumerate(lines):
        canvas.drawString(MARGIN, y - 42 - 12 * i, fit_text(canvas, line, "Helvetica", 8.5, 400))
    draw_urdu(canvas, UR["scan"], RIGHT - qr - 10, y - 86, 10)
    draw_urdu(canvas, UR["contest"], RIGHT - qr - 10, y - 102, 10)
    draw_urdu(canvas, UR["phishing"], RIGHT - qr - 10, y - 118, 10)


def _contest(notice: ChallanNotice) -> str:
    """Return where the contest form is: its page, or the portal the QR code points into."""
    if notice.contest_url:
        return notice.contest_url
    parts = urlsplit(notice.verify_url)
    return f"{parts.scheme}://{parts.netloc}"


def _jpeg_reader(jpeg: bytes):
    """Return a reportlab ImageReader that embeds `jpeg` as is and never decodes it.

    reportlab names an image by the digest of `getRGBData()`, which decodes the whole JPEG
    only to hash it (a third of a notice's time, measured); for a JPEG the encoded bytes
    identify the picture just as well, and the bytes themselves go into the PDF undecoded.
    """
    from reportlab.lib.utils import ImageReader

    class JpegReader(ImageReader):
        def getRGBData(self) -> bytes:  # noqa: N802 - reportlab's name
            """Return the encoded bytes: used only to name the image."""
            self._dataA = None
            return jpeg

    return JpegReader(io.BytesIO(jpeg))


def _jpeg(data: object) -> bytes:
    """Return `data` (encoded bytes or an RGB array) as JPEG bytes no larger than MAX_IMAGE_PX."""
    from PIL import Image

    if isinstance(data, bytes | bytearray | memoryview):
        image = Image.open(io.BytesIO(bytes(data)))
        if image.format == "JPEG" and max(image.size) <= MAX_IMAGE_PX:
            return bytes(data)  # embedded as is: no decode, no re-encode
        image.draft("RGB", (MAX_IMAGE_PX, MAX_IMAGE_PX))  # cheap DCT-domain downscale for JPEG
    else:
        image = Image.fromarray(data)
    image = image.convert("RGB")
    image.thumbnail((MAX_IMAGE_PX, MAX_IMAGE_PX))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=80)
    return out.getvalue()
