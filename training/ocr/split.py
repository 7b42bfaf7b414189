"""Split pk-dev by plate text into a fine-tuning part and a held-out part, reproducibly.

Run once: `.venv/bin/python -m training.ocr.split > training/ocr/pk_dev_split.csv`. Plates are
ordered by the SHA-1 of their text within each layout (two-line with year or not) and dealt
alternately, held-out first, so the same plate never appears on both sides and both sides hold
both layouts. The committed CSV is the split; this module only documents how it was made.
"""

from __future__ import annotations

import csv
import hashlib
import sys
from pathlib import Path

from ocr.plates import has_year

DEFAULT_LABELS = Path(__file__).resolve().parents[3] / "shared/data/plates/pk-dev/labels.csv"


def assign(texts_and_displays: list[tuple[str, str]]) -> dict[str, str]:
    """Return plate text -> 'heldout' | 'train', dealing each layout's plates alternately."""
    parts: dict[str, str] = {}
    for layout in (True, False):
        texts = sorted(
            {t for t, d in texts_and_displays if has_year(d) == layout},
            key=lambda t: hashlib.sha1(t.encode()).hexdigest(),
        )
        for i, text in enumerate(texts):
            parts[text] = "heldout" if i % 2 == 0 else "train"
    return parts


def main(labels: Path = DEFAULT_LABELS) -> None:
    """Print the split CSV (image_path,plate_text,plate,split) for pk-dev's labels."""
    with labels.open(newline="") as f:
        rows = list(csv.DictReader(f))
    parts = assign([(r["plate_text"], r["plate"]) for r in rows])
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(["image_path", "plate_text", "plate", "split"])
    for r in rows:
        out.writerow([r["image_path"], r["plate_text"], r["plate"], parts[r["plate_text"]]])


if __name__ == "__main__":
    main()
