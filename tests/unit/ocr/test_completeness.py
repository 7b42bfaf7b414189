"""A read's completeness: the model's chance that it skipped no character.

A CTC read's character confidences cover only the characters it emits: a year digit the greedy
path passes over costs them nothing. `training.ocr.export --completeness` writes that chance
into the first pad slot; the reader keeps it as `PlateRead.completeness` and inside
`confidence`. The committed model is exported without it (ocr/models/RECIPE.md).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ocr.reader import DEFAULT_MODEL, MODELS, PlateReader
from synth import render


def _plates(count: int) -> list[np.ndarray]:
    """Small rendered two-line Punjab plates, where skipped year digits were seen."""
    import cv2

    rng = np.random.default_rng(31)
    out = []
    for _ in range(count):
        text, style = render.random_plate(rng, "punjab")
        plate = render.render_plate(text, style, rng, render.SCENE_LOOK)
        out.append(cv2.resize(plate, (70, round(70 * plate.shape[0] / plate.shape[1]))))
    return out


def _factorises(read) -> bool:  # noqa: ANN001 - a PlateRead
    expected = float(np.prod(read.char_confidences)) * read.completeness
    return read.confidence == pytest.approx(expected, rel=1e-5)


def test_the_committed_model_reports_no_completeness() -> None:
    if not (MODELS / f"{DEFAULT_MODEL}.onnx").is_file():
        pytest.skip("committed OCR model missing")
    reads = PlateReader.default().read(_plates(12))
    assert all(r.completeness == 1.0 and _factorises(r) for r in reads)


def _untrained_checkpoint(folder: Path, arch: str) -> Path:
    """Save a freshly built (seeded, untrained) network of `arch` as a training checkpoint."""
    torch = pytest.importorskip("torch")
    from training.ocr.train import build_model

    torch.manual_seed(3)  # an untrained network: unsure on every step
    checkpoint = folder / f"untrained_{arch}.pt"
    torch.save({"arch": arch, "model": build_model(arch).state_dict()}, checkpoint)
    return checkpoint


def test_an_export_with_completeness_carries_it_into_the_reads(tmp_path: Path) -> None:
    checkpoint = _untrained_checkpoint(tmp_path, "ctc2")
    from training.ocr.export import export

    export(checkpoint, tmp_path / "plain")
    export(checkpoint, tmp_path / "complete", completeness=True)
    plates = _plates(12)
    plain = PlateReader.from_model(tmp_path / "plain").read(plates)
    complete = PlateReader.from_model(tmp_path / "complete").read(plates)
    assert [r.text for r in plain] == [r.text for r in complete]  # the same reads
    assert all(r.completeness == 1.0 for r in plain)
    assert all(_factorises(r) for r in complete)
    assert max(r.completeness for r in complete) < 0.99  # never the 1.0 of an export without it


def test_completeness_needs_a_two_line_ctc_model(tmp_path: Path) -> None:
    checkpoint = _untrained_checkpoint(tmp_path, "ctc")
    from training.ocr.export import export

    with pytest.raises(ValueError, match="two-line CTC"):
        export(checkpoint, tmp_path / "one_line", completeness=True)
