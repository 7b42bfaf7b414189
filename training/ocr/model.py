"""The plate recogniser network: a lean strided CNN with one classifier per plate slot.

Training only (PyTorch); the exported ONNX follows fast-plate-ocr's contract: input `input`
(uint8, NHWC), output `plate` (softmax, reshapeable to batch x slots x alphabet) and `region`
(softmax over the plate config's `plate_regions`).
"""

from __future__ import annotations

import torch
from torch import nn


def _conv(cin: int, cout: int, stride: int = 1) -> nn.Sequential:
    """Return a full 3x3 convolution with batch norm and ReLU."""
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)
    )


class _Separable(nn.Module):
    """A residual depthwise-separable block (MobileNet style) that keeps the shape."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(channels, channels, 3, 1, 1, groups=channels, bias=False),
            nn.BatchNorm2d(channels),
            nn.ReLU(inplace=True),
            nn.Conv2d(channels, channels, 1, bias=False),
            nn.BatchNorm2d(channels),
        )
        self.act = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Add the block's output to its input."""
        return self.act(x + self.body(x))


def _backbone(arch: str) -> tuple[nn.Sequential, int, int]:
    """Return (feature layers, total stride, output channels) for an architecture name."""
    stem = [_conv(1, 16, 2), _conv(16, 32, 2), _Separable(32), _conv(32, 64, 2)]
    if arch == "s16":  # four stride-2 stages, 4x8 map for a 64x128 input
        tail = [_Separable(64), _Separable(64), _conv(64, 128, 2), _Separable(128)]
        return nn.Sequential(*stem, *tail, nn.Conv2d(128, 32, 1), nn.ReLU(inplace=True)), 16, 32
    if arch == "s8":  # three stride-2 stages, a finer 8x16 map for the slot heads
        tail = [_Separable(64), _Separable(64), _Separable(64)]
        return nn.Sequential(*stem, *tail, nn.Conv2d(64, 16, 1), nn.ReLU(inplace=True)), 8, 16
    raise ValueError(f"unknown architecture {arch!r}")


