"""The scene synthesiser: deterministic specs, readable clips, truth that matches the roles."""

from __future__ import annotations

from pathlib import Path

import cv2
import pytest

from rules.calibration import parse_calibration
from rules.signals import parse_signal_phases
from synth.scenes import GroundTruth, random_scene_spec


def test_specs_are_deterministic_and_vary_by_seed() -> None:
    assert random_scene_spec(3) == random_scene_spec(3)
    assert random_scene_spec(3).vehicles != random_scene_spec(4).vehicles


def test_rendered_clip_matches_its_truth(small_scene: tuple[Path, GroundTruth]) -> None:
    path, truth = small_scene
    capture = cv2.VideoCapture(str(path))
    count = 0
    while capture.read()[0]:
        count += 1
    assert count == truth.frames == 350
    assert capture.get(cv2.CAP_PROP_FRAME_WIDTH) == 640
    parse_calibration(truth.calibration)
    parse_signal_phases(truth.metadata["signal_phases"])
    assert {t.rule for t in truth.violations} == {"red_light", "wrong_way", "no_helmet"}
    for vid in (t.vehicle_id for t in truth.violations):
        assert len(truth.boxes[vid]) > 25  # every offender is in view for over a second


def test_roles_have_the_intended_plates_and_riders(small_scene: tuple[Path, GroundTruth]) -> None:
    _, truth = small_scene
    by_id = {v.vehicle_id: v for v in truth.vehicles}
    for t in truth.violations:
        vehicle = by_id[t.vehicle_id]
        assert t.plate == vehicle.plate
        if t.rule == "no_helmet":
            assert vehicle.kind == "motorcycle" and not all(vehicle.helmets)
        if t.rule == "red_light":
            assert vehicle.role == "runner"


def test_a_scene_too_short_for_a_signal_cycle_is_refused() -> None:
    # below 10 s some seeds have no time for their roles: a clear error, never numpy's
    with pytest.raises(ValueError, match="at least 10 s"):
        random_scene_spec(1, duration_s=6.0)
    assert random_scene_spec(1, duration_s=10.0).duration_ms == 10_000
