"""Smoke test: the committed model reads real Pakistani plates it was never trained on.

The crops are from pk-dev's held-out part (ocr/training/pk_dev_split.csv), chosen by layout
before the model was trained: Sindh, Punjab with year, Punjab without, old Karachi.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ocr.reader import DEFAULT_MODEL, MODELS, PlateReader

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


def test_reads_held_out_real_plates(shared_data: Path, reader: PlateReader) -> None:
    folder = shared_data / "plates" / "pk-dev"
    reads = reader.read([folder / name for name in HELD_OUT])
    got = {name: read.text for name, read in zip(HELD_OUT, reads, strict=True)}
    right = [name for name, text in HELD_OUT.items() if got[name] == text]
    assert len(right) >= 7, f"read {got}, expected {HELD_OUT}"
    assert all(0.0 <= r.confidence <= 1.0 for r in reads)


def test_path_and_array_inputs_read_alike(shared_data: Path, reader: PlateReader) -> None:
    import cv2

    path = shared_data / "plates" / "pk-dev" / "16.jpg"
    by_path, by_array = reader.read([path, cv2.imread(str(path))])
    assert by_path.text == by_array.text
    assert by_path.confidence == pytest.approx(by_array.confidence)
