"""The analysed clip's track is stored with each event and drawn on the review task page."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from echallan.challans.events import ViolationEvent
from echallan.clips import analysis
from echallan.core.extensions import db
from echallan.core.uow import unit_of_work
from echallan.review import operations as review
from echallan.review.models import ReviewTask
from rules.calibration import parse_calibration
from rules.violations import signed_distance
from tests.integration import factories as f
from tests.integration.pages import sign_in_page
from tests.integration.test_clip_analysis import register

RED_LIGHT_SEED = 1  # synth.scenes.truth_violations: two red-light offences in this scene


@pytest.fixture(scope="module")
def red_scene(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict, dict]:
    """Render a junction clip with red-light offences, registered plates (as `scene` does)."""
    from echallan import demo
    from synth.scenes import calibration_for, metadata_for, random_scene_spec, render_scene

    spec = random_scene_spec(RED_LIGHT_SEED, size=(1280, 720), duration_s=10.0, night=False)
    spec = demo.with_registry_plates(spec, RED_LIGHT_SEED)
    path = tmp_path_factory.mktemp("red") / "red.mp4"
    render_scene(spec, path)
    calibration = {**calibration_for((1280, 720)), "camera_id": f.CAMERA_ID}
    return path, calibration, {**metadata_for(spec), "camera_id": f.CAMERA_ID}


def test_the_stored_track_crosses_the_stop_line_and_is_drawn(app, client, red_scene) -> None:  # noqa: ANN001
    path, calibration, meta = red_scene
    meta = {k: v for k, v in meta.items() if k != "signal_phases"}  # the signal is read from video
    key = register(app, calibration)
    assert f.upload(client, key, path, meta).status_code == 202
    cal = parse_calibration(calibration)
    with app.app_context():
        events = db.session.scalars(sa.select(ViolationEvent).order_by(ViolationEvent.id)).all()
        red = [e for e in events if e.rule == "red_light"]
        assert red, [e.rule for e in events]
        for event in red:
            track = event.evidence["track"]
            assert 2 <= len(track) <= analysis.TRACK_POINTS
            assert event.evidence["frame_size"] == [1280, 720]
            phases = event.evidence["signal_phases"]  # read from the video, the metadata's shape
            assert {p["state"] for p in phases} >= {"red"} and phases[0]["start_ms"] == 0
            frames = [row[0] for row in track]
            assert frames == sorted(frames) and event.frame in frames
            grounds = [(x + w / 2, y + h) for _, x, y, w, h in track]
            # the vehicle came from before the line and ended past it
            assert signed_distance(grounds[0], cal) < 0 < signed_distance(grounds[-1], cal)
        event = red[0]
        with unit_of_work():
            task = review.current_task(event.id) or review.open_task(event, ["test: review"])
        task_id = task.id
        f.staff("officer1", "officer")
        expected = " ".join(f"{x + w // 2},{y + h}" for _, x, y, w, h in event.evidence["track"])
    officer = app.test_client()
    assert sign_in_page(officer, "officer1").status_code == 302
    html = officer.get(f"/review/{task_id}").get_data(as_text=True)
    drawn = re.findall(r'<polyline class="track" points="([^"]+)"', html)
    assert drawn and all(points == expected for points in drawn)
    assert "No stored track" not in html
    assert html.count('<rect class="phase red"') >= 1  # the phase strip drawn from the video
    with app.app_context():
        assert db.session.get(ReviewTask, task_id) is not None


def test_a_long_track_is_thinned_but_keeps_its_evidence_frames() -> None:
    from rules.tracks import Observation, Track
    from rules.violations import ViolationEvent as RuleEvent

    obs = tuple(Observation(i, i * 40, (i, 100, 50, 40)) for i in range(1000))
    event = RuleEvent(
        "red_light", 1, "car", 501, 20040, (501, 100, 50, 40), "red", (333, 501, 777), 0.9
    )
    rows = analysis.track_rows(Track(1, "car", obs), event)
    assert len(rows) <= analysis.TRACK_POINTS + 3
    kept = {row[0] for row in rows}
    assert {0, 999, 333, 501, 777} <= kept
    assert rows == sorted(rows)
    assert analysis.track_rows(None, event) == []
