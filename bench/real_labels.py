"""Ground-truth labels of the real clips (bench/labels/) and a scorer for pipeline findings."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from vision.track import iou

LABELS = Path(__file__).resolve().parent / "labels"
# rule of a finding -> the label role it is right about
RULE_ROLE = {
    "red_light": "red_light_runner",
    "wrong_way": "wrong_way",
    "no_helmet": "rider_no_helmet",
}
MIN_IOU = 0.3
Box = tuple[int, int, int, int]


@dataclass(frozen=True)
class Finding:
    """One pipeline finding: its rule, frame span and its track's boxes by frame."""

    rule: str
    frames: tuple[int, int]
    boxes: dict[int, Box]


def load_labels(path: Path) -> dict:
    """Read one label file."""
    return json.loads(Path(path).read_text())


def matches(finding: Finding, label: dict) -> bool:
    """Tell whether a finding's frames overlap the label's and its box fits the label's box."""
    first, last = label["frames"]
    if finding.frames[1] < first or finding.frames[0] > last or not finding.boxes:
        return False
    near = min(finding.boxes, key=lambda f: abs(f - label["key_frame"]))
    box, ref = finding.boxes[near], label["box"]
    cx, cy = box[0] + box[2] / 2, box[1] + box[3] / 2
    centre_in = ref[0] <= cx <= ref[0] + ref[2] and ref[1] <= cy <= ref[1] + ref[3]
    return iou(box, ref) >= MIN_IOU or centre_in


def score(findings: list[Finding], labels: dict) -> dict[str, dict[str, int]]:
    """Count TP/FP/FN per rule; findings on stopped_compliant objects count FP and compliant."""
    table = {r: {"tp": 0, "fp": 0, "fn": 0, "compliant": 0} for r in RULE_ROLE}
    objects = labels["objects"]
    for rule, role in RULE_ROLE.items():
        wanted = [o for o in objects if o["role"] == role]
        hit: set = set()
        for f in (f for f in findings if f.rule == rule):
            right = [o["id"] for o in wanted if o["id"] not in hit and matches(f, o)]
            if right:
                hit.add(right[0])
                table[rule]["tp"] += 1
                continue
            table[rule]["fp"] += (
                1  # a duplicate on one object is an error too: one offence, one challan
            )
            on = [o for o in objects if o["role"] == "stopped_compliant" and matches(f, o)]
            table[rule]["compliant"] += bool(on)
        table[rule]["fn"] = len(wanted) - len(hit)
    return table
