"""Every committed ONNX model has a card beside it that records the file's SHA-256."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def committed_models() -> list[Path]:
    """Return the ONNX files git tracks."""
    listed = subprocess.run(
        ["git", "ls-files", "*.onnx"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    if listed.returncode != 0:
        pytest.skip("not a git checkout")
    return [ROOT / line for line in listed.stdout.split()]


def test_each_model_has_a_card_with_its_hash() -> None:
    models = committed_models()
    assert models, "no committed models found"
    for model in models:
        card = model.with_name(model.stem.upper() + ".md")
        assert card.is_file(), f"{model.name} has no model card ({card.name})"
        digest = hashlib.sha256(model.read_bytes()).hexdigest()
        text = card.read_text()
        assert digest in text, f"{card.name} does not record {model.name}'s SHA-256"
        for section in ("Source and licence", "Figures", "Rebuild"):
            assert section in text, f"{card.name} lacks {section!r}"
