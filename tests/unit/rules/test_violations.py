"""The offences on hand-made tracks: who is flagged, who is not, and the evidence carried."""

from __future__ import annotations

from rules.calibration import parse_calibration
from rules.signals import parse_signal_phases
from rules.tracks import Observation, Track
from rules.violations import find_violations, no_helmet, red_light, wrong_way

CAL = parse_calibration(
    {
        "camera_id": "T",
        "frame_size": [1280, 720],
        "stop_line": [[80, 430], [1200, 430]],
        "approach": [0, -1],
        "signal_roi": [1140, 40, 60, 150],
        "rules": ["red_light", "wrong_way", "no_helmet"],
        "amber_grace_ms": 500,
    }
)
TIMELINE = parse_signal_phases(
    [
        {"state": "green", "start_ms": 0, "end_ms": 2000},
        {"state": "amber", "start_ms": 2000, "end_ms": 3000},
        {"state": "red", "start_ms": 3000, "end_ms": 10000},
    ]
)
FPS_MS = 40


def moving(
    track_id: int, x: float, y0: float, vy: float, t0_ms: int, frames: int, kind: str = "car"
) -> Track:
    """A box of 100x80 whose bottom starts at y0 and moves vy pixels per frame."""
    obs = []
    for i in range(frames):
        bottom = y0 + vy * i
        frame = t0_ms // FPS_MS + i
        obs.append(Observation(frame, frame * FPS_MS, (int(x), int(bottom - 80), 100, 80)))
    return Track(track_id, kind, tuple(obs))


def test_runner_crossing_on_red_is_flagged_with_evidence() -> None:
    track = moving(1, 600, 600, -10, 4000, 40)  # bottom reaches y=430 at frame 100+17
    event = red_light(track, CAL, TIMELINE)
    assert event is not None
    assert event.rule == "red_light" and event.signal_state == "red"
    assert event.frame == 117
    before, at, after = event.evidence_frames
    assert before < at == event.frame < after
    assert event.bbox == track.at_frame(117).bbox


def test_crossing_on_green_or_amber_is_not_flagged() -> None:
    assert red_light(moving(1, 600, 600, -10, 0, 40), CAL, TIMELINE) is None
    assert red_light(moving(2, 600, 600, -10, 1600, 40), CAL, TIMELINE) is None  # amber


def test_crossing_within_amber_grace_is_not_flagged() -> None:
    # Crosses at about 3000 + 300 ms: red, but inside the 500 ms grace.
    track = moving(1, 600, 600, -10, 3300 - 17 * FPS_MS, 40)
    assert red_light(track, CAL, TIMELINE) is None


def test_vehicle_stopping_before_the_line_is_not_flagged() -> None:
    obs = [
        Observation(100 + i, (100 + i) * FPS_MS, (600, 350 - max(0, 20 - i) * 5, 100, 70))
        for i in range(60)
    ]
    assert red_light(Track(1, "car", tuple(obs)), CAL, TIMELINE) is None


def test_vehicle_already_past_the_line_is_not_flagged() -> None:
    assert red_light(moving(1, 600, 420, -10, 4000, 30), CAL, TIMELINE) is None


def test_crossing_beside_the_stop_line_is_not_flagged() -> None:
    cal = parse_calibration({**_raw(), "stop_line": [[80, 430], [500, 430]]})
    assert red_light(moving(1, 900, 600, -10, 4000, 40), cal, TIMELINE) is None


def test_wrong_way_car_is_flagged() -> None:
    event = wrong_way(moving(7, 300, 200, 8, 0, 40), CAL)
    assert event is not None and event.rule == "wrong_way" and event.track_id == 7


