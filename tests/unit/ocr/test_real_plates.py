"""Smoke test: the committed model reads real Pakistani plates it was never trained on.

The crops are from pk-dev's held-out part (training/ocr/pk_dev_split.csv), chosen by layout
before the model was trained: Sindh, Punjab with year, Punjab without, old Karachi.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from rapidfuzz.distance import Levenshtein

from echallan.config import Config
from ocr.reader import DEFAULT_MODEL, MODELS, PlateReader

SPLIT = Path(__file__).resolve().parents[3] / "training/ocr/pk_dev_split.csv"
FLOOR = Config.AUTO_ISSUE_MIN_PLATE_CONFIDENCE

HELD_OUT = {
    "16.jpg": "BGC771",
    "27.jpg": "LEA132293",
    "38.jpg": "AKH343",
    "47.jpg": "LEC153237",
    "98.jpg": "ALS800",
    "121.jpg": "LEE082492",
    "164.jpg": "C8649",
    "12.jpg": "LWK4549",
}


@pytest.fixture(scope="module")
def reader() -> PlateReader:
    if not (MODELS / f"{DEFAULT_MODEL}.onnx").is_file():
        pytest.skip("committed OCR model missing")
    return PlateReader.default()


def _reads(shared_data: Path, reader: PlateReader) -> dict[str, str]:
    folder = shared_data / "plates" / "pk-dev"
    reads = reader.read([folder / name for name in HELD_OUT])
    assert all(0.0 <= r.confidence <= 1.0 for r in reads)
    return {name: read.text for name, read in zip(HELD_OUT, reads, strict=True)}


def test_pipeline_reads_most_characters_of_real_plates(
    shared_data: Path, reader: PlateReader
) -> None:
    # A broken pipeline (colour order, resizing, slot decoding) reads next to nothing; run r7
    # read 6 of these 8 and misread one character in each of two; run g5 reads all 8.
    got = _reads(shared_data, reader)
    errors = sum(Levenshtein.distance(got[name], text) for name, text in HELD_OUT.items())
    assert errors / sum(len(t) for t in HELD_OUT.values()) < 0.08, got
    assert sum(got[name] == text for name, text in HELD_OUT.items()) >= 5, got


def test_reads_held_out_real_plates(shared_data: Path, reader: PlateReader) -> None:
    got = _reads(shared_data, reader)
    right = [name for name, text in HELD_OUT.items() if got[name] == text]
    assert len(right) >= 7, f"read {got}, expected {HELD_OUT}"


def test_the_whole_held_out_part_is_read_at_the_95_percent_target(
    shared_data: Path, reader: PlateReader
) -> None:
    # Issue 7's target, on every crop of pk-dev's held-out part (46): at least 44 exact, and
    # no wrong read that would be issued without review. The committed model (run g5) reads 44,
    # 35 of them at or above the floor.
    with SPLIT.open(newline="") as f:
        rows = [row for row in csv.DictReader(f) if row["split"] == "heldout"]
    reads = reader.read([shared_data / "plates" / "pk-dev" / row["image_path"] for row in rows])
    misses = {
        row["image_path"]: (row["plate_text"], read.text, round(read.confidence, 3))
        for row, read in zip(rows, reads, strict=True)
        if read.text != row["plate_text"]
    }
    assert len(rows) == 46
    assert len(rows) - len(misses) >= 44, misses
    assert all(confidence < FLOOR for *_, confidence in misses.values()), misses


def test_path_and_array_inputs_read_alike(shared_data: Path, reader: PlateReader) -> None:
    import cv2

    path = shared_data / "plates" / "pk-dev" / "16.jpg"
    by_path, by_array = reader.read([path, cv2.imread(str(path))])
    assert by_path.text == by_array.text
    assert by_path.confidence == pytest.approx(by_array.confidence)


def test_steady_read_gives_one_voted_read_per_crop_in_order(
    shared_data: Path, reader: PlateReader
) -> None:
    folder = shared_data / "plates" / "pk-dev"
    names = ["16.jpg", "27.jpg", "98.jpg", "12.jpg"]  # r7 read 12.jpg as LMK4549
    steady = reader.read_steady([folder / name for name in names])
    assert [r.text for r in steady[:3]] == [HELD_OUT[name] for name in names[:3]]
    last = steady[3]
    assert last.text == HELD_OUT["12.jpg"] or last.confidence < 0.9  # a misread goes to review