class PlateNet(nn.Module):
    """Map a uint8 NHWC plate crop to per-slot character logits and region logits."""

    def __init__(
        self,
        slots: int,
        alphabet_size: int,
        regions: int,
        height: int = 64,
        width: int = 128,
        arch: str = "s16",
    ) -> None:
        super().__init__()
        self.slots, self.alphabet_size = slots, alphabet_size
        self.features, stride, channels = _backbone(arch)
        flat = channels * (height // stride) * (width // stride)
        self.hidden = nn.Sequential(nn.Flatten(), nn.Dropout(0.1), nn.Linear(flat, 256), nn.ReLU())
        self.chars = nn.Linear(256, slots * alphabet_size)
        self.region = nn.Linear(256, regions)

    def logits(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Return (batch x slots x alphabet, batch x regions) logits for uint8 NHWC input."""
        x = x.permute(0, 3, 1, 2).float() / 255.0
        h = self.hidden(self.features(x))
        return self.chars(h).view(-1, self.slots, self.alphabet_size), self.region(h)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Return softmax probabilities as the ONNX contract wants them."""
        chars, region = self.logits(x)
        return torch.softmax(chars, dim=-1), torch.softmax(region, dim=-1)


class CtcPlateNet(nn.Module):
    """Read the plate as one CTC sequence: the top half's columns, then the bottom half's.

    Folding the two halves into one left-to-right sequence reads a two-line Punjab plate in
    its reading order (letters and year, then number), while a one-line plate's characters
    are emitted from whichever half the network prefers. The ONNX forward turns the greedy
    CTC path into fast-plate-ocr's fixed slots: the emitting steps' probabilities, left-packed,
    and certain pad slots after the last character.
    """

    def __init__(
        self, slots: int, alphabet_size: int, regions: int, pad_index: int, wide: bool = False
    ) -> None:
        super().__init__()
        self.slots, self.alphabet_size, self.pad_index = slots, alphabet_size, pad_index
        self.blank = alphabet_size  # one class beyond the alphabet
        # wide: the third stage halves height only, for 32 steps per half instead of 16
        third = nn.Sequential(
            nn.Conv2d(32, 64, 3, (2, 1) if wide else 2, 1, bias=False),
            nn.BatchNorm2d(64),
            nn.ReLU(inplace=True),
        )
        self.features = nn.Sequential(
            _conv(1, 16, 2),
            _conv(16, 32, 2),
            _Separable(32),
            third,
            _Separable(64),
            _Separable(64),
            nn.Conv2d(64, 128, 3, (2, 1), 1, bias=False),  # halve height only: 4 rows
            nn.BatchNorm2d(128),
            nn.ReLU(inplace=True),
            _Separable(128),
            nn.Conv2d(128, 128, (2, 1), (2, 1)),  # each half (two rows) to one row
            nn.ReLU(inplace=True),
        )
        self.context = nn.Sequential(
            nn.Conv1d(128, 128, 3, 1, 1), nn.ReLU(inplace=True), nn.Dropout(0.1)
        )
        self.classes = nn.Conv1d(128, alphabet_size + 1, 1)
        self.region = nn.Linear(128, regions)

    def logits(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Return (batch x steps x classes+blank, batch x regions) logits for uint8 NHWC input."""
        x = x.permute(0, 3, 1, 2).float() / 255.0
        f = self.features(x)  # B, C, 2, W
        seq = torch.cat([f[:, :, 0], f[:, :, 1]], dim=2)  # B, C, 2W: top half then bottom half
        seq = self.context(seq)
        region = self.region(seq.mean(dim=2))
        return self.classes(seq).permute(0, 2, 1), region

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Return fixed-slot probabilities (batch x slots x alphabet) and region softmax."""
        logits, region = self.logits(x)
        probs = torch.softmax(logits, dim=-1)
        return self.to_slots(probs), torch.softmax(region, dim=-1)

    def to_slots(self, probs: torch.Tensor) -> torch.Tensor:
        """Left-pack the greedy CTC path's emitting steps into slots; pad the rest."""
        return _pack_slots(probs, _emitting(probs), self.slots, self.pad_index, self.alphabet_size)


def _scaled(channels: int, width: float) -> int:
    """Return `channels` scaled by `width`, in whole multiples of 8 (unchanged at 1.0)."""
    return max(8, round(channels * width / 8) * 8)


class CtcLinesNet(nn.Module):
    """Read a plate as two CTC lines, top and bottom, each head seeing the whole column.

    A two-line Punjab plate has its letters (and year) on the top line and its number on
    the bottom one; a one-line plate is read by the top head while the bottom head stays
    blank. Both heads see all feature rows of a column, so neither depends on where a
    one-line plate's characters sit vertically. The ONNX forward joins the two greedy paths,
    top then bottom, into fast-plate-ocr's fixed slots. With `report_completeness` set (an
    export option, off for the committed model) it also writes the read's completeness
    (`_completeness`) as the probability of its first pad slot.
    """

    report_completeness = False

    def __init__(
        self, slots: int, alphabet_size: int, regions: int, pad_index: int, width: float = 1.0
    ) -> None:
        """Build the network; `width` scales every feature stage (1.0: the committed ctc2)."""
        super().__init__()
        self.slots, self.alphabet_size, self.pad_index = slots, alphabet_size, pad_index
        self.blank = alphabet_size  # one class beyond the alphabet
        c24, c48, c64, c96 = (_scaled(n, width) for n in (24, 48, 64, 96))
        self.features = nn.Sequential(  # 64x128 -> 4x32
            _conv(1, c24, 2),
            _conv(c24, c48, 2),
            _Separable(c48),
            nn.MaxPool2d((2, 1)),
            nn.Conv2d(c48, c64, 1, bias=False),
            nn.BatchNorm2d(c64),
            nn.ReLU(inplace=True),
            _Separable(c64),
            _Separable(c64),
            nn.Conv2d(c64, c96, 3, (2, 1), 1, bias=False),
            nn.BatchNorm2d(c96),
            nn.ReLU(inplace=True),
            _Separable(c96),
            _Separable(c96),
        )
        self.top, self.bottom = self._line_head(4 * c96), self._line_head(4 * c96)
        self.region = nn.Linear(c96, regions)

    def _line_head(self, channels: int) -> nn.Sequential:
        """Return a head mapping a column sequence to per-step class logits."""
        return nn.Sequential(
            nn.Conv1d(channels, 128, 1),
            nn.ReLU(inplace=True),
            nn.Conv1d(128, 128, 3, 1, 1),
            nn.ReLU(inplace=True),
            nn.Dropout(0.1),
            nn.Conv1d(128, self.alphabet_size + 1, 1),
        )

    def logits(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Return (top steps, bottom steps, region) logits; steps are batch x T x classes."""
        x = x.permute(0, 3, 1, 2).float() / 255.0
        f = self.features(x)  # B, C, 4, W
        columns = f.flatten(1, 2)  # B, C*4, W
        region = self.region(f.mean(dim=(2, 3)))
        top = self.top(columns).permute(0, 2, 1)
        bottom = self.bottom(columns).permute(0, 2, 1)
        return top, bottom, region

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Return fixed-slot probabilities (batch x slots x alphabet) and region softmax."""
        top, bottom, region = self.logits(x)
        top_probs, bottom_probs = torch.softmax(top, dim=-1), torch.softmax(bottom, dim=-1)
        top_emits, bottom_emits = _emitting(top), _emitting(bottom)
        complete = None
        if self.report_completeness:
            complete = torch.minimum(
                _completeness(top_probs, top_emits), _completeness(bottom_probs, bottom_emits)
            )
        probs = torch.cat([top_probs, bottom_probs], dim=1)
        emits = torch.cat([top_emits, bottom_emits], dim=1)
        slots = _pack_slots(probs, emits, self.slots, self.pad_index, self.alphabet_size, complete)
        return slots, torch.softmax(region, dim=-1)


def _emitting(logits: torch.Tensor) -> torch.Tensor:
    """Return a batch x T mask of the steps whose greedy label starts a new character."""
    best = logits.argmax(dim=-1)
    blank = logits.shape[-1] - 1
    previous = torch.cat([torch.full_like(best[:, :1], blank), best[:, :-1]], dim=1)
    return (best != blank) & (best != previous)


def _completeness(probs: torch.Tensor, emits: torch.Tensor) -> torch.Tensor:
    """Return per row (batch) the chance that the greedy path skipped no character.

    The greedy read's confidence multiplies only the steps that emit, so a character the path
    passes over (a Punjab year digit, the second of two equal digits) costs it nothing: such
    skips were read at 0.99 on rendered plates. Each step that emits nothing gets 1 - the
    largest probability of a character there other than the emitted characters either side
    (probability on those is the alignment wavering, not a skip); the row gets its weakest step.
    """
    steps, classes = probs.shape[1], probs.shape[2]
    characters = classes - 1  # the last class is the blank
    label = nn.functional.one_hot(probs.argmax(dim=-1), classes)[..., :characters].float()
    count = torch.cumsum(emits.long(), dim=1)  # emissions at or before each step
    ids = torch.arange(steps, device=probs.device).view(1, 1, -1)
    latest = ((count - 1).unsqueeze(-1) == ids).float()  # B,T,E: emission e is t's latest
    route = latest * emits.unsqueeze(-1).float()  # B,T,E: step t emits emission e
    emitted = torch.bmm(route.transpose(1, 2), label)  # B,E,A: each emission's character
    before = torch.bmm(latest, emitted)  # the character emitted last at or before step t
    after = torch.bmm((count.unsqueeze(-1) == ids).float(), emitted)  # the next one after t
    others = probs[..., :characters] * (1.0 - torch.clamp(before + after, max=1.0))
    step = torch.where(emits, torch.ones_like(others[..., 0]), 1.0 - others.amax(dim=-1))
    return step.amin(dim=1)


def _pack_slots(
    probs: torch.Tensor,
    emits: torch.Tensor,
    slots: int,
    pad_index: int,
    alphabet_size: int,
    completeness: torch.Tensor | None = None,
) -> torch.Tensor:
    """Left-pack the emitting steps' probabilities (blank dropped) into slots; pad the rest.

    With `completeness` (batch), the first pad slot puts that probability on the pad and
    spreads the rest over the other characters, so a reader multiplying every slot's best
    probability (fast-plate-ocr's confidence) counts it. Floored at 0.05, the pad stays the
    slot's best. A read that fills every slot has no pad to carry it.
    """
    position = torch.cumsum(emits.long(), dim=1) - 1
    slot_ids = torch.arange(slots, device=probs.device).view(1, 1, -1)
    route = ((position.unsqueeze(-1) == slot_ids) & emits.unsqueeze(-1)).float()  # B,T,S
    packed = torch.bmm(route.transpose(1, 2), probs[..., :alphabet_size])  # B,S,A
    empty = 1.0 - route.sum(dim=1)  # B,S: 1 where no character landed
    pad = nn.functional.one_hot(torch.tensor(pad_index), alphabet_size).float()
    if completeness is None:
        return packed + empty.unsqueeze(-1) * pad
    first_empty = empty * (torch.cumsum(empty, dim=1) == 1).float()  # B,S
    sure = torch.clamp(completeness, min=0.05).view(-1, 1, 1)
    doubtful_pad = sure * pad + (1.0 - sure) * (1.0 - pad) / (alphabet_size - 1)
    pads = (empty - first_empty).unsqueeze(-1) * pad + first_empty.unsqueeze(-1) * doubtful_pad
    return packed + pads


def ctc_decode(logits: torch.Tensor, blank: int) -> list[list[int]]:
    """Return the greedy CTC label sequence of each row (repeats merged, blanks dropped)."""
    out = []
    for row in logits.argmax(dim=-1).tolist():
        labels, previous = [], blank
        for label in row:
            if label != blank and label != previous:
                labels.append(label)
            previous = label
        out.append(labels)
    return out