def test_lawful_turning_and_jittering_tracks_are_not_wrong_way() -> None:
    lawful = moving(1, 300, 700, -8, 0, 60)
    turning = Track(
        2,
        "car",
        tuple(
            Observation(i, i * FPS_MS, (100 + 12 * i, 400 + (i % 3), 100, 80)) for i in range(60)
        ),
    )
    jitter = Track(
        3,
        "car",
        tuple(
            Observation(i, i * FPS_MS, (300 + (i % 2) * 6, 300 + (i % 3) * 6, 100, 80))
            for i in range(60)
        ),
    )
    for track in (lawful, turning, jitter):
        assert wrong_way(track, CAL) is None


def test_no_helmet_needs_enough_confident_frames() -> None:
    def rider(scores: list[float | None]) -> Track:
        return Track(
            3,
            "motorcycle",
            tuple(
                Observation(i, i * FPS_MS, (500, 400 - i, 40, 90), s) for i, s in enumerate(scores)
            ),
        )

    bare = no_helmet(rider([0.9, 0.8, None, 0.95, 0.7, 0.85]))
    assert bare is not None and bare.frame == 3 and bare.confidence > 0.8
    assert no_helmet(rider([0.9, 0.9, 0.9])) is None  # too few frames
    assert no_helmet(rider([0.1, 0.2, 0.9, 0.1, 0.3, 0.2])) is None  # helmet worn
    assert no_helmet(rider([0.6, 0.4, 0.55, 0.45, 0.6, 0.4])) is None  # not sure enough


def test_find_violations_applies_enabled_rules_only_and_orders_events() -> None:
    runner = moving(1, 600, 600, -10, 4000, 40)
    wrong = moving(2, 300, 100, 8, 0, 40)
    events = find_violations([runner, wrong], CAL, TIMELINE)
    assert [e.rule for e in events] == ["wrong_way", "red_light"]
    assert events[0].signal_state == "green"  # stamped from the timeline
    only_red = parse_calibration({**_raw(), "rules": ["red_light"]})
    assert [e.rule for e in find_violations([runner, wrong], only_red, TIMELINE)] == ["red_light"]
    assert [e.rule for e in find_violations([runner, wrong], CAL, None)] == ["wrong_way"]


def _raw() -> dict:
    """Return the raw calibration dict behind CAL."""
    (x0, y0), (x1, y1) = CAL.stop_line
    return {
        "camera_id": "T",
        "frame_size": [1280, 720],
        "stop_line": [[x0, y0], [x1, y1]],
        "approach": [0, -1],
        "signal_roi": [1140, 40, 60, 150],
        "rules": ["red_light", "wrong_way", "no_helmet"],
        "amber_grace_ms": 500,
    }


def test_blob_growing_across_the_line_is_neither_runner_nor_wrong_way() -> None:
    # A blob whose top stays put while its bottom sweeps over the line (pedestrians merging,
    # a ghost of the background): not a vehicle travelling.
    grow_up = Track(
        1,
        "car",
        tuple(
            Observation(100 + i, (100 + i) * FPS_MS, (600, 300, 100, 160 - 8 * i))
            for i in range(20)
        ),
    )
    assert red_light(grow_up, CAL, TIMELINE) is None
    grow_down = Track(
        2, "car", tuple(Observation(i, i * FPS_MS, (300, 200, 100, 60 + 10 * i)) for i in range(40))
    )
    assert wrong_way(grow_down, CAL) is None


def test_blob_sliding_sideways_over_a_slanted_line_is_not_a_runner() -> None:
    # Pedestrians walking along a crossing: their blob's bottom slips over a slanted stop line.
    cal = parse_calibration({**_raw(), "stop_line": [[80, 300], [1200, 560]]})
    walk = Track(
        1,
        "car",
        tuple(
            Observation(100 + i, (100 + i) * FPS_MS, (100 + 25 * i, 350 - 2 * i, 60, 100))
            for i in range(40)
        ),
    )
    assert red_light(walk, cal, TIMELINE) is None


