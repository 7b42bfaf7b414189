"""Reader helpers that need no model: image loading, read building and frame voting."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from ocr.reader import (
    JITTER_COPIES,
    PlateRead,
    UnreadableImage,
    agreement,
    jittered,
    load_image,
    make_read,
    to_gray,
    vote,
)
from rules.errors import InvalidInput


def _read(raw: str, confs: list[float], region: str | None = "sindh") -> PlateRead:
    return make_read(raw, tuple(confs), float(np.prod(confs)), region)


def test_missing_file_is_unreadable(tmp_path: Path) -> None:
    with pytest.raises(UnreadableImage, match="no such image file"):
        load_image(tmp_path / "absent.jpg")


def test_garbage_file_is_unreadable(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"this is not a jpeg")
    with pytest.raises(UnreadableImage, match="cannot decode"):
        load_image(str(bad))


def test_unreadable_is_an_invalid_input_for_the_api() -> None:
    assert issubclass(UnreadableImage, InvalidInput)
    with pytest.raises(InvalidInput):
        load_image(np.zeros((0, 5, 3), np.uint8))


def test_to_gray_accepts_bgr_gray_and_single_channel() -> None:
    bgr = np.zeros((10, 20, 3), np.uint8)
    bgr[..., 2] = 255  # pure red in BGR
    assert to_gray(bgr).shape == (10, 20)
    assert to_gray(bgr)[0, 0] == 76  # ITU-R 601 weight of red
    assert to_gray(np.ones((10, 20, 1), np.uint8)).shape == (10, 20)


def test_make_read_adds_display_and_flags() -> None:
    good = _read("LEA132293", [0.9] * 9, "punjab")
    assert (good.display, good.valid) == ("LEA-13-2293", True)
    bad = _read("12", [0.9, 0.9])
    assert (bad.display, bad.valid) == (None, False)


def test_vote_takes_each_slot_from_the_confident_frames() -> None:
    # ASF-813 vs ASF-613: the frame that saw the 8 clearly outweighs two unsure 6s.
    reads = [
        _read("ASF813", [0.99, 0.99, 0.99, 0.97, 0.99, 0.99]),
        _read("ASF613", [0.99, 0.99, 0.99, 0.40, 0.99, 0.99]),
        _read("ASF613", [0.99, 0.99, 0.99, 0.45, 0.99, 0.99]),
    ]
    voted = vote(reads)
    assert voted is not None
    assert (voted.text, voted.display) == ("ASF813", "ASF-813")
    assert voted.char_confidences[3] == pytest.approx(0.97 / 3)
    assert voted.confidence < reads[0].confidence  # disagreement lowers confidence


def test_vote_settles_length_first() -> None:
    reads = [_read("AZU290", [0.9] * 6), _read("AZU29", [0.5] * 5), _read("AZU290", [0.8] * 6)]
    voted = vote(reads)
    assert voted is not None and voted.text == "AZU290"


def test_vote_carries_the_reads_completeness_into_its_confidence() -> None:
    # Two frames agree on every character, but one of them nearly read a character it skipped.
    sure = _read("AZU290", [0.99] * 6)
    unsure = make_read("AZU290", (0.99,) * 6, 0.99**6 * 0.5, "sindh", completeness=0.5)
    voted = vote([sure, unsure])
    assert voted is not None
    assert voted.completeness == pytest.approx(0.75)
    assert voted.confidence == pytest.approx(0.99**6 * 0.75)


def test_reads_of_another_plate_take_the_vote_below_the_floor() -> None:
    # A track that jumped vehicles (rendered junction, seed 980016): four reads of each plate.
    mine = [_read("W019", [c] * 4) for c in (0.93, 0.99, 0.89, 0.9)]
    other = [_read("IW201606", [c] * 8) for c in (0.998, 0.994, 0.9995, 0.987)]
    voted = vote(mine + other)
    assert voted is not None and voted.text == "IW201606"
    alone = vote(other)
    assert alone is not None and alone.confidence > 0.9
    share = sum(r.confidence for r in other) / sum(r.confidence for r in mine + other)
    assert voted.confidence == pytest.approx(alone.confidence * share)
    assert voted.confidence < 0.6


def test_a_valid_read_the_others_skipped_a_character_of_counts_against_them() -> None:
    # one frame saw all of UHV02201, another skipped a digit: the vote takes the confident one
    reads = [_read("UHV1201", [0.999] * 7, "punjab"), _read("UHV15201", [0.92] * 8, "punjab")]
    assert all(r.valid for r in reads)
    voted = vote(reads)
    assert voted is not None and voted.text == "UHV1201"
    assert voted.confidence < 0.9 < reads[0].confidence


def test_reads_compare_as_plate_text_after_the_look_alike_rules() -> None:
    # an O read in a digit slot is the zero of the same plate, not another plate
    zero_read, o_read = _read("AZU200", [0.99] * 6), _read("AZU2O0", [0.99] * 6)
    assert o_read.raw != zero_read.raw and o_read.text == zero_read.text
    assert agreement([zero_read, o_read], zero_read.text) == 1.0


def test_a_faint_read_of_another_plate_costs_little() -> None:
    reads = [_read("NS2693", [0.999] * 6) for _ in range(7)] + [_read("KDJ4", [0.6] * 4)]
    assert reads[-1].valid
    voted = vote(reads)
    assert voted is not None and voted.text == "NS2693"
    assert 0.97 * reads[0].confidence < voted.confidence < reads[0].confidence


def test_fragments_that_are_no_plate_cost_nothing() -> None:
    # the localiser hands over part of the plate (NKR of NKR75) or a sticker's letters (CD)
    fragments = [_read("NKR", [0.99] * 3), _read("CD", [0.9] * 2)]
    assert not any(f.valid for f in fragments)
    assert agreement([_read("NKR75", [0.99] * 5), *fragments], "NKR75") == 1.0
    assert agreement([_read("NKR75", [0.99] * 5), _read("NKR76", [0.99] * 5)], "NKR75") == 0.5


def test_agreement_of_reads_with_no_confidence_is_zero() -> None:
    assert agreement([_read("AZU290", [0.0] * 6)], "AZU290") == 0.0


def test_vote_of_nothing_is_none() -> None:
    assert vote([]) is None


def test_importing_ocr_does_not_load_onnxruntime() -> None:
    code = "import sys, ocr; print('onnxruntime' in sys.modules, 'fast_plate_ocr' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_jittered_copies_move_the_box_by_a_few_percent() -> None:
    crop = np.arange(50 * 100 * 3, dtype=np.uint32).reshape(50, 100, 3).astype(np.uint8)
    copies = jittered(crop)
    assert len(copies) == JITTER_COPIES
    assert copies[0] is crop  # the crop as cut is always read
    # 4% of 100 px is 4 px a side, 6% of 50 px is 3 px: grown, shrunk by half, shifted twice
    assert [c.shape[:2] for c in copies[1:]] == [(56, 108), (48, 96), (56, 104), (53, 104)]
    grown = copies[1]
    assert np.array_equal(grown[3:53, 4:104], crop)  # the crop sits inside its grown box
    assert np.array_equal(grown[0, 4:104], crop[0])  # and the margin repeats its edge
    assert np.array_equal(copies[2], crop[1:49, 2:98])


def test_jittered_keeps_a_tiny_crop_readable() -> None:
    crop = np.full((3, 5), 200, np.uint8)
    assert all(c.size > 0 for c in jittered(crop))
