"""`echallan analyze` and `echallan helmet` through click's runner."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest
from click.testing import CliRunner

from echallan.commands.analyze import command as analyze
from echallan.commands.helmet import command as helmet
from synth.scenes import GroundTruth


def test_analyze_prints_the_contract(small_scene: tuple[Path, GroundTruth]) -> None:
    path, truth = small_scene
    cam, meta = path.with_suffix(".camera.json"), path.with_suffix(".meta.json")
    result = CliRunner().invoke(
        analyze, [str(path), "--camera", str(cam), "--meta", str(meta), "--no-plates"]
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert len(out["clip"]) == 64
    rules = sorted(v["rule"] for v in out["violations"])
    assert rules == sorted(t.rule for t in truth.violations)
    for v in out["violations"]:
        assert {"rule", "plate", "plate_confidence", "frame", "time_ms", "bbox"} <= v.keys()
        assert len(v["bbox"]) == 4 and v["time_ms"] == v["frame"] * 40


def test_analyze_names_a_bad_calibration(
    small_scene: tuple[Path, GroundTruth], tmp_path: Path
) -> None:
    path, truth = small_scene
    cam = tmp_path / "cam.json"
    cam.write_text(json.dumps({**truth.calibration, "stop_line": [[0, 200], [900, 200]]}))
    result = CliRunner().invoke(analyze, [str(path), "--camera", str(cam), "--no-plates"])
    assert result.exit_code == 1
    assert "stop_line" in result.stderr and "outside" in result.stderr


def test_analyze_names_a_bad_clip(small_scene: tuple[Path, GroundTruth], tmp_path: Path) -> None:
    path, _ = small_scene
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    cam = path.with_suffix(".camera.json")
    result = CliRunner().invoke(analyze, [str(empty), "--camera", str(cam), "--no-plates"])
    assert result.exit_code == 1 and "zero-length" in result.stderr


def test_analyze_names_overlapping_phases(
    small_scene: tuple[Path, GroundTruth], tmp_path: Path
) -> None:
    path, _ = small_scene
    meta = tmp_path / "meta.json"
    phases = [
        {"state": "green", "start_ms": 0, "end_ms": 3000},
        {"state": "red", "start_ms": 2000, "end_ms": 9000},
    ]
    meta.write_text(json.dumps({"signal_phases": phases}))
    cam = path.with_suffix(".camera.json")
    result = CliRunner().invoke(
        analyze, [str(path), "--camera", str(cam), "--meta", str(meta), "--no-plates"]
    )
    assert result.exit_code == 1 and "overlaps" in result.stderr


def test_helmet_prints_a_line_per_image(tmp_path: Path) -> None:
    image = tmp_path / "head.png"
    cv2.imwrite(str(image), np.full((48, 48, 3), 128, np.uint8))
    bad = tmp_path / "bad.png"
    bad.write_text("nope")
    result = CliRunner().invoke(helmet, [str(image), str(bad)])
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert lines[0]["image"] == str(image) and isinstance(lines[0]["helmet"], bool)
    assert 0.5 <= lines[0]["confidence"] <= 1.0
    assert lines[1] == {"image": str(bad), "error": "not a readable image"}
    assert result.exit_code == 1


def test_json_is_accepted_by_the_json_commands(small_scene: tuple[Path, GroundTruth]) -> None:
    path, _ = small_scene
    cam = path.with_suffix(".camera.json")
    plain = CliRunner().invoke(analyze, [str(path), "--camera", str(cam), "--no-plates"])
    flagged = CliRunner().invoke(
        analyze, [str(path), "--camera", str(cam), "--no-plates", "--json"]
    )
    assert flagged.exit_code == 0, flagged.output
    assert json.loads(flagged.stdout) == json.loads(plain.stdout)


def test_analyze_runs_the_pipeline_it_is_told(
    small_scene: tuple[Path, GroundTruth], monkeypatch: pytest.MonkeyPatch
) -> None:
    from vision import pipeline

    monkeypatch.setattr(pipeline, "DEFAULT", pipeline.PipelineSettings())  # learned, as shipped
    path, truth = small_scene
    cam, meta = path.with_suffix(".camera.json"), path.with_suffix(".meta.json")
    args = [str(path), "--camera", str(cam), "--meta", str(meta), "--no-plates"]
    result = CliRunner().invoke(analyze, [*args, "--pipeline", "motion"])
    assert result.exit_code == 0, result.output
    rules = sorted(v["rule"] for v in json.loads(result.stdout)["violations"])
    assert rules == sorted(t.rule for t in truth.violations)  # the rendered scene, on motion
    refused = CliRunner().invoke(analyze, [*args, "--pipeline", "yolo"])
    assert refused.exit_code == 2 and "'learned', 'motion'" in refused.output
