"""Train the plate recogniser on synthetic plates plus the pk-dev fine-tuning part.

Usage (from the repository root; see ocr/models/RECIPE.md for the exact runs):

    nohup .venv/bin/python -m training.ocr.train --run runs/ocr/r1 --steps 30000 &
    .venv/bin/python -m training.ocr.train --run runs/ocr/r1 --steps 30000 --resume

One thread, checkpoints every few minutes (`last.pt`), resumable. Logs exact-match accuracy on
a fixed synthetic validation set and on both pk-dev parts (fine-tuning part and held-out part,
labelled). The held-out figure is reported, never used to pick a checkpoint: export the last.
"""

from __future__ import annotations

import argparse
import csv
import logging
import time
from dataclasses import dataclass, replace
from pathlib import Path

import cv2
import numpy as np
import torch
from torch import nn

from ocr.plates import has_year
from synth import render
from training.ocr import glyphs, recombine, synth
from training.ocr.model import CtcLinesNet, CtcPlateNet, PlateNet

log = logging.getLogger("ocr.train")

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_"
PAD = "_"
SLOTS = 10
HEIGHT, WIDTH = 64, 128
REGIONS = render.STYLES
SPLIT_CSV = Path(__file__).with_name("pk_dev_split.csv")
PK_DEV = Path(__file__).resolve().parents[3] / "shared/data/plates/pk-dev"
# With --extra-glyphs, characters the real part gives fewer glyphs of than this get the extra ones.
EXTRA_BELOW = 3
# Clean synthetic plates kept for augmentation; a share is re-rendered as batches are drawn.
POOL_SIZE = 2000


@dataclass
class RealCrop:
    """One labelled real plate crop from pk-dev."""

    image: np.ndarray
    text: str
    region: int  # index into REGIONS, or -100 when the layout is not known from the label
    lines: tuple[str, str]  # (top, bottom) as painted; bottom is "" on a one-line plate
    gap: int | None = None  # row between the lines of a two-line crop (recombine.line_gap_row)


def to_input(image_bgr: np.ndarray) -> np.ndarray:
    """Return the model input (HxWx1 uint8) exactly as the runtime reader prepares it."""
    gray = cv2.cvtColor(image_bgr, cv2.COLOR_BGR2GRAY)
    return cv2.resize(gray, (WIDTH, HEIGHT), interpolation=cv2.INTER_LINEAR)[..., None]


def encode(text: str) -> list[int]:
    """Return slot targets: the characters then pad to SLOTS (fast-plate-ocr's ljust rule)."""
    return [ALPHABET.index(c) for c in text.ljust(SLOTS, PAD)[:SLOTS]]


def load_real(part: str) -> list[RealCrop]:
    """Load the pk-dev crops of one split part ('train' or 'heldout')."""
    crops = []
    with SPLIT_CSV.open(newline="") as f:
        for row in csv.DictReader(f):
            if row["split"] != part:
                continue
            image = cv2.imread(str(PK_DEV / row["image_path"]), cv2.IMREAD_COLOR)
            style = real_style(image, row["plate"])
            # only a year pins the layout down; a one-line crop's province is not in the label
            region = REGIONS.index("punjab") if style == "punjab" else -100
            lines = render.plate_lines(row["plate_text"], style)
            gap = recombine.line_gap_row(image) if lines[1] else None
            crops.append(RealCrop(image, row["plate_text"], region, lines, gap))
    return crops


