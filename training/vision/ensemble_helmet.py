"""Export several trained helmet networks as one ONNX graph that averages their logits.

Usage: .venv/bin/python -m training.vision.ensemble_helmet --arch v2 --size 64 \
    --members run1/best.pt run2/best.pt --out vision/models/helmet.onnx
Members are state dicts written by `train_helmet` (all of the same --arch and --width);
`--arch mnv2` members are MobileNetV2 helmet networks (training/vision/pretrained.py).
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

import torch
from torch import nn

from training.vision.train_helmet import ARCHS, PRETRAINED, Averaged, export, untrained_network

log = logging.getLogger("ensemble_helmet")


def load_members(paths: list[str], arch: str, width: float) -> list[nn.Module]:
    """Load each state dict into a network in eval mode."""
    members = []
    for path in paths:
        model = untrained_network(arch, width)
        model.load_state_dict(torch.load(path))
        members.append(model.eval())
    return members


def main() -> None:
    """Parse arguments, average the members, export ONNX."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--members", nargs="+", required=True)
    parser.add_argument("--arch", choices=[*sorted(ARCHS), PRETRAINED], default="v2")
    parser.add_argument("--width", type=float, default=1.0)
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--out", default="vision/models/helmet.onnx")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    model = Averaged(load_members(args.members, args.arch, args.width))
    export(model, Path(args.out), args.size)
    log.info("exported %d members -> %s", len(args.members), args.out)


if __name__ == "__main__":
    main()
