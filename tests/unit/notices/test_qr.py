"""QR codes: they decode to exactly the URL given, in every form we produce."""

from __future__ import annotations

import numpy as np
import pytest

from notices.qr import QUIET_ZONE, dark_runs, qr_drawing, qr_matrix, qr_png
from rules.errors import InvalidInput

URL = "https://echallan.sindhpolice.gov.pk/v/KHI-2026-00001234"


def decode(png: bytes) -> str:
    """Return what OpenCV's QR detector reads in `png`."""
    import cv2

    image = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_GRAYSCALE)
    return cv2.QRCodeDetector().detectAndDecode(image)[0]


@pytest.mark.parametrize("url", [URL, "https://e.gov.pk/v/KHI-2026-99999999?c=1004226000012349"])
def test_png_decodes_to_the_url(url):
    assert decode(qr_png(url)) == url


def test_png_has_the_quiet_zone():
    import cv2

    png = qr_png(URL, module_px=4)
    image = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_GRAYSCALE)
    side = (len(qr_matrix(URL)) + 2 * QUIET_ZONE) * 4
    assert image.shape == (side, side)
    assert image[: QUIET_ZONE * 4].min() == 255 and image[:, : QUIET_ZONE * 4].min() == 255


def test_matrix_is_a_square_qr_version():
    matrix = qr_matrix(URL)
    assert len(matrix) == len(matrix[0]) and (len(matrix) - 21) % 4 == 0
    assert all(matrix[0][:7]) and all(matrix[6][:7])  # the top-left finder pattern


def test_dark_runs_cover_exactly_the_dark_modules():
    matrix = qr_matrix(URL)
    covered = {(r, c + i) for r, c, n in dark_runs(matrix) for i in range(n)}
    dark = {(r, c) for r, row in enumerate(matrix) for c, v in enumerate(row) if v}
    assert covered == dark


def test_drawing_has_one_rectangle_per_run_and_the_background():
    drawing = qr_drawing(URL, size=120)
    assert (drawing.width, drawing.height) == (120, 120)
    assert len(drawing.contents) == len(dark_runs(qr_matrix(URL))) + 1


@pytest.mark.parametrize(
    "url", ["http://echallan.sindhpolice.gov.pk/v/1", "/v/KHI-2026-00001234", "javascript:alert(1)"]
)
def test_only_https_urls_are_encoded(url):
    with pytest.raises(InvalidInput):
        qr_png(url)


def test_plain_http_is_allowed_for_a_loopback_demo():
    assert decode(qr_png("http://127.0.0.1:5000/v/KHI-2026-00000001")).endswith("00000001")
