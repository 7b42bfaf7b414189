"""The review console's view models: overlay geometry, the phase strip, plate checks (no I/O)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from echallan.review import viewer

CALIBRATION = {"frame_size": [1280, 720], "stop_line": [[80, 430], [1200, 430]]}
PHASES = [
    {"state": "red", "start_ms": 3000, "end_ms": 8000},
    {"state": "green", "start_ms": 0, "end_ms": 2000},
    {"state": "amber", "start_ms": 2000, "end_ms": 3000},
]
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def _event(**evidence: object) -> SimpleNamespace:
    frames = [{"caption": c, "frame": n} for c, n in (("before", 30), ("at", 40), ("after", 50))]
    return SimpleNamespace(bbox=[500, 380, 200, 120], evidence={"frames": frames, **evidence})


def test_frames_carry_the_stop_line_and_the_box_only_where_it_is_known() -> None:
    frames = viewer.frames_of(_event(), CALIBRATION)
    assert [f.image for f in frames] == ["frame-0", "frame-1", "frame-2"]
    assert frames[1].overlay.box == (500, 380, 200, 120) and frames[0].overlay.box is None
    assert frames[0].overlay.stop_line == ((80, 430), (1200, 430))
    assert frames[0].overlay.track == []


def test_the_track_is_drawn_through_box_bottom_centres_and_boxes_each_frame() -> None:
    track = [[30, 500, 480, 200, 120], {"frame": 50, "bbox": [500, 280, 200, 120]}, "junk"]
    frames = viewer.frames_of(_event(track=track), CALIBRATION)
    assert frames[0].overlay.track_points == "600,600 600,400"
    assert frames[0].overlay.box == (500, 480, 200, 120)
    assert frames[2].overlay.box == (500, 280, 200, 120)


def test_a_clip_smaller_than_the_calibration_is_drawn_in_the_clip_s_pixels() -> None:
    frames = viewer.frames_of(_event(frame_size=[640, 360]), CALIBRATION)
    assert (frames[0].overlay.width, frames[0].overlay.height) == (640, 360)
    assert frames[0].overlay.stop_line == ((40, 215), (600, 215))


def test_a_malformed_calibration_falls_back_instead_of_failing() -> None:
    frames = viewer.frames_of(_event(), {"frame_size": ["x"], "stop_line": [1, 2, 3]})
    assert (frames[0].overlay.width, frames[0].overlay.height) == (1280, 720)
    assert frames[0].overlay.stop_line is None


def test_the_phase_strip_marks_the_offence_in_the_red() -> None:
    strip = viewer.phase_strip(PHASES, 3600)
    assert strip is not None
    assert [(s.state, s.x, s.width) for s in strip.segments] == [
        ("green", 0.0, 250.0),
        ("amber", 250.0, 125.0),
        ("red", 375.0, 625.0),
    ]
    assert strip.moment_x == 450.0 and strip.state_at_moment == "red"
    assert strip.ticks[0] == (0.0, 0) and strip.ticks[-1] == (1000.0, 8000)


def test_no_phases_or_only_empty_ones_give_no_strip() -> None:
    assert viewer.phase_strip([], 100) is None
    assert viewer.phase_strip([{"state": "red", "start_ms": 5, "end_ms": 5}], 5) is None


def test_plate_problems_are_named() -> None:
    assert viewer.plate_problem("asf 813") is None
    assert viewer.plate_problem("<b>") == "not_a_plate"
    assert viewer.plate_problem("12345") == "letters_and_digits"
    assert viewer.plate_problem("A" * 20) == "not_a_plate"


def test_a_registry_mismatch_is_flagged_and_an_unknown_is_not() -> None:
    event = SimpleNamespace(observed_class="car", observed_colour=None)
    found = viewer.comparison(event, {"vehicle_class": "motorcycle", "colour": "Red"}, True)
    assert found.class_mismatch and not found.colour_mismatch


def test_a_queue_row_says_past_sla_and_whose_claim_lives() -> None:
    task = SimpleNamespace(
        id=7,
        kind="violation",
        status="claimed",
        reasons=["low_plate_confidence"],
        created_at=NOW - timedelta(hours=5),
        closed_at=None,
        claimed_by_id=3,
        claim_expires_at=NOW + timedelta(minutes=10),
        event=SimpleNamespace(rule="red_light", camera_id="KHI-0001", plate_read="ASF-613"),
    )
    row = viewer.queue_row(task, NOW, timedelta(hours=4), {3: "Officer One"}, me=3)
    assert row.overdue and row.claim_live and row.mine and row.holder == "Officer One"
    late = viewer.queue_row(task, NOW + timedelta(hours=1), timedelta(hours=9), {3: "x"}, me=4)
    assert not late.overdue and not late.claim_live and not late.mine


def test_pages_know_their_neighbours() -> None:
    assert viewer.Pages(0, 20, 23).next == 20 and viewer.Pages(0, 20, 23).previous is None
    assert viewer.Pages(20, 20, 23).next is None and viewer.Pages(20, 20, 23).previous == 0
    assert viewer.Pages(0, 20, 0).first_shown == 0