def test_crossing_bridged_by_a_long_gap_or_a_size_jump_is_not_a_runner() -> None:
    runner = moving(1, 600, 600, -10, 4000, 40)
    obs = runner.observations
    gap = Track(1, "car", obs[:14] + obs[22:])  # unseen from 14 to 21: crossed in the dark
    assert red_light(gap, CAL, TIMELINE) is None
    merged = tuple(
        Observation(o.frame, o.time_ms, (o.bbox[0], o.bbox[1] - 160, 300, 240))
        if 15 <= i <= 16
        else o
        for i, o in enumerate(obs)
    )  # a blob that swallows its neighbours while crossing
    assert red_light(Track(1, "car", merged), CAL, TIMELINE) is None
    assert red_light(runner, CAL, TIMELINE) is not None


def test_no_helmet_is_for_riders_only() -> None:
    obs = tuple(Observation(i, i * FPS_MS, (500, 300, 30, 90), 0.95) for i in range(8))
    assert no_helmet(Track(1, "motorcycle", obs)) is not None
    assert no_helmet(Track(2, "person", obs)) is None  # a pedestrian's bare head is lawful
    assert no_helmet(Track(3, "car", obs)) is None


def test_lanes_polygon_limits_where_the_rules_apply() -> None:
    # Lanes drawn over the right half only: the left half carries lawful oncoming traffic.
    lanes = [[640, 0], [1280, 0], [1280, 720], [640, 720]]
    cal = parse_calibration({**_raw(), "lanes": lanes})
    oncoming = moving(7, 300, 200, 8, 0, 40)
    assert wrong_way(oncoming, CAL) is not None
    assert wrong_way(oncoming, cal) is None
    assert wrong_way(moving(8, 900, 200, 8, 0, 40), cal) is not None
    assert red_light(moving(1, 300, 600, -10, 4000, 40), cal, TIMELINE) is None
    assert red_light(moving(2, 900, 600, -10, 4000, 40), cal, TIMELINE) is not None


def test_walkers_are_never_wrong_way() -> None:
    walker = moving(9, 300, 200, 8, 0, 40, kind="person")
    assert wrong_way(walker, CAL) is None
    assert wrong_way(moving(10, 300, 200, 8, 0, 40, kind="motorcycle"), CAL) is not None


def test_only_the_part_of_a_track_inside_the_lanes_counts_for_wrong_way() -> None:
    # Lanes start at y=400: a car coming down from y=200 runs 200 px outside them first.
    lanes = [[0, 400], [1280, 400], [1280, 720], [0, 720]]
    cal = parse_calibration({**_raw(), "lanes": lanes})
    cutting_in = moving(11, 300, 200, 8, 0, 32)  # bottom reaches 448: 48 px inside the lanes
    assert wrong_way(cutting_in, CAL) is not None  # without lanes the whole run counts
    assert wrong_way(cutting_in, cal) is None
    along_lanes = moving(12, 300, 200, 8, 0, 55)  # bottom reaches 632: 232 px inside
    event = wrong_way(along_lanes, cal)
    assert event is not None and event.bbox[1] + event.bbox[3] > 400 + 0.12 * 720


def test_a_crossing_at_the_frame_edge_or_by_a_box_changing_shape_is_not_a_runner() -> None:
    runner = moving(1, 600, 600, -10, 4000, 40)
    assert red_light(runner, CAL, TIMELINE) is not None
    at_edge = Track(1, "car", tuple(replace_x(o, 0) for o in runner.observations))
    assert red_light(at_edge, CAL, TIMELINE) is None  # cut off by the frame: no ground point
    obs = runner.observations
    # The track jumps from a car's wide box to a rider's tall one of similar area at the line.
    jumped = tuple(
        Observation(o.frame, o.time_ms, (o.bbox[0], o.bbox[1] - 40, 66, 120)) if i >= 16 else o
        for i, o in enumerate(obs)
    )
    assert red_light(Track(1, "car", jumped), CAL, TIMELINE) is None


def replace_x(o: Observation, x: int) -> Observation:
    """Return the observation with its box moved to x."""
    return Observation(o.frame, o.time_ms, (x, *o.bbox[1:]), o.no_helmet)
