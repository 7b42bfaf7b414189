"""Pakistani plate text rules: canonical text, display form, validity and confusable fixes.

Plate text is handled in reading order, upper case, without separators (`LEA132293`); the
display form adds them (`LEA-13-2293`, `AZU-290`, `R-8501`, `TD-483C`). A read that fits a
layout only after swapping look-alike characters (O/0, I/1, B/8, S/5, Z/2) in slots that must
be letters or digits is corrected and says so; a read that fits no layout is flagged invalid
and kept as read, never "fixed".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import product

# (letters, digits, suffix letter allowed) per layout; digits include a Punjab plate's year.
LAYOUTS: dict[str, tuple[range, range, bool]] = {
    "sindh": (range(2, 4), range(1, 5), True),
    "karachi": (range(1, 3), range(3, 5), False),
    "punjab": (range(1, 4), range(4, 7), True),
    "punjab_plain": (range(2, 4), range(1, 5), False),
    "punjab_old": (range(2, 4), range(1, 5), False),
    "ict": (range(2, 4), range(1, 5), False),
    "government": (range(1, 4), range(1, 5), False),
}
# Layouts tried, in order of preference, when the plate's region is not known.
UNKNOWN_ORDER = ("sindh", "karachi", "government", "punjab")
TO_DIGIT = {"O": "0", "I": "1", "B": "8", "S": "5", "Z": "2"}
TO_LETTER = {v: k for k, v in TO_DIGIT.items()}
# More than one swap is a guess, not a correction; a guess goes to a human instead.
MAX_SWAPS = 1
_SEPARATORS = re.compile(r"[^A-Z0-9]")


@dataclass(frozen=True)
class PlateText:
    """A plate read checked against the known layouts."""

    text: str  # reading order, no separators; corrected when `corrections` > 0
    display: str | None  # display form, None when the text fits no layout
    layout: str | None  # the layout it fits (a key of LAYOUTS), None when invalid
    corrections: int  # look-alike characters swapped to fit the layout
    valid: bool


def canonical(text: str) -> str:
    """Return the text upper-cased with separators and spaces removed."""
    return _SEPARATORS.sub("", text.upper())


def has_year(display: str) -> bool:
    """Tell whether a display form carries a registration year (Punjab's `LEA-13-2293`)."""
    return display.count("-") == 2


def same_plate(a: str, b: str) -> bool:
    """Tell whether two plate strings are the same plate, ignoring separators and case."""
    return canonical(a) == canonical(b)


def _templates(length: int, layout: str) -> list[tuple[str, int]]:
    """Return slot templates ('L'/'D' strings) of the given length and their year size."""
    letters, digits, suffix = LAYOUTS[layout]
    year = 2 if layout == "punjab" else 0
    found = []
    for n_letters, n_digits, n_suffix in product(letters, digits, (0, 1) if suffix else (0,)):
        if n_letters + n_digits + n_suffix == length:
            found.append(("L" * n_letters + "D" * n_digits + "L" * n_suffix, year))
    return found


def _fit(text: str, template: str) -> tuple[str, int] | None:
    """Return (text coerced to the template, swaps made), or None when it cannot fit."""
    out, swaps = [], 0
    for char, slot in zip(text, template, strict=True):
        want_digit = slot == "D"
        if char.isdigit() == want_digit:
            out.append(char)
            continue
        table = TO_DIGIT if want_digit else TO_LETTER
        if char not in table:
            return None
        out.append(table[char])
        swaps += 1
    return "".join(out), swaps


def _anchored(text: str, template: str) -> bool:
    """Tell whether the read has a real letter in a letter slot and a digit in a digit slot."""
    pairs = list(zip(text, template, strict=True))
    has_letter = any(c.isalpha() for c, slot in pairs if slot == "L")
    return has_letter and any(c.isdigit() for c, slot in pairs if slot == "D")


def _display(text: str, template: str, year: int) -> str:
    """Insert separators: letters-digits[suffix] or letters-year-digits[suffix]."""
    n_letters = template.index("D")
    letters, rest = text[:n_letters], text[n_letters:]
    if year:
        return f"{letters}-{rest[:year]}-{rest[year:]}"
    return f"{letters}-{rest}"


def _candidates(text: str, layouts: tuple[str, ...]) -> list[tuple[int, int, str, str, str]]:
    """Return (swaps, preference, fitted text, display, layout) for every layout fit."""
    found = []
    for preference, layout in enumerate(layouts):
        for template, year in _templates(len(text), layout):
            fitted = _fit(text, template)
            if fitted is not None and fitted[1] <= MAX_SWAPS and _anchored(text, template):
                display = _display(fitted[0], template, year)
                found.append((fitted[1], preference, fitted[0], display, layout))
    return sorted(found)


def parse(raw: str, region: str | None = None) -> PlateText:
    """Check a read against the layouts of `region` (any layout when None or unknown)."""
    text = canonical(raw)
    if region in LAYOUTS:
        # The region is the model's guess: it settles a tie between equally small corrections,
        # but never turns a read that fits another layout as it stands into a corrected one.
        layouts = (region, *(layout for layout in UNKNOWN_ORDER if layout != region))
        rank = slice(0, 2)  # (swaps, preference)
    else:
        layouts, rank = UNKNOWN_ORDER, slice(0, 1)  # swaps only
    found = _candidates(text, layouts)
    if not found:
        return PlateText(text, None, None, 0, False)
    best = found[0]
    rivals = {f[2] for f in found if f[rank] == best[rank]}
    if len(rivals) > 1:  # equally good corrections disagree: do not guess
        return PlateText(text, None, None, 0, False)
    return PlateText(best[2], best[3], best[4], best[0], True)


def display(raw: str, region: str | None = None) -> str | None:
    """Return the display form of a plate (`LEA-13-2293`), or None when it fits no layout."""
    return parse(raw, region).display
