"""The ImageNet-started helmet network: torchvision's layout, its input, checked weights."""

from __future__ import annotations

from pathlib import Path

import pytest

# Training code: torch is in the `train` extra only (CI runs without it).
torch = pytest.importorskip("torch", reason="torch is in the train extra only")

from training.vision.pretrained import PretrainedHelmetNet, load_imagenet  # noqa: E402


def test_features_have_torchvisions_names_and_shapes() -> None:
    state = PretrainedHelmetNet().features.state_dict()
    # torchvision's mobilenet_v2: 314 tensors under features.* and classifier.*, the last
    # feature layer a 1x1 convolution from 320 to 1280 channels
    assert len(state) == 312
    assert state["0.0.weight"].shape == (32, 3, 3, 3)
    assert state["1.conv.0.0.weight"].shape == (32, 1, 3, 3)  # expansion 1: depthwise first
    assert state["2.conv.0.0.weight"].shape == (96, 16, 1, 1)  # expansion 6
    assert state["18.0.weight"].shape == (1280, 320, 1, 1)


def test_takes_bgr_crops_of_any_side_and_gives_two_logits() -> None:
    model = PretrainedHelmetNet().eval()
    with torch.no_grad():
        for side in (48, 64, 96):
            assert model(torch.rand(3, 3, side, side)).shape == (3, 2)


def test_bgr_input_is_swapped_to_rgb_and_normalised_as_imagenet_was() -> None:
    model = PretrainedHelmetNet()
    blue = torch.zeros(1, 3, 4, 4)
    blue[:, 0] = 1.0  # BGR order: pure blue
    rgb = model.normalise(blue)[0, :, 0, 0]
    expected = [(0 - 0.485) / 0.229, (0 - 0.456) / 0.224, (1 - 0.406) / 0.225]
    assert rgb.tolist() == pytest.approx(expected, rel=1e-5)


def test_weights_other_than_torchvisions_are_refused(tmp_path: Path) -> None:
    model = PretrainedHelmetNet()
    fake = tmp_path / "mobilenet_v2-b0353104.pth"
    torch.save({f"features.{k}": v for k, v in model.features.state_dict().items()}, fake)
    with pytest.raises(ValueError, match="is not torchvision's"):
        load_imagenet(model, fake)


def test_an_ensemble_of_members_exports_as_one_graph_averaging_their_logits(
    tmp_path: Path,
) -> None:
    onnxruntime = pytest.importorskip("onnxruntime")
    import numpy as np

    from training.vision.ensemble_helmet import load_members
    from training.vision.train_helmet import Averaged, export

    paths = []
    for seed in (1, 2):
        torch.manual_seed(seed)
        paths.append(tmp_path / f"m{seed}.pt")
        torch.save(PretrainedHelmetNet().eval().state_dict(), paths[-1])
    members = load_members([str(p) for p in paths], "mnv2", 1.0)
    export(Averaged(members), tmp_path / "ens.onnx", 64)

    crops = np.random.default_rng(0).random((2, 3, 64, 64), dtype=np.float32)
    session = onnxruntime.InferenceSession(str(tmp_path / "ens.onnx"))
    got = session.run(None, {session.get_inputs()[0].name: crops})[0]
    with torch.no_grad():
        each = [m(torch.from_numpy(crops)).numpy() for m in members]
    assert got == pytest.approx((each[0] + each[1]) / 2, abs=1e-4)
    assert not np.allclose(each[0], each[1])  # two different members, not one counted twice
