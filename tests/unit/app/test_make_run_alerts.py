"""`make run` gives the demo a control-room alert target, so alerts reach someone."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


def test_make_run_serves_with_a_control_room_sms_target() -> None:
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    dry = subprocess.run(
        ["make", "-n", "-B", "run"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    serve = next(line for line in dry.splitlines() if "echallan run" in line)
    assert "CONTROL_ROOM_SMS='+923000000000'" in serve
    override = subprocess.run(
        ["make", "-n", "-B", "run", "CONTROL_ROOM_SMS=+923331112222"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "CONTROL_ROOM_SMS='+923331112222'" in override
