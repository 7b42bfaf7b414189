"""Train the helmet classifier (small CNN on BGR head crops) and export it to ONNX.

Usage: .venv/bin/python -m training.vision.train_helmet --data ../shared/data/helmet \
    --work runs/vision/helmet [--synthetic crops.npz ...] --out vision/models/helmet.onnx
Trains on train/ (+ synthetic crops, + valid/ with --with-valid) and logs accuracy on valid/ each
epoch. With --ema the exported model is the weight average after the last epoch (no epoch is picked
on valid/); without it, the best epoch on valid/ is kept. Never reads test/.
"""

from __future__ import annotations

import argparse
import copy
import logging
import time
from pathlib import Path

import cv2
import numpy as np
import torch
from torch import nn

from training.vision.helmet_data import (
    CONTEXT,
    as_objects,
    centre_crops,
    native_crops,
    split_crops,
)
from vision.helmet import HEAD_PAD, square_crop

log = logging.getLogger("train_helmet")

# (channels, stride) of each conv block; "v1" is the first committed model (48x48 input).
ARCHS = {
    "v1": ((16, 2), (32, 1), (32, 2), (64, 1), (64, 2), (96, 1)),
    "v2": ((24, 2), (48, 2), (48, 1), (96, 2), (96, 1), (128, 1)),
}


class HelmetNet(nn.Module):
    """Conv blocks (conv, batch norm, ReLU), global average pool, two logits."""

    def __init__(self, width: float = 1.0, arch: str = "v1") -> None:
        super().__init__()
        layers, cin = [], 3
        for channels, stride in ARCHS[arch]:
            cout = round(channels * width)
            layers.append(
                nn.Sequential(
                    nn.Conv2d(cin, cout, 3, stride, 1, bias=False),
                    nn.BatchNorm2d(cout),
                    nn.ReLU(),
                )
            )
            cin = cout
        self.features = nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1))
        self.head = nn.Sequential(nn.Flatten(), nn.Dropout(0.2), nn.Linear(cin, 2))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Return logits (helmet, no helmet)."""
        return self.head(self.features(x))


class Averaged(nn.Module):
    """Average the logits of several models: an ensemble exported as one graph."""

    def __init__(self, models: list[nn.Module]) -> None:
        super().__init__()
        self.models = nn.ModuleList(models)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Return the mean logits."""
        return torch.stack([m(x) for m in self.models]).mean(0)


# MobileNetV2 fine-tuned from ImageNet weights (training/vision/pretrained.py).
PRETRAINED = "mnv2"

# Range of the head-box pad drawn for each training crop (evaluation crops are padded x1.5).
PAD_RANGE = (1.2, 1.9)


def jittered_square(
    context: np.ndarray, rng: np.random.Generator, pad: tuple[float, float]
) -> tuple[float, float, float]:
    """Draw a training square around a context crop's centred head: (centre x, centre y, side)."""
    box = context.shape[0] / CONTEXT
    side = box * rng.uniform(*pad)
    cx, cy = context.shape[0] / 2 + rng.normal(0, 0.1, 2) * box
    return float(cx), float(cy), float(side)


def cut(
    context: np.ndarray,
    rng: np.random.Generator,
    size: int,
    strong: bool,
    pad: tuple[float, float] = PAD_RANGE,
) -> np.ndarray:
    """Cut a jittered (scale, centre, and with `strong` rotation) square from a context crop."""
    cx, cy, side = jittered_square(context, rng, pad)
    angle = rng.uniform(-12, 12) if strong else 0.0
    scale = size / side
    m = cv2.getRotationMatrix2D((float(cx), float(cy)), angle, scale)
    m[:, 2] += size / 2 - np.array([cx, cy])
    return cv2.warpAffine(context, m, (size, size), borderMode=cv2.BORDER_REPLICATE)


def cut_native(
    context: np.ndarray,
    rng: np.random.Generator,
    size: int,
    strong: bool,
    pad: tuple[float, float] = PAD_RANGE,
) -> np.ndarray:
    """Cut a jittered square from a native-resolution context crop the way the pipeline does.

    Rotation (with `strong`) keeps the context's scale; the square is then resized once with
    INTER_AREA, as `vision.helmet.to_input` resizes a head crop.
    """
    cx, cy, side = jittered_square(context, rng, pad)
    if strong:
        m = cv2.getRotationMatrix2D((float(cx), float(cy)), rng.uniform(-12, 12), 1.0)
        context = cv2.warpAffine(context, m, context.shape[1::-1], borderMode=cv2.BORDER_REPLICATE)
    crop = square_crop(context, cx, cy, side)
    return cv2.resize(crop, (size, size), interpolation=cv2.INTER_AREA)


