"""The Urdu font and Urdu text shaping for notices.

reportlab draws glyphs in the order it is given and does no Arabic-script shaping, so Urdu text is
shaped first (arabic-reshaper picks each letter's joined form from Unicode's presentation forms)
and then put in visual right-to-left order (python-bidi), and drawn right-aligned.

The font is Noto Naskh Arabic from Debian's `fonts-noto-core`: unlike Noto Nastaliq Urdu, whose
joins live in OpenType tables only, it maps every presentation form the reshaper produces,
Urdu letters (ٹ ڈ ڑ ں ے ہ) included. It is found by path at run time; set ECHALLAN_URDU_FONT to
use another file.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

URDU_FONT = "NotoNaskhArabic"
URDU_FONT_BOLD = "NotoNaskhArabic-Bold"
DEBIAN_PACKAGE = "fonts-noto-core"
FONT_DIRS = (
    Path("/usr/share/fonts/truetype/noto"),
    Path("/usr/share/fonts/noto"),
    Path("/usr/local/share/fonts"),
    Path.home() / ".local/share/fonts",
)


class FontMissing(RuntimeError):
    """The Urdu font is not installed: notices cannot be rendered."""


def find_font(filename: str) -> Path:
    """Return the path of `filename` in the usual font folders, or raise FontMissing."""
    override = os.environ.get("ECHALLAN_URDU_FONT") if "Regular" in filename else None
    candidates = [Path(override)] if override else [d / filename for d in FONT_DIRS]
    for path in candidates:
        if path.is_file():
            return path
    raise FontMissing(
        f"{filename} not found in {', '.join(str(c.parent) for c in candidates)}: "
        f"install it with `apt-get install -y {DEBIAN_PACKAGE}` or set ECHALLAN_URDU_FONT"
    )


@lru_cache(maxsize=1)
def register_fonts() -> tuple[str, str]:
    """Register the Urdu regular and bold fonts with reportlab once; return their names."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    regular = find_font("NotoNaskhArabic-Regular.ttf")
    try:
        bold = find_font("NotoNaskhArabic-Bold.ttf")
    except FontMissing:
        bold = regular  # the bold weight is a nicety, not a requirement
    pdfmetrics.registerFont(TTFont(URDU_FONT, str(regular)))
    pdfmetrics.registerFont(TTFont(URDU_FONT_BOLD, str(bold)))
    return URDU_FONT, URDU_FONT_BOLD


@lru_cache(maxsize=4096)
def urdu(text: str) -> str:
    """Return `text` shaped and in visual (right-to-left) order, ready for a left-to-right draw."""
    import arabic_reshaper
    from bidi import get_display

    return get_display(arabic_reshaper.reshape(text))
