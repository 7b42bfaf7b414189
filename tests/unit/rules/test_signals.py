"""Signal timelines from controller metadata and from per-frame readings."""

from __future__ import annotations

import pytest

from rules.errors import InvalidInput
from rules.signals import parse_signal_phases, timeline_from_samples

PHASES = [
    {"state": "green", "start_ms": 0, "end_ms": 2000},
    {"state": "amber", "start_ms": 2000, "end_ms": 3000},
    {"state": "red", "start_ms": 3000, "end_ms": 8000},
]


def test_state_at_follows_the_phases() -> None:
    timeline = parse_signal_phases(PHASES)
    assert timeline.state_at(0) == "green"
    assert timeline.state_at(1999) == "green"
    assert timeline.state_at(2000) == "amber"
    assert timeline.state_at(7999) == "red"
    assert timeline.state_at(8000) == "unknown"


def test_unsorted_phases_are_sorted_and_same_states_merged() -> None:
    items = [PHASES[2], {"state": "red", "start_ms": 8000, "end_ms": 9000}, PHASES[0], PHASES[1]]
    timeline = parse_signal_phases(items)
    assert [p.state for p in timeline.phases] == ["green", "amber", "red"]
    assert timeline.phases[-1].start_ms == 3000 and timeline.phases[-1].end_ms == 9000


def test_overlap_is_refused() -> None:
    items = [PHASES[0], {"state": "amber", "start_ms": 1500, "end_ms": 3000}]
    with pytest.raises(InvalidInput, match="overlaps"):
        parse_signal_phases(items)


def test_gap_is_refused() -> None:
    items = [PHASES[0], {"state": "red", "start_ms": 2500, "end_ms": 3000}]
    with pytest.raises(InvalidInput, match="gap between 2000 ms and 2500 ms"):
        parse_signal_phases(items)


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ({"state": "blue", "start_ms": 0, "end_ms": 10}, "unknown state 'blue'"),
        ({"state": "red", "start_ms": -5, "end_ms": 10}, "negative"),
        ({"state": "red", "start_ms": 10, "end_ms": 10}, "not after"),
        ({"state": "red", "start_ms": "0", "end_ms": 10}, "must be a number"),
    ],
)
def test_bad_phase_is_named(item: dict, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        parse_signal_phases([item])


def test_empty_phases_are_refused() -> None:
    with pytest.raises(InvalidInput):
        parse_signal_phases([])


def test_timeline_from_samples_merges_runs() -> None:
    samples = [(0, "green"), (40, "green"), (80, "red"), (120, "red")]
    timeline = timeline_from_samples(samples, end_ms=160)
    assert [(p.state, p.start_ms, p.end_ms) for p in timeline.phases] == [
        ("green", 0, 80),
        ("red", 80, 160),
    ]