def colour(crop: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Shift hue and scale saturation a little."""
    hsv = cv2.cvtColor(crop, cv2.COLOR_BGR2HSV).astype(np.int16)
    hsv[..., 0] = (hsv[..., 0] + rng.integers(-8, 9)) % 180
    hsv[..., 1] = np.clip(hsv[..., 1] * rng.uniform(0.6, 1.4), 0, 255)
    return cv2.cvtColor(hsv.astype(np.uint8), cv2.COLOR_HSV2BGR)


def degrade(crop: np.ndarray, rng: np.random.Generator, strong: bool) -> np.ndarray:
    """Blur, down-up sample and (with `strong`) JPEG-compress like a traffic camera."""
    size = crop.shape[0]
    if rng.random() < 0.3:
        crop = cv2.GaussianBlur(crop, (3, 3), rng.uniform(0.3, 1.2))
    if rng.random() < 0.3:
        small = int(rng.integers(size // 4, size * 2 // 3))
        crop = cv2.resize(cv2.resize(crop, (small, small)), (size, size))
    if strong and rng.random() < 0.3:
        quality = int(rng.integers(25, 90))
        crop = cv2.imdecode(cv2.imencode(".jpg", crop, [cv2.IMWRITE_JPEG_QUALITY, quality])[1], 1)
    return crop


def erase(crop: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Fill a random rectangle (up to a quarter of the crop) with noise: random erasing."""
    size = crop.shape[0]
    h, w = (int(v) for v in rng.integers(size // 8, size // 2, 2))
    y, x = (int(v) for v in rng.integers(0, size - np.array([h, w]) + 1))
    crop[y : y + h, x : x + w] = rng.integers(0, 256, (h, w, 3))
    return crop


def augment(
    context: np.ndarray,
    rng: np.random.Generator,
    size: int = 48,
    strong: bool = False,
    pad: tuple[float, float] = PAD_RANGE,
    native: bool = False,
) -> np.ndarray:
    """Cut a jittered crop from a context crop and vary light, blur and colour."""
    crop = (cut_native if native else cut)(context, rng, size, strong, pad)
    if rng.random() < 0.5:
        crop = np.ascontiguousarray(crop[:, ::-1])
    if strong and rng.random() < 0.5:
        crop = colour(crop, rng)
    crop = degrade(crop, rng, strong)
    if strong and rng.random() < 0.25:
        crop = erase(crop, rng)
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


def real_crops(args: argparse.Namespace) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Return context crops + labels of train/ and valid/, cached in the work folder."""
    native = args.native_max
    cache = Path(args.work) / (f"native{native}.npz" if native else f"crops{args.context_size}.npz")
    if not cache.exists():
        tx, ty = split_contexts(Path(args.data) / "train", args)
        vx, vy = split_contexts(Path(args.data) / "valid", args)
        np.savez_compressed(cache, tx=tx, ty=ty, vx=vx, vy=vy)
    z = np.load(cache, allow_pickle=bool(native))  # native crops differ in size: object arrays
    return z["tx"], z["ty"], z["vx"], z["vy"]


def split_contexts(split: Path, args: argparse.Namespace) -> tuple[np.ndarray, np.ndarray]:
    """Return one split's context crops (native or at --context-size) and labels."""
    if args.native_max:
        return native_crops(split, args.native_max)
    return split_crops(split, args.context_size)


def synthetic_crops(args: argparse.Namespace, rng: np.random.Generator) -> list[tuple]:
    """Return (crops, labels) drawn at random from each synthetic file, at the context size."""
    out = []
    for extra in args.synthetic:
        z = np.load(extra)
        keep = rng.permutation(len(z["y"]))[: args.synthetic_max]
        size = (args.context_size, args.context_size)
        if args.native_max:  # kept as rendered (96 px), in the object array the real ones use
            x = as_objects(list(z["x"][keep]))
        else:
            x = np.stack(
                [cv2.resize(c, size, interpolation=cv2.INTER_LINEAR) for c in z["x"][keep]]
            )
        out.append((x, z["y"][keep]))
        log.info("added %d of %d synthetic crops from %s", len(keep), len(z["y"]), extra)
    return out


def load_data(args: argparse.Namespace) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Return train context crops + labels (real, synthetic) and valid eval crops + labels."""
    tx, ty, vx, vy = real_crops(args)
    parts = [(tx, ty)] + synthetic_crops(args, np.random.default_rng(args.seed))
    if args.with_valid:
        parts.append((vx, vy))
    x, y = np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])
    return x, y, centre_crops(vx, HEAD_PAD, args.size), vy


class Ema:
    """Exponential moving average of a model's weights and batch-norm statistics."""

    def __init__(self, model: nn.Module, decay: float) -> None:
        self.decay = decay
        self.model = copy.deepcopy(model)

    def update(self, model: nn.Module) -> None:
        """Move the average towards the model's current weights."""
        with torch.no_grad():
            for mine, theirs in zip(
                self.model.state_dict().values(), model.state_dict().values(), strict=True
            ):
                if mine.dtype.is_floating_point:
                    mine.mul_(self.decay).add_(theirs, alpha=1 - self.decay)
                else:
                    mine.copy_(theirs)


def mixed_loss(
    model: nn.Module, x: torch.Tensor, y: torch.Tensor, args: argparse.Namespace, rng
) -> torch.Tensor:
    """Cross-entropy with label smoothing, on a mixup of the batch with probability --mixup."""
    smooth = args.label_smoothing
    if rng.random() >= args.mixup:
        return nn.functional.cross_entropy(model(x), y, label_smoothing=smooth)
    lam = float(rng.beta(0.4, 0.4))
    perm = torch.from_numpy(rng.permutation(len(y)))
    logits = model(lam * x + (1 - lam) * x[perm])
    return lam * nn.functional.cross_entropy(logits, y, label_smoothing=smooth) + (
        1 - lam
    ) * nn.functional.cross_entropy(logits, y[perm], label_smoothing=smooth)


def untrained_network(arch: str, width: float) -> nn.Module:
    """Return a network of `arch` with fresh weights: a small CNN, or MobileNetV2 (mnv2)."""
    if arch == PRETRAINED:
        from training.vision.pretrained import PretrainedHelmetNet

        return PretrainedHelmetNet()
    return HelmetNet(width, arch)


def build_model(args: argparse.Namespace) -> nn.Module:
    """Return the small CNN of --arch, or MobileNetV2 started from ImageNet weights (mnv2)."""
    if args.arch != PRETRAINED:
        return untrained_network(args.arch, args.width)
    from training.vision.pretrained import load_imagenet

    if not args.pretrained:
        raise SystemExit("--arch mnv2 needs --pretrained PATH (see training/vision/RECIPE.md)")
    model = untrained_network(args.arch, args.width)
    load_imagenet(model, Path(args.pretrained))
    return model


def train(args: argparse.Namespace) -> None:
    """Train, keep the EMA (or the best epoch on valid/), export ONNX."""
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    tx, ty, vx, vy = load_data(args)
    log.info("train %d crops (%d no-helmet), valid %d", len(ty), int(ty.sum()), len(vy))
    model = build_model(args)
    ema = Ema(model, args.ema) if args.ema else None
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=args.weight_decay)
    sched = torch.optim.lr_scheduler.OneCycleLR(
        opt, args.lr, total_steps=args.epochs * (len(ty) // args.batch + 1)
    )
    best, start, work = -1.0, time.time(), Path(args.work)
    pad, native = tuple(args.pad_range), bool(args.native_max)
    for epoch in range(args.epochs):
        model.train()
        order = rng.permutation(len(ty))
        for i in range(0, len(order), args.batch):
            idx = order[i : i + args.batch]
            crops = [augment(tx[j], rng, args.size, args.strong, pad, native) for j in idx]
            x = to_tensor(np.stack(crops))
            loss = mixed_loss(model, x, torch.from_numpy(ty[idx]), args, rng)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            if ema:
                ema.update(model)
        kept = ema.model if ema else model
        acc = accuracy(kept, vx, vy)
        log.info(
            "epoch %d loss %.3f valid %.4f (%.0fs)", epoch, loss.item(), acc, time.time() - start
        )
        if ema or acc >= best:
            best = acc
            torch.save(kept.state_dict(), work / "best.pt")
    kept.load_state_dict(torch.load(work / "best.pt"))
    export(kept, Path(args.out), args.size)
    log.info("exported valid accuracy %.4f; %s", best, args.out)


def export(model: nn.Module, out: Path, size: int, output: str = "logits") -> None:
    """Write the model as ONNX with input `input` (N, 3, size, size) and one output."""
    model.eval()
    torch.onnx.export(
        model,
        torch.zeros(1, 3, size, size),
        str(out),
        input_names=["input"],
        output_names=[output],
        dynamic_axes={"input": {0: "n"}, output: {0: "n"}},
        opset_version=17,
        dynamo=False,
    )


def parse_args() -> argparse.Namespace:
    """Return the command line options."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", default="../shared/data/helmet")
    parser.add_argument("--work", default="runs/vision/helmet")
    parser.add_argument("--synthetic", nargs="*", default=[])
    parser.add_argument("--synthetic-max", type=int, default=5000)
    parser.add_argument("--with-valid", action="store_true", help="also train on valid/")
    parser.add_argument("--out", default="vision/models/helmet.onnx")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--weight-decay", type=float, default=1e-4)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--width", type=float, default=1.0)
    parser.add_argument("--arch", choices=[*sorted(ARCHS), PRETRAINED], default="v1")
    parser.add_argument(
        "--pretrained", help="torchvision's mobilenet_v2-b0353104.pth, for --arch mnv2"
    )
    parser.add_argument("--size", type=int, default=48, help="input side in pixels")
    parser.add_argument("--context-size", type=int, default=96, help="stored context crop side")
    parser.add_argument(
        "--native-max",
        type=int,
        default=0,
        help="keep real context crops at their own resolution up to this side (0: --context-size)",
    )
    parser.add_argument("--strong", action="store_true", help="rotation, hue, JPEG, erasing")
    parser.add_argument(
        "--pad-range", type=float, nargs=2, default=PAD_RANGE, help="head-box pad drawn per crop"
    )
    parser.add_argument("--label-smoothing", type=float, default=0.0)
    parser.add_argument("--mixup", type=float, default=0.0, help="share of mixed batches")
    parser.add_argument("--ema", type=float, default=0.0, help="EMA decay (0: pick best epoch)")
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
