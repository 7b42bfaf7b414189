"""Drawing pieces every notices PDF shares: the A4 page, the green title band, shaped Urdu.

The challan notice (`notices.pdf`) and the decision letter (`notices.letter`) use these so that
both look like one office's papers and neither carries its own copy of the font set-up.
"""

from __future__ import annotations

from functools import lru_cache

from notices.fonts import register_fonts, urdu

PAGE_W, PAGE_H = 595.27, 841.89  # A4 in points
MARGIN = 36.0
RIGHT = PAGE_W - MARGIN
GREEN = (0.0, 0.33, 0.2)
BAND_H = 46.0
ISSUER = "SINDH POLICE  \u00b7  KARACHI TRAFFIC  \u00b7  TRACS"


@lru_cache(maxsize=1)
def setup() -> None:
    """Register the fonts and turn off ASCII85 wrapping of binary streams, once.

    ASCII85 only makes a PDF 7-bit clean, which nobody needs; without reportlab's C accelerator
    its pure-Python encoder was the largest cost of a notice (measured: 37 ms of 120).
    """
    from reportlab import rl_config

    rl_config.useA85 = 0
    register_fonts()


def new_canvas(out, title: str):
    """Return an A4 canvas writing to `out`, compressed and reproducible, with its metadata."""
    from reportlab.pdfgen.canvas import Canvas

    setup()
    canvas = Canvas(out, pagesize=(PAGE_W, PAGE_H), pageCompression=1, invariant=1)
    canvas.setTitle(title)
    canvas.setAuthor("Sindh Police e-Challan")
    return canvas


def title_band(canvas, english: str, urdu_title: str) -> float:
    """Draw the green band with the issuer and both titles; return the y of its bottom edge."""
    top = PAGE_H - MARGIN
    canvas.setFillColorRGB(*GREEN)
    canvas.rect(MARGIN, top - BAND_H, RIGHT - MARGIN, BAND_H, stroke=0, fill=1)
    canvas.setFillColorRGB(1, 1, 1)
    canvas.setFont("Helvetica-Bold", 9)
    canvas.drawString(MARGIN + 10, top - 17, ISSUER)
    canvas.setFont("Helvetica-Bold", 14)
    canvas.drawString(MARGIN + 10, top - 36, english)
    draw_urdu(canvas, urdu_title, RIGHT - 10, top - 20, 12, bold=True)
    canvas.setFillColorRGB(0, 0, 0)
    return top - BAND_H


def draw_urdu(canvas, text: str, right: float, y: float, size: float, bold: bool = False) -> None:
    """Draw Urdu `text` shaped, right to left, ending at x = `right`."""
    regular, heavy = register_fonts()
    canvas.setFont(heavy if bold else regular, size)
    canvas.drawRightString(right, y, urdu(text))


def fit_text(canvas, text: str, font: str, size: float, width: float) -> str:
    """Return `text`, cut with an ellipsis so that it fits `width` points."""
    if canvas.stringWidth(text, font, size) <= width:
        return text
    while text and canvas.stringWidth(text + "...", font, size) > width:
        text = text[:-1]
    return text + "..."
