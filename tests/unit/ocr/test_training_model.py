"""The CTC recogniser's ONNX-side decoding into fast-plate-ocr's fixed slots (training code)."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from training.ocr.model import CtcPlateNet, ctc_decode  # noqa: E402
from training.ocr.train import ALPHABET, PAD, REGIONS, SLOTS, encode  # noqa: E402


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


def _logits(path: str) -> torch.Tensor:
    """Return one-row step logits whose greedy path is `path` ('-' = blank)."""
    return _probs(path).log()


def test_two_line_model_joins_the_top_path_then_the_bottom_path() -> None:
    from training.ocr.model import _emitting, _pack_slots

    top, bottom = _logits("LL-E--A-1-3--"), _logits("--2-22-9--3---")
    probs = torch.softmax(torch.cat([top, bottom], dim=1), dim=-1)
    emits = torch.cat([_emitting(top), _emitting(bottom)], dim=1)
    slots = _pack_slots(probs, emits, SLOTS, ALPHABET.index(PAD), len(ALPHABET))
    text = "".join(ALPHABET[i] for i in slots.argmax(-1)[0].tolist()).rstrip(PAD)
    assert text == "LEA132293"


def test_one_line_plate_leaves_the_bottom_head_blank() -> None:
    from training.ocr.model import _emitting

    assert not _emitting(_logits("----------")).any()


def test_two_line_loss_is_finite_with_an_empty_bottom_line() -> None:
    from training.ocr.train import Batch, build_model, loss_fn

    model = build_model("ctc2")
    x = torch.randint(0, 255, (2, 64, 128, 1), dtype=torch.uint8)
    batch = Batch(
        x,
        ["AZU290", "LEA132293"],
        torch.tensor([encode("AZU290"), encode("LEA132293")]),
        torch.tensor([0, 2]),
        [("AZU290", ""), ("LEA13", "2293")],
    )
    loss = loss_fn(model, batch)
    assert torch.isfinite(loss) and loss.item() > 0
    loss.backward()
    assert model.bottom[0].weight.grad is not None


@pytest.mark.parametrize(
    ("style", "expected"),
    [
        ("punjab", ("LEA13", "2293")),
        ("punjab_plain", ("LEA", "132293")),
        ("sindh", ("LEA132293", "")),
    ],
)
def test_plate_lines_follow_the_painted_layout(style: str, expected: tuple[str, str]) -> None:
    from synth.render import plate_lines

    assert plate_lines("LEA132293", style) == expected


def test_real_crop_layout_is_told_by_the_plate_paint() -> None:
    import numpy as np

    from synth.render import render_plate
    from training.ocr.train import real_style

    rng = np.random.default_rng(3)
    assert real_style(render_plate("AZU290", "sindh", rng), "AZU-290") == "sindh"
    assert real_style(render_plate("GAS1500", "punjab_plain", rng), "GAS-1500") == "punjab_plain"
    assert real_style(render_plate("AMD868", "ict", rng), "AMD-868") == "sindh"  # one line
    assert real_style(render_plate("LE194148", "sindh", rng), "LE-19-4148") == "punjab"


@pytest.mark.parametrize(
    ("arch", "stage_widths"), [("ctc2", [24, 48, 64, 96]), ("ctc2h", [16, 24, 32, 48])]
)
def test_two_line_models_keep_the_slot_contract_at_any_width(
    arch: str, stage_widths: list[int]
) -> None:
    from training.ocr.train import build_model

    model = build_model(arch).eval()
    convs = [m.out_channels for m in model.features.modules() if isinstance(m, torch.nn.Conv2d)]
    assert sorted(set(convs)) == stage_widths
    plate, region = model(torch.randint(0, 255, (3, 64, 128, 1), dtype=torch.uint8))
    assert plate.shape == (3, SLOTS, len(ALPHABET)) and region.shape == (3, len(REGIONS))


def _with(probs: torch.Tensor, step: int, char: str, p: float) -> torch.Tensor:
    """Return a copy of step probabilities with `char` at `p` on one step (row renormalised)."""
    out = probs.clone()
    out[0, step, ALPHABET.index(char)] = p
    return out / out.sum(dim=-1, keepdim=True)


def test_a_character_the_greedy_path_skips_lowers_the_completeness() -> None:
    from training.ocr.model import _completeness, _emitting

    clean = _probs("L-E-A--1-3")
    skipped = _with(clean, 6, "7", 0.6)  # a blank step between A and 1 nearly read as 7
    assert _completeness(clean, _emitting(clean.log())).item() > 0.95
    assert _completeness(skipped, _emitting(skipped.log())).item() < 0.7


def test_the_alignment_wavering_onto_a_neighbour_is_no_skip() -> None:
    from training.ocr.model import _completeness, _emitting

    wavering = _with(_probs("L-E-A--1-3"), 5, "A", 0.6)  # the step after A still half A
    wavering = _with(wavering, 6, "1", 0.6)  # the step before 1 already half 1
    assert _completeness(wavering, _emitting(wavering.log())).item() > 0.95


def test_the_first_pad_slot_carries_the_completeness() -> None:
    from training.ocr.model import _emitting, _pack_slots

    probs = _probs("L-E-A--1-3")
    pad = ALPHABET.index(PAD)
    slots = _pack_slots(
        probs, _emitting(probs.log()), SLOTS, pad, len(ALPHABET), torch.tensor([0.6])
    )
    text = "".join(ALPHABET[i] for i in slots.argmax(-1)[0].tolist())
    assert text == "LEA13" + PAD * (SLOTS - 5)  # the pad stays each pad slot's best
    assert slots[0, 5].max().item() == pytest.approx(0.6)
    assert slots[0, 5].sum().item() == pytest.approx(1.0)
    assert slots[0, 6, pad].item() == pytest.approx(1.0)
