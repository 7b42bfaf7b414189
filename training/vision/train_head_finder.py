"""Train the head finder (tiny CNN: rider's top square -> up to two head boxes) and export ONNX.

Usage: nice .venv/bin/python -m training.vision.train_head_finder --work runs/vision/heads \
    --synthetic runs/vision/heads/synthetic_train.npz --out vision/models/head_finder.onnx
Trains on simulated pipeline cuts around the head boxes of helmet/train (+ synthetic riders),
scores every epoch on fixed simulated cuts of helmet/valid and keeps the best epoch by mean IoU
there. Never reads helmet/test. Output `heads` (N, SLOTS, 4): present probability, centre x,
centre y and side, all relative to the input square.
"""

from __future__ import annotations

import argparse
import logging
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

from training.vision import head_data, train_helmet
from training.vision.train_helmet import colour, degrade

log = logging.getLogger("train_head_finder")
BLOCKS = ((16, 2), (32, 2), (32, 1), (48, 2), (64, 1), (64, 2))  # (channels, stride)
NEGATIVE_SHARE = 0.1  # cuts with no head the pipeline means: the present score learns "none"


class HeadFinderNet(nn.Module):
    """Strided conv blocks, then a small dense layer over the 4x4 map (positions need space)."""

    def __init__(self, size: int = 64) -> None:
        super().__init__()
        layers, cin = [], 3
        for cout, stride in BLOCKS:
            layers += [nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout)]
            layers.append(nn.ReLU())
            cin = cout
        layers += [nn.Conv2d(cin, 32, 1), nn.ReLU(), nn.Flatten()]
        self.features = nn.Sequential(*layers)
        cells = (size // 16) ** 2
        self.head = nn.Sequential(
            nn.Linear(32 * cells, 64), nn.ReLU(), nn.Linear(64, head_data.SLOTS * 4)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Return raw outputs (N, SLOTS, 4): present logit, x, y, side logits."""
        return self.head(self.features(x)).view(-1, head_data.SLOTS, 4)


class Exported(nn.Module):
    """The exported graph: BGR [0, 1] in, probabilities and relative boxes out."""

    def __init__(self, net: HeadFinderNet) -> None:
        super().__init__()
        self.net = net

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Return (N, SLOTS, 4): present, centre x, centre y, side, each in [0, 1]."""
        return torch.sigmoid(self.net(x))


def loss_fn(out: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Present: cross-entropy; boxes (present slots only): L1 on centre, L1 on log side."""
    present = target[..., 0]
    bce = nn.functional.binary_cross_entropy_with_logits(out[..., 0], present)
    box = torch.sigmoid(out[..., 1:])
    centre = (box[..., :2] - target[..., 1:3]).abs().sum(-1)
    side = (torch.log(box[..., 2] + 1e-4) - torch.log(target[..., 3] + 1e-4)).abs()
    weight = present.sum().clamp(min=1)
    # Centre error is judged against the head size: a 0.05 miss matters more on a small head.
    scaled = centre / target[..., 3].clamp(min=0.05)
    return bce + ((0.5 * scaled + side) * present).sum() / weight


def photometric(crop: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Vary colour, blur, resolution, JPEG, light and grey like the helmet trainer does."""
    if rng.random() < 0.5:
        crop = colour(crop, rng)
    crop = degrade(crop, rng, strong=True)
    crop = crop.astype(np.float32) * rng.uniform(0.4, 1.4) + rng.uniform(-30, 30)
    if rng.random() < 0.2:
        crop = crop.mean(axis=2, keepdims=True).repeat(3, axis=2)
    return np.clip(crop, 0, 255)


def batch(
    sets: list[head_data.Contexts], picks: list[tuple[int, int]], rng, size: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """Draw augmented cuts for (set, index) picks; return input and target tensors."""
    xs, ys = [], []
    for s, i in picks:
        negative = not sets[s].synthetic and rng.random() < NEGATIVE_SHARE
        crop, target = head_data.sample(sets[s], i, rng, size, negative)
        xs.append(photometric(crop, rng))
        ys.append(target)
    x = np.stack(xs).transpose(0, 3, 1, 2) / 255.0
    return torch.from_numpy(np.ascontiguousarray(x, np.float32)), torch.from_numpy(np.stack(ys))


def fixed_cuts(ctx: head_data.Contexts, per: int, size: int, seed: int) -> tuple:
    """Draw `per` un-augmented cuts of every context with a fixed seed (the selection set)."""
    rng = np.random.default_rng(seed)
    pairs = [
        head_data.sample(ctx, i, rng, size) for i in range(len(ctx.images)) for _ in range(per)
    ]
    x = np.stack([p[0] for p in pairs]).transpose(0, 3, 1, 2) / 255.0
    return np.ascontiguousarray(x, np.float32), np.stack([p[1] for p in pairs])


def iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU of square boxes given as (..., cx, cy, side)."""
    lo = np.maximum(a[..., :2] - a[..., 2:3] / 2, b[..., :2] - b[..., 2:3] / 2)
    hi = np.minimum(a[..., :2] + a[..., 2:3] / 2, b[..., :2] + b[..., 2:3] / 2)
    inter = np.clip(hi - lo, 0, None).prod(-1)
    return inter / (a[..., 2] ** 2 + b[..., 2] ** 2 - inter)


def score(pred: np.ndarray, target: np.ndarray) -> dict[str, float]:
    """Return slot-0 localisation figures on cuts whose target has a head there."""
    has = target[:, 0, 0] > 0
    ious = iou(pred[has, 0, 1:], target[has, 0, 1:])
    size_err = np.abs(np.log(pred[has, 0, 3] / target[has, 0, 3]))
    return {
        "mean_iou": float(ious.mean()),
        "iou50": float((ious >= 0.5).mean()),
        "median_size_err": float(np.expm1(np.median(size_err))),
        "present_acc": float(((pred[:, 0, 0] > 0.5) == has).mean()),
    }


def evaluate(net: HeadFinderNet, x: np.ndarray, target: np.ndarray) -> dict[str, float]:
    """Score the network on fixed cuts."""
    net.eval()
    with torch.no_grad():
        pred = torch.cat(
            [Exported(net)(torch.from_numpy(x[i : i + 256])) for i in range(0, len(x), 256)]
        )
    return score(pred.numpy(), target)


def load_sets(args: argparse.Namespace) -> tuple[list[head_data.Contexts], head_data.Contexts]:
    """Return the training context sets (real train/, synthetic) and valid/ contexts (cached)."""
    work = Path(args.work)
    out = []
    for split in ("train", "valid"):
        cache = work / f"contexts_{split}_{head_data.CONTEXT_PX}.npz"
        if not cache.exists():
            head_data.save(head_data.real_contexts(Path(args.data) / split), cache)
        out.append(head_data.load(cache))
    train_sets = [out[0]] + [head_data.load(Path(p)) for p in args.synthetic]
    return train_sets, out[1]


def picks_for_epoch(sets: list[head_data.Contexts], rng, synthetic_max: int) -> list:
    """Return a shuffled list of (set, index): every real context, synthetic ones capped."""
    picks = [(0, i) for i in range(len(sets[0].images))]
    for s in range(1, len(sets)):
        n = len(sets[s].images)
        picks += [(s, int(i)) for i in rng.permutation(n)[: min(n, synthetic_max)]]
    return [picks[i] for i in rng.permutation(len(picks))]


def train(args: argparse.Namespace) -> None:
    """Train, keep the best epoch on valid/ cuts, export ONNX."""
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    sets, valid = load_sets(args)
    vx, vt = fixed_cuts(valid, 4, args.size, seed=0)
    net = HeadFinderNet(args.size)
    log.info("%d parameters; valid cuts %d", sum(p.numel() for p in net.parameters()), len(vx))
    steps = args.epochs * (len(picks_for_epoch(sets, rng, args.synthetic_max)) // args.batch + 1)
    opt = torch.optim.AdamW(net.parameters(), lr=args.lr, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, args.lr, total_steps=steps)
    best, start, work = -1.0, time.time(), Path(args.work)
    for epoch in range(args.epochs):
        net.train()
        picks = picks_for_epoch(sets, rng, args.synthetic_max)
        for i in range(0, len(picks), args.batch):
            x, y = batch(sets, picks[i : i + args.batch], rng, args.size)
            loss = loss_fn(net(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
        figures = evaluate(net, vx, vt)
        log.info(
            "epoch %d loss %.3f valid %s (%.0fs)", epoch, loss.item(), figures, time.time() - start
        )
        if figures["mean_iou"] > best:
            best = figures["mean_iou"]
            torch.save(net.state_dict(), work / "best.pt")
    net.load_state_dict(torch.load(work / "best.pt"))
    export(net, Path(args.out), args.size)
    log.info("exported best valid mean IoU %.4f -> %s", best, args.out)


def export(net: HeadFinderNet, out: Path, size: int) -> None:
    """Write ONNX with input `input` (N, 3, size, size) BGR in [0, 1] and output `heads`."""
    train_helmet.export(Exported(net), out, size, output="heads")


def parse_args() -> argparse.Namespace:
    """Return the command line options."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", default="../shared/data/helmet")
    parser.add_argument("--work", default="runs/vision/heads")
    parser.add_argument("--synthetic", nargs="*", default=[])
    parser.add_argument("--synthetic-max", type=int, default=3000, help="per epoch, per file")
    parser.add_argument("--out", default="vision/models/head_finder.onnx")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--size", type=int, default=64, help="input side in pixels")
    return parser.parse_args()


def main() -> None:
    """Parse arguments and train."""
    args = parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    torch.set_num_threads(1)
    Path(args.work).mkdir(parents=True, exist_ok=True)
    train(args)


if __name__ == "__main__":
    main()
