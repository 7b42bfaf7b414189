"""Export a training checkpoint to fast-plate-ocr's ONNX contract plus its plate config YAML.

    .venv/bin/python -m training.ocr.export runs/ocr/r1/last.pt ocr/models/pk_plate_cnn

writes `pk_plate_cnn.onnx` (input `input`: uint8 N x 64 x 128 x 1; outputs `plate`: N x 10 x 37
softmax and `region`: N x 7 softmax) and `pk_plate_cnn.yaml`, then checks that
`LicensePlateRecognizer` loads and runs them.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch

from training.ocr.model import CtcLinesNet
from training.ocr.train import ALPHABET, HEIGHT, PAD, REGIONS, SLOTS, WIDTH, build_model


def plate_config() -> str:
    """Return the plate config YAML (fast-plate-ocr's PlateConfig schema)."""
    regions = "".join(f"  - {r}\n" for r in REGIONS)
    return (
        f"max_plate_slots: {SLOTS}\n"
        f"alphabet: '{ALPHABET}'\n"
        f"pad_char: '{PAD}'\n"
        f"img_height: {HEIGHT}\n"
        f"img_width: {WIDTH}\n"
        "keep_aspect_ratio: false\n"
        "interpolation: linear\n"
        "image_color_mode: grayscale\n"
        "padding_color: 114\n"
        f"plate_regions:\n{regions}"
    )


def export(checkpoint: Path, stem: Path, completeness: bool = False) -> None:
    """Write stem.onnx and stem.yaml from a checkpoint (`completeness`: see main's --help)."""
    state = torch.load(checkpoint, weights_only=False)
    model = build_model(state.get("arch", "s16"))
    model.load_state_dict(state["model"])
    model.eval()
    if completeness:
        if not isinstance(model, CtcLinesNet):
            raise ValueError("completeness needs a two-line CTC model (--arch ctc2, ctc2h)")
        model.report_completeness = True
    example = torch.zeros(1, HEIGHT, WIDTH, 1, dtype=torch.uint8)
    batch = {0: "batch"}
    torch.onnx.export(
        model,
        example,
        str(stem.with_suffix(".onnx")),
        input_names=["input"],
        output_names=["plate", "region"],
        dynamic_axes={"input": batch, "plate": batch, "region": batch},
        opset_version=17,
        dynamo=False,
    )
    stem.with_suffix(".yaml").write_text(plate_config())


def check(stem: Path) -> None:
    """Load the export with fast-plate-ocr and read two blank plates."""
    from fast_plate_ocr import LicensePlateRecognizer

    recognizer = LicensePlateRecognizer(
        onnx_model_path=stem.with_suffix(".onnx"),
        plate_config_path=stem.with_suffix(".yaml"),
        device="cpu",
    )
    blank = np.full((HEIGHT, WIDTH), 200, np.uint8)
    predictions = recognizer.run([blank, blank], return_confidence=True)
    assert len(predictions) == 2 and predictions[0].char_probs.shape == (SLOTS,)
    print("fast-plate-ocr loads", stem.with_suffix(".onnx"), "->", predictions[0])


def main() -> None:
    """Export then check."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("checkpoint", type=Path)
    p.add_argument("stem", type=Path, help="output path without suffix")
    p.add_argument(
        "--completeness",
        action="store_true",
        help="write the chance that the read skipped no character into the first pad slot "
        "(training.ocr.model._completeness); measured in RECIPE.md, off for the committed model",
    )
    args = p.parse_args()
    try:
        export(args.checkpoint, args.stem, args.completeness)
    except ValueError as err:
        p.error(f"{args.checkpoint}: {err}")
    check(args.stem)


if __name__ == "__main__":
    main()
