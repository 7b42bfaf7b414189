"""`echallan read-plates`: one JSON line per image, errors on their own line, exit 1 on failure."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest
from click.testing import CliRunner

from echallan.commands.read_plates import command
from ocr.reader import DEFAULT_MODEL, MODELS
from synth import render

pytestmark = pytest.mark.skipif(
    not (MODELS / f"{DEFAULT_MODEL}.onnx").is_file(), reason="committed OCR model missing"
)


def _plate_file(tmp_path: Path) -> Path:
    path = tmp_path / "plate.png"
    cv2.imwrite(str(path), render.render_plate("AZU290", "sindh", np.random.default_rng(0)))
    return path


def test_bad_file_gets_an_error_line_and_the_rest_go_on(tmp_path: Path) -> None:
    good = _plate_file(tmp_path)
    bad = tmp_path / "broken.jpg"
    bad.write_bytes(b"not an image")
    args = [str(bad), str(good), str(tmp_path / "absent.jpg")]
    result = CliRunner().invoke(command, args)
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert result.exit_code == 1
    assert [line["image"] for line in lines] == args
    assert "error" in lines[0] and "error" in lines[2]
    assert set(lines[1]) >= {"plate", "confidence"} and 0.0 <= lines[1]["confidence"] <= 1.0


def test_all_good_exits_zero(tmp_path: Path) -> None:
    result = CliRunner().invoke(command, [str(_plate_file(tmp_path))])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["image"].endswith("plate.png")


def test_localize_finds_the_plate_in_a_scene(tmp_path: Path) -> None:
    scene = np.full((480, 640, 3), (60, 60, 150), np.uint8)
    plate = render.render_plate("BGC771", "sindh", np.random.default_rng(1))
    scene[300:380, 240:400] = cv2.resize(plate, (160, 80))
    path = tmp_path / "car.png"
    cv2.imwrite(str(path), scene)
    result = CliRunner().invoke(command, ["--localize", str(path)])
    assert result.exit_code == 0, result.output
    line = json.loads(result.stdout)
    x, y, w, h = line["box"]
    assert "plate" in line and x < 400 and x + w > 240 and y < 380 and y + h > 300


def test_localize_reports_a_photo_without_any_plate(tmp_path: Path) -> None:
    path = tmp_path / "sky.png"
    cv2.imwrite(str(path), np.full((240, 320, 3), 180, np.uint8))
    result = CliRunner().invoke(command, ["--localize", str(path), str(_plate_file(tmp_path))])
    first, second = (json.loads(line) for line in result.stdout.splitlines())
    assert result.exit_code == 1
    assert first == {"image": str(path), "error": "no plate found in the image"}
    assert "plate" in second  # a plain crop still gets read as a photo: whatever it finds
