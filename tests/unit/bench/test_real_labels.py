"""The real-clip label scorer (bench/real_labels.py) and the committed label files."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[3] / "bench"
spec = importlib.util.spec_from_file_location("real_labels", BENCH / "real_labels.py")
real_labels = importlib.util.module_from_spec(spec)
sys.modules["real_labels"] = real_labels  # dataclasses look their module up there
spec.loader.exec_module(real_labels)
Finding = real_labels.Finding

LABELS = {
    "objects": [
        {
            "id": 1,
            "role": "red_light_runner",
            "frames": [40, 60],
            "key_frame": 50,
            "box": [100, 100, 80, 50],
        },
        {
            "id": 2,
            "role": "stopped_compliant",
            "frames": [0, 100],
            "key_frame": 50,
            "box": [300, 100, 80, 50],
        },
    ]
}


def test_a_finding_on_the_runner_is_a_true_positive() -> None:
    found = [Finding("red_light", (45, 55), {49: (105, 98, 80, 50)})]
    assert real_labels.score(found, LABELS)["red_light"] == {
        "tp": 1,
        "fp": 0,
        "fn": 0,
        "compliant": 0,
    }


def test_no_finding_is_a_miss_and_a_finding_on_the_compliant_car_is_counted() -> None:
    assert real_labels.score([], LABELS)["red_light"]["fn"] == 1
    found = [Finding("red_light", (45, 55), {50: (300, 100, 80, 50)})]
    row = real_labels.score(found, LABELS)["red_light"]
    assert row == {"tp": 0, "fp": 1, "fn": 1, "compliant": 1}


def test_frames_outside_the_act_do_not_match() -> None:
    found = [Finding("red_light", (70, 80), {75: (100, 100, 80, 50)})]
    assert real_labels.score(found, LABELS)["red_light"]["fp"] == 1


def test_committed_label_files_fit_their_clips() -> None:
    for path in sorted((BENCH / "labels").glob("*.json")):
        data = json.loads(path.read_text())
        w, h = data["frame_size"]
        for o in data["objects"]:
            x, y, bw, bh = o["box"]
            assert x >= 0 and y >= 0 and x + bw <= w and y + bh <= h, (path.name, o["id"])
            assert 0 <= o["frames"][0] <= o["frames"][1] < data["frames"], (path.name, o["id"])
