"""The CTC recogniser's ONNX-side decoding into fast-plate-ocr's fixed slots (training code)."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from ocr.training.model import CtcPlateNet, ctc_decode  # noqa: E402
from ocr.training.train import ALPHABET, PAD, REGIONS, SLOTS, encode  # noqa: E402


def _probs(path: str) -> torch.Tensor:
    """Return one-row step probabilities whose greedy path is `path` ('-' = blank)."""
    blank = len(ALPHABET)
    probs = torch.full((1, len(path), blank + 1), 0.01)
    for t, char in enumerate(path):
        probs[0, t, blank if char == "-" else ALPHABET.index(char)] = 0.9
    return probs


def test_greedy_path_is_packed_into_slots_with_trailing_pads() -> None:
    model = CtcPlateNet(SLOTS, len(ALPHABET), len(REGIONS), ALPHABET.index(PAD))
    slots = model.to_slots(_probs("LL-EE-E--A-77--"))
    text = "".join(ALPHABET[i] for i in slots.argmax(-1)[0].tolist())
    assert text == "LEEA7" + PAD * (SLOTS - 5)
    assert slots[0, 0].max().item() == pytest.approx(0.9)  # the emitting step's probability
    assert slots[0, 9, ALPHABET.index(PAD)].item() == pytest.approx(1.0)


def test_decode_merges_repeats_and_drops_blanks() -> None:
    blank = len(ALPHABET)
    labels = ctc_decode(_probs("A-AB--B"), blank)[0]
    assert "".join(ALPHABET[i] for i in labels) == "AABB"


def test_encode_pads_to_the_slot_count() -> None:
    assert len(encode("LEA132293")) == SLOTS
    assert encode("AB")[2:] == [ALPHABET.index(PAD)] * (SLOTS - 2)