def real_style(image: np.ndarray, display: str) -> str:
    """Return the layout of a real crop: which line each character sits on.

    Plates with a year (two dashes in the display form) are two-line Punjab plates. Otherwise
    a crop whose left fifth is green and that is not yellow is a two-line Punjab plate without
    year; everything else (yellow Sindh and Karachi, ICT, old grey Punjab) is one line.
    Checked by eye against all 90 pk-dev crops.
    """
    if has_year(display):
        return "punjab"
    hsv = cv2.cvtColor(image, cv2.COLOR_BGR2HSV)
    hue, sat = hsv[..., 0], hsv[..., 1]
    yellow = float(((hue >= 12) & (hue <= 35) & (sat > 90)).mean())
    left = hsv[:, : image.shape[1] // 5]
    green = float(((left[..., 0] >= 35) & (left[..., 0] <= 95) & (left[..., 1] > 50)).mean())
    return "punjab_plain" if green > 0.25 and yellow < 0.3 else "sindh"


@dataclass
class Sample:
    """One augmented training sample."""

    image: np.ndarray
    text: str
    region: int
    lines: tuple[str, str]


@dataclass
class Batch:
    """Model input and every target form the architectures need."""

    x: torch.Tensor  # N x H x W x 1 uint8
    texts: list[str]
    slots: torch.Tensor  # N x SLOTS character indices, pad-filled
    region: torch.Tensor  # N region indices (-100: unknown)
    lines: list[tuple[str, str]]


class Batches:
    """Endless batches mixing synthetic plates (from a refreshed render pool) and real crops."""

    def __init__(
        self,
        rng: np.random.Generator,
        real: list[RealCrop],
        real_frac: float,
        recombine_share: float = 0.0,
        look: render.Look = render.R7_LOOK,
        pool_states: list[dict] | None = None,
    ) -> None:
        """Render a fresh pool from `rng`, or rebuild a checkpointed one from its `pool_states`."""
        self.rng, self.real, self.real_frac, self.look = rng, real, real_frac, look
        self.recombine_share = recombine_share
        self.two_line = [c for c in real if c.gap is not None]
        if pool_states is None:
            self.pool_states: list[dict] = [{} for _ in range(POOL_SIZE)]
            self.pool = [self._render(i) for i in range(POOL_SIZE)]
        else:
            self.pool_states = list(pool_states)
            self.pool = [self._rerender(state) for state in self.pool_states]

    def _render(self, slot: int) -> Sample:
        """Render one fresh clean synthetic plate into pool slot `slot`, noting how to redo it."""
        self.pool_states[slot] = self.rng.bit_generator.state
        return self._paint(self.rng)

    def _rerender(self, state: dict) -> Sample:
        """Paint again the plate a generator in `state` painted (the run's own is untouched)."""
        rng = np.random.default_rng()
        rng.bit_generator.state = state
        return self._paint(rng)

    def _paint(self, rng: np.random.Generator) -> Sample:
        """Draw a plate text and layout from `rng` and paint it clean in the run's look."""
        text, style = render.random_plate(rng)
        plate = render.render_plate(text, style, rng, self.look)
        return Sample(plate, text, REGIONS.index(style), render.plate_lines(text, style))

    def _sample(self) -> Sample:
        """Return one augmented sample."""
        if self.real and self.rng.random() < self.real_frac:
            crop = self.real[int(self.rng.integers(len(self.real)))]
            if (
                self.recombine_share
                and crop.gap is not None
                and self.rng.random() < self.recombine_share
            ):
                crop = self._recombined(crop)
            image = synth.augment(crop.image, self.rng, synthetic=False)
            return Sample(image, crop.text, crop.region, crop.lines)
        i = int(self.rng.integers(len(self.pool)))
        if self.rng.random() < 0.3:  # rendering is the slow part: refresh the pool gradually
            self.pool[i] = self._render(i)
        clean = self.pool[i]
        plate = clean.image
        if clean.lines[1] and self.rng.random() < 0.15:
            # some real crops start at the white field: the green strip cut off by the localiser
            plate = plate[:, int(self.rng.uniform(0.1, 0.24) * plate.shape[1]) :]
        image = synth.augment(plate, self.rng, synthetic=True)
        return Sample(image, clean.text, clean.region, clean.lines)

    def _recombined(self, top: RealCrop) -> RealCrop:
        """Return `top`'s upper line joined with the number of another real two-line crop."""
        bottom = self.two_line[int(self.rng.integers(len(self.two_line)))]
        assert top.gap is not None and bottom.gap is not None
        image = recombine.join_lines(top.image, top.gap, bottom.image, bottom.gap)
        lines = (top.lines[0], bottom.lines[1])
        return RealCrop(image, "".join(lines), top.region, lines, top.gap)

    def next(self, size: int) -> Batch:
        """Return one batch of augmented samples."""
        samples = [self._sample() for _ in range(size)]
        return Batch(
            torch.from_numpy(np.stack([to_input(s.image) for s in samples])),
            [s.text for s in samples],
            torch.from_numpy(np.array([encode(s.text) for s in samples])),
            torch.from_numpy(np.array([s.region for s in samples])),
            [s.lines for s in samples],
        )


def synthetic_validation(look: render.Look, n: int = 512) -> tuple[torch.Tensor, list[str]]:
    """Return a fixed synthetic validation set (seed 12345) painted in `look`."""
    rng = np.random.default_rng(12345)
    samples = [synth.synthetic_sample(rng, look) for _ in range(n)]
    return torch.from_numpy(np.stack([to_input(s[0]) for s in samples])), [s[1] for s in samples]


def decode(probs: torch.Tensor) -> list[str]:
    """Return plate strings from slot probabilities, trailing pads removed."""
    idx = probs.argmax(-1).numpy()
    return ["".join(ALPHABET[i] for i in row).rstrip(PAD) for row in idx]


@torch.no_grad()
def exact_match(model: nn.Module, x: torch.Tensor, texts: list[str]) -> float:
    """Return the share of plates read exactly."""
    model.eval()
    reads = decode(model(x)[0])
    model.train()
    return float(np.mean([a == b for a, b in zip(reads, texts, strict=True)]))


def build_model(arch: str) -> PlateNet | CtcPlateNet | CtcLinesNet:
    """Return a fresh recogniser of the named architecture."""
    pad = ALPHABET.index(PAD)
    if arch == "ctc2":
        return CtcLinesNet(SLOTS, len(ALPHABET), len(REGIONS), pad)
    if arch == "ctc2h":  # half the feature channels: 1.8-2.3x the plates per second
        return CtcLinesNet(SLOTS, len(ALPHABET), len(REGIONS), pad, width=0.5)
    if arch in ("ctc", "ctc_wide"):
        return CtcPlateNet(SLOTS, len(ALPHABET), len(REGIONS), pad, wide=arch == "ctc_wide")
    return PlateNet(SLOTS, len(ALPHABET), len(REGIONS), HEIGHT, WIDTH, arch)


def _ctc_loss(steps: torch.Tensor, texts: list[str]) -> torch.Tensor:
    """Return the mean CTC loss of step logits (batch x T x classes) against texts."""
    log_probs = steps.log_softmax(-1).permute(1, 0, 2)  # T, B, C
    targets = torch.tensor([ALPHABET.index(c) for t in texts for c in t], dtype=torch.long)
    lengths = torch.tensor([len(t) for t in texts], dtype=torch.long)
    input_lengths = torch.full_like(lengths, log_probs.shape[0])
    return nn.functional.ctc_loss(
        log_probs, targets, input_lengths, lengths, blank=len(ALPHABET), zero_infinity=True
    )


def loss_fn(model: nn.Module, batch: Batch) -> torch.Tensor:
    """Return the character loss (per-slot cross-entropy or CTC) plus a lighter region loss."""
    if isinstance(model, CtcLinesNet):
        top, bottom, region = model.logits(batch.x)
        char_loss = _ctc_loss(top, [t for t, _ in batch.lines]) + _ctc_loss(
            bottom, [b for _, b in batch.lines]
        )
    elif isinstance(model, CtcPlateNet):
        chars, region = model.logits(batch.x)
        char_loss = _ctc_loss(chars, batch.texts)
    else:
        chars, region = model.logits(batch.x)
        char_loss = nn.functional.cross_entropy(
            chars.reshape(-1, len(ALPHABET)), batch.slots.reshape(-1), label_smoothing=0.05
        )
    if (batch.region >= 0).any():
        region_loss = nn.functional.cross_entropy(region, batch.region, ignore_index=-100)
        return char_loss + 0.2 * region_loss
    return char_loss


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Read the command line (`argv`, or the process's own)."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--run", type=Path, required=True, help="directory for checkpoints and logs")
    p.add_argument("--steps", type=int, default=30000)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--real-frac", type=float, default=0.15, help="share of pk-dev train crops")
    p.add_argument("--seed", type=int, default=7)
    archs = ["s16", "s8", "ctc", "ctc_wide", "ctc2", "ctc2h"]
    p.add_argument("--arch", default="s16", choices=archs)
    p.add_argument("--eval-every", type=int, default=500)
    p.add_argument("--checkpoint-minutes", type=float, default=4.0)
    p.add_argument("--resume", action="store_true", help="continue from RUN/last.pt")
    p.add_argument("--init", type=Path, help="start from this checkpoint's weights (fine-tune)")
    p.add_argument(
        "--recombine",
        type=float,
        default=0.0,
        help="share of real two-line draws replaced by one crop's top line over another's number",
    )
    p.add_argument(
        "--real-part",
        default="train",
        choices=["train", "heldout"],
        help="pk-dev part trained on (heldout: the swapped split, for a second estimate only)",
    )
    p.add_argument(
        "--glyphs",
        type=float,
        default=0.0,
        help="share of synthetic plates whose number is painted with glyphs cut from the real part",
    )
    p.add_argument(
        "--extra-glyphs",
        type=Path,
        default=None,
        help="OpenALPR-format folder of labelled plates whose glyphs fill in characters the real "
        f"part gives fewer than {EXTRA_BELOW} of (with --glyphs)",
    )
    p.add_argument(
        "--look",
        default="r7",
        choices=sorted(render.LOOKS),
        help="how synthetic plates are painted (synth.render.LOOKS; r7: the committed model's)",
    )
    args = p.parse_args(argv)
    if args.extra_glyphs is not None and args.glyphs <= 0:
        p.error("--extra-glyphs fills in the bank that --glyphs paints with: give --glyphs too")
    return args


def with_real_glyphs(
    look: render.Look, real: list[RealCrop], share: float, extra: Path | None = None
) -> render.Look:
    """Return the look with the glyphs cut from the real crops, used on `share` of the plates.

    With `extra` (an OpenALPR-format folder), characters the real crops give fewer than
    EXTRA_BELOW glyphs of get that folder's glyphs too.
    """
    if share <= 0:
        return look
    cut = [g for c in real for g in glyphs.crop_glyphs(c.image, c.lines, c.gap)]
    bank = glyphs.glyph_bank(cut)
    log.info("%d real glyphs of %d characters: %s", len(cut), len(bank), "".join(bank))
    if extra is not None:
        bank = glyphs.supplement(
            cut, glyphs.one_line_glyphs(glyphs.openalpr_crops(extra)), EXTRA_BELOW
        )
        counts = " ".join(f"{char}:{len(masks)}" for char, masks in bank.items())
        log.info("with the glyphs of %s where scarce: %s", extra, counts)
    return replace(look, glyphs=bank, glyph_share=share)


class Trainer:
    """Own the model, optimiser, schedule and checkpoints of one run."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        torch.manual_seed(args.seed)  # before the weights are drawn: a seed names the whole run
        self.model = build_model(args.arch)
        self.opt = torch.optim.AdamW(self.model.parameters(), lr=args.lr, weight_decay=1e-4)
        self.sched = torch.optim.lr_scheduler.OneCycleLR(
            self.opt, max_lr=args.lr, total_steps=args.steps, pct_start=0.05
        )
        self.step = 0
        self.rng = np.random.default_rng(args.seed)
        state = self._load(args.run / "last.pt") if args.resume else {}
        if args.init and not args.resume:
            self.model.load_state_dict(torch.load(args.init, weights_only=False)["model"])
            log.info("initialised weights from %s", args.init)
        real = load_real(args.real_part)
        look = with_real_glyphs(render.LOOKS[args.look], real, args.glyphs, args.extra_glyphs)
        self.batches = Batches(
            self.rng, real, args.real_frac, args.recombine, look, state.get("pool_states")
        )

    def _load(self, path: Path) -> dict:
        """Restore model, optimiser, schedule, step and random state from a checkpoint.

        Returns the checkpoint: its render pool is rebuilt with the batches. A checkpoint
        written before pool states were kept gets a fresh pool, as it always did.
        """
        state = torch.load(path, weights_only=False)
        self.model.load_state_dict(state["model"])
        self.opt.load_state_dict(state["opt"])
        self.sched.load_state_dict(state["sched"])
        self.step = state["step"]
        self.rng.bit_generator.state = state["rng"]
        if "torch_rng" in state:  # dropout draws from torch's generator
            torch.set_rng_state(state["torch_rng"])
        else:
            log.warning("%s predates torch_rng: dropout masks differ from an unbroken run", path)
        log.info("resumed from %s at step %d", path, self.step)
        return state

    def save(self) -> None:
        """Write RUN/last.pt atomically."""
        state = {
            "model": self.model.state_dict(),
            "opt": self.opt.state_dict(),
            "sched": self.sched.state_dict(),
            "step": self.step,
            "rng": self.rng.bit_generator.state,
            "torch_rng": torch.get_rng_state(),
            "pool_states": self.batches.pool_states,
            "arch": self.args.arch,
        }
        tmp = self.args.run / "last.pt.tmp"
        torch.save(state, tmp)
        tmp.replace(self.args.run / "last.pt")

    def train_step(self) -> float:
        """Run one optimisation step and return its loss."""
        loss = loss_fn(self.model, self.batches.next(self.args.batch))
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
        self.sched.step()
        self.step += 1
        return loss.item()


def evaluate(trainer: Trainer, sets: dict[str, tuple[torch.Tensor, list[str]]]) -> str:
    """Return a log fragment with exact-match accuracy on every validation set."""
    return " ".join(f"{k}={exact_match(trainer.model, *v):.3f}" for k, v in sets.items())


def real_set(part: str) -> tuple[torch.Tensor, list[str]]:
    """Return a pk-dev part as model input and texts."""
    crops = load_real(part)
    return torch.from_numpy(np.stack([to_input(c.image) for c in crops])), [c.text for c in crops]


def main() -> None:
    """Train until --steps, checkpointing and logging along the way."""
    args = parse_args()
    args.run.mkdir(parents=True, exist_ok=True)
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(message)s",
        handlers=[logging.FileHandler(args.run / "train.log"), logging.StreamHandler()],
    )
    torch.set_num_threads(1)
    trainer = Trainer(args)
    sets = {"synth": synthetic_validation(render.LOOKS[args.look]), "pk_train": real_set("train")}
    sets["pk_heldout"] = real_set("heldout")
    log.info("args %s", vars(args))
    run_loop(trainer, sets)


def run_loop(trainer: Trainer, sets: dict[str, tuple[torch.Tensor, list[str]]]) -> None:
    """Step, log, evaluate and checkpoint until the step budget is spent."""
    args, last_save, started, losses = trainer.args, time.time(), time.time(), []
    while trainer.step < args.steps:
        losses.append(trainer.train_step())
        if trainer.step % 100 == 0:
            rate = 100 * args.batch / (time.time() - started)
            log.info("step %d loss %.4f (%.0f samples/s)", trainer.step, np.mean(losses), rate)
            losses, started = [], time.time()
        if trainer.step % args.eval_every == 0 or trainer.step == args.steps:
            log.info("step %d eval %s", trainer.step, evaluate(trainer, sets))
        if time.time() - last_save > 60 * args.checkpoint_minutes or trainer.step == args.steps:
            trainer.save()
            last_save = time.time()


if __name__ == "__main__":
    main()
