"""Train the helmet classifier (small CNN, 48x48 BGR head crops) and export it to ONNX.

Usage: .venv/bin/python -m vision.training.train_helmet --data ../shared/data/helmet \
    --work /work/runs/vision/helmet [--synthetic crops.npz ...] --out vision/models/helmet.onnx
Trains on train/ (+ synthetic crops), picks the epoch by accuracy on valid/; never reads test/.
"""

from __future__ import annotations

import argparse
import logging
import time
from pathlib import Path

import cv2
import numpy as np
import torch
from torch import nn

from vision.helmet import HEAD_PAD, INPUT_SIZE, square_crop
from vision.training.helmet_data import CONTEXT, CONTEXT_SIZE, centre_crops, split_crops

log = logging.getLogger("train_helmet")


class HelmetNet(nn.Module):
    """Six conv blocks (three strided), global average pool, two logits; `width` scales channels."""

    def __init__(self, width: float = 1.0) -> None:
        super().__init__()

        def block(cin: int, cout: int, stride: int) -> nn.Sequential:
            return nn.Sequential(
                nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU()
            )

        c = [round(n * width) for n in (16, 32, 64, 96)]
        self.features = nn.Sequential(
            block(3, c[0], 2),
            block(c[0], c[1], 1),
            block(c[1], c[1], 2),
            block(c[1], c[2], 1),
            block(c[2], c[2], 2),
            block(c[2], c[3], 1),
            nn.AdaptiveAvgPool2d(1),
        )
        self.head = nn.Sequential(nn.Flatten(), nn.Dropout(0.2), nn.Linear(c[3], 2))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Return logits (helmet, no helmet)."""
        return self.head(self.features(x))


def augment(context: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Cut a jittered crop from a context crop and vary light, blur and colour."""
    box = CONTEXT_SIZE / CONTEXT
    side = box * rng.uniform(1.2, 1.9)
    cx, cy = CONTEXT_SIZE / 2 + rng.normal(0, 0.1, 2) * box
    crop = cv2.resize(square_crop(context, cx, cy, side), (INPUT_SIZE, INPUT_SIZE))
    if rng.random() < 0.5:
        crop = crop[:, ::-1]
    if rng.random() < 0.3:
        crop = cv2.GaussianBlur(crop, (3, 3), rng.uniform(0.3, 1.2))
    if rng.random() < 0.3:
        small = rng.integers(12, 32)
        crop = cv2.resize(cv2.resize(crop, (small, small)), (INPUT_SIZE, INPUT_SIZE))
    crop = crop.astype(np.float32) * rng.uniform(0.4, 1.4) + rng.uniform(-30, 30)
    if rng.random() < 0.2:
        crop = crop.mean(axis=2, keepdims=True).repeat(3, axis=2)
    return np.clip(crop, 0, 255)


def to_tensor(crops: np.ndarray) -> torch.Tensor:
    """Turn (N, H, W, 3) crops into a float NCHW tensor in [0, 1]."""
    return torch.from_numpy(np.ascontiguousarray(crops, np.float32).transpose(0, 3, 1, 2) / 255.0)


def accuracy(model: nn.Module, crops: np.ndarray, labels: np.ndarray) -> float:
    """Return the fraction of crops classified right."""
    model.eval()
    with torch.no_grad():
        pred = model(to_tensor(crops)).argmax(1).numpy()
    return float((pred == labels).mean())


def load_data(args: argparse.Namespace) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Return train context crops + labels (real and synthetic) and valid eval crops + labels."""
    cache = Path(args.work) / "crops.npz"
    if cache.exists():
        z = np.load(cache)
        tx, ty, vx, vy = z["tx"], z["ty"], z["vx"], z["vy"]
    else:
        tx, ty = split_crops(Path(args.data) / "train")
        vx, vy = split_crops(Path(args.data) / "valid")
        np.savez_compressed(cache, tx=tx, ty=ty, vx=vx, vy=vy)
    rng = np.random.default_rng(args.seed)
    for extra in args.synthetic:
        z = np.load(extra)
        keep = rng.permutation(len(z["y"]))[: args.synthetic_max]
        tx, ty = np.concatenate([tx, z["x"][keep]]), np.concatenate([ty, z["y"][keep]])
        log.info("added %d of %d synthetic crops from %s", len(keep), len(z["y"]), extra)
    return tx, ty, centre_crops(vx, HEAD_PAD, INPUT_SIZE), vy


def train(args: argparse.Namespace) -> None:
    """Train, keep the best epoch on valid/, export ONNX."""
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    tx, ty, vx, vy = load_data(args)
    log.info("train %d crops (%d no-helmet), valid %d", len(ty), int(ty.sum()), len(vy))
    model = HelmetNet(args.width)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(
        opt, args.lr, total_steps=args.epochs * (len(ty) // args.batch + 1)
    )
    best, start = -1.0, time.time()
    for epoch in range(args.epochs):
        model.train()
        order = rng.permutation(len(ty))
        for i in range(0, len(order), args.batch):
            idx = order[i : i + args.batch]
            x = to_tensor(np.stack([augment(tx[j], rng) for j in idx]))
            loss = nn.functional.cross_entropy(model(x), torch.from_numpy(ty[idx]))
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
        acc = accuracy(model, vx, vy)
        log.info(
            "epoch %d loss %.3f valid %.4f (%.0fs)", epoch, loss.item(), acc, time.time() - start
        )
        if acc >= best:
            best = acc
            torch.save(model.state_dict(), Path(args.work) / "best.pt")
    model.load_state_dict(torch.load(Path(args.work) / "best.pt"))
    export(model, Path(args.out))
    log.info("best valid accuracy %.4f; exported %s", best, args.out)


def export(model: nn.Module, out: Path) -> None:
    """Write the model as ONNX with input `input` (N, 3, 48, 48) and output `logits`."""
    model.eval()
    dummy = torch.zeros(1, 3, INPUT_SIZE, INPUT_SIZE)
    torch.onnx.export(
        model,
        dummy,
        str(out),
        input_names=["input"],
        output_names=["logits"],
        dynamic_axes={"input": {0: "n"}, "logits": {0: "n"}},
        opset_version=17,
        dynamo=False,
    )


def main() -> None:
    """Parse arguments and train."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", default="../shared/data/helmet")
    parser.add_argument("--work", default="/work/runs/vision/helmet")
    parser.add_argument("--synthetic", nargs="*", default=[])
    parser.add_argument("--synthetic-max", type=int, default=5000)
    parser.add_argument("--out", default="vision/models/helmet.onnx")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--width", type=float, default=1.0)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    torch.set_num_threads(1)
    Path(args.work).mkdir(parents=True, exist_ok=True)
    train(args)


if __name__ == "__main__":
    main()
