"""QR codes for the verification and payment page: a module matrix, a reportlab drawing, a PNG.

The mask pattern is fixed instead of letting qrcode try all eight and score them: any mask is a
valid QR code, and the search costs about 25 ms per code, more than a whole notice's budget
(measured: 27 ms with the search, 3.5 ms without, for a version-5 URL).
"""

from __future__ import annotations

import io
from functools import lru_cache
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from rules.errors import InvalidInput

if TYPE_CHECKING:
    from reportlab.graphics.shapes import Drawing

QUIET_ZONE = 4  # modules of white border the QR specification asks for
_MASK = 2


@lru_cache(maxsize=256)
def qr_matrix(url: str) -> tuple[tuple[bool, ...], ...]:
    """Return the QR modules for `url` (True = dark), without the quiet zone."""
    import qrcode
    from qrcode.constants import ERROR_CORRECT_M

    _check_url(url)
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=0, mask_pattern=_MASK)
    code.add_data(url)
    code.make(fit=True)
    return tuple(tuple(row) for row in code.get_matrix())


def dark_runs(matrix: tuple[tuple[bool, ...], ...]) -> list[tuple[int, int, int]]:
    """Return (row, first column, length) of every horizontal run of dark modules."""
    runs = []
    for y, row in enumerate(matrix):
        x = 0
        while x < len(row):
            if row[x]:
                start = x
                while x < len(row) and row[x]:
                    x += 1
                runs.append((y, start, x - start))
            else:
                x += 1
    return runs


def draw_qr(canvas: object, url: str, x: float, y: float, size: float) -> None:
    """Draw the QR code for `url` on a reportlab canvas, lower-left at (x, y), `size` points.

    Drawn as a small greyscale image, 6 pixels a module: about 20 times cheaper for reportlab
    than one vector rectangle per run of modules, and still sharp when printed.
    """
    from reportlab.lib.utils import ImageReader

    canvas.drawImage(ImageReader(_qr_image(url, 6)), x, y, size, size)


def _qr_image(url: str, module_px: int):
    """Return the QR code for `url` as a PIL greyscale image with the quiet zone."""
    from PIL import Image

    matrix = qr_matrix(url)
    side = len(matrix) + 2 * QUIET_ZONE
    pixels = bytearray(b"\xff" * side * side)
    for row, col, length in dark_runs(matrix):
        start = (QUIET_ZONE + row) * side + QUIET_ZONE + col
        pixels[start : start + length] = bytes(length)
    image = Image.frombytes("L", (side, side), bytes(pixels))
    return image.resize((side * module_px, side * module_px), Image.Resampling.NEAREST)


def qr_drawing(url: str, size: float = 100.0) -> Drawing:
    """Return a reportlab Drawing of the QR code for `url`, `size` points square."""
    from reportlab.graphics.shapes import Drawing, Rect

    matrix = qr_matrix(url)
    module = size / (len(matrix) + 2 * QUIET_ZONE)
    drawing = Drawing(size, size)
    drawing.add(Rect(0, 0, size, size, fillColor="white", strokeColor=None))
    for row, col, length in dark_runs(matrix):
        left, bottom = (QUIET_ZONE + col) * module, size - (QUIET_ZONE + row + 1) * module
        drawing.add(Rect(left, bottom, length * module, module, fillColor="black", strokeWidth=0))
    return drawing


def qr_png(url: str, module_px: int = 4) -> bytes:
    """Return the QR code for `url` as PNG bytes (black on white, with the quiet zone)."""
    out = io.BytesIO()
    _qr_image(url, module_px).convert("1").save(out, format="PNG", optimize=True)
    return out.getvalue()


_LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1"})


def _check_url(url: str) -> None:
    """Refuse anything but an absolute https URL; plain http only for a loopback demo server."""
    parts = urlsplit(url)
    secure = parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in _LOOPBACK)
    if not secure or not parts.hostname:
        raise InvalidInput(f"verification URL must be absolute https: {url!r}")
