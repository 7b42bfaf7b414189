"""Fine schedules: amounts, versions, and the boundaries between schedules in Karachi time."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from rules.errors import InvalidInput
from rules.fines import (
    DEFAULT_SCHEDULES,
    KARACHI,
    KARACHI_2023,
    KARACHI_2025,
    FineSchedule,
    assumed_rates,
    fine_for,
    schedule_from_dict,
    schedule_in_force,
    schedule_to_dict,
    to_karachi,
    to_vehicle_class,
)

PKT = timezone(timedelta(hours=5))
# The 2025 schedule starts at 00:00 on 27 Oct 2025 in Karachi, which is 19:00 UTC on the 26th.
BOUNDARY_UTC = datetime(2025, 10, 26, 19, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("rule", "cls", "rupees"),
    [
        ("no_helmet", "motorcycle", 5_000),
        ("red_light", "motorcycle", 5_000),
        ("wrong_way", "motorcycle", 25_000),
        ("wrong_way", "car", 30_000),
        ("wrong_way", "jeep", 50_000),
        ("wrong_way", "heavy", 100_000),
    ],
)
def test_2025_sourced_figures(rule, cls, rupees):
    fine = fine_for(rule, cls, datetime(2026, 11, 23, 10, 15, tzinfo=PKT))
    assert fine.amount_paisa == rupees * 100
    assert fine.schedule_version == "KHI-2025-TRACS"
    assert "Sindh Motor Vehicles" in fine.legal_basis


@pytest.mark.parametrize(
    ("rule", "cls", "rupees"),
    [
        ("red_light", "motorcycle", 500),
        ("no_helmet", "motorcycle", 500),
        ("wrong_way", "motorcycle", 2_000),
        ("wrong_way", "heavy", 5_000),
    ],
)
def test_2023_sourced_figures(rule, cls, rupees):
    fine = fine_for(rule, cls, datetime(2024, 6, 1, 12, 0, tzinfo=PKT))
    assert (fine.amount_paisa, fine.schedule_version) == (rupees * 100, "KHI-2023")


def test_one_second_before_the_boundary_uses_2023():
    fine = fine_for("wrong_way", "car", BOUNDARY_UTC - timedelta(seconds=1))
    assert fine.schedule_version == "KHI-2023"


def test_the_boundary_instant_uses_2025():
    fine = fine_for("wrong_way", "car", BOUNDARY_UTC)
    assert (fine.schedule_version, fine.amount_paisa) == ("KHI-2025-TRACS", 3_000_000)


def test_boundary_is_karachi_midnight_whatever_zone_the_time_is_given_in():
    new_york = timezone(timedelta(hours=-4))
    late_on_26th_there = datetime(2025, 10, 26, 15, 0, tzinfo=new_york)  # 00:00 PKT on the 27th
    assert fine_for("red_light", "motorcycle", late_on_26th_there).amount_paisa == 500_000
    evening_utc_26th = datetime(2025, 10, 26, 18, 59, 59, tzinfo=UTC)  # 23:59:59 PKT
    assert fine_for("red_light", "motorcycle", evening_utc_26th).amount_paisa == 50_000


def test_starts_at_is_local_midnight():
    assert KARACHI_2025.starts_at == BOUNDARY_UTC
    assert KARACHI_2025.starts_at.astimezone(KARACHI).hour == 0


def test_offence_before_any_schedule_is_refused():
    with pytest.raises(InvalidInput, match="no fine schedule"):
        fine_for("red_light", "car", datetime(2022, 12, 31, 23, 59, tzinfo=PKT))
    assert fine_for("red_light", "car", datetime(2023, 1, 1, 0, 0, tzinfo=PKT)).amount_paisa


def test_naive_datetime_is_refused():
    with pytest.raises(InvalidInput, match="timezone-aware"):
        fine_for("red_light", "car", datetime(2026, 1, 1, 12, 0))


@pytest.mark.parametrize("cls", ["car", "jeep", "heavy"])
def test_no_helmet_applies_only_to_motorcycles(cls):
    with pytest.raises(InvalidInput, match="does not apply"):
        fine_for("no_helmet", cls, datetime(2026, 1, 1, tzinfo=PKT))


@pytest.mark.parametrize(("rule", "cls"), [("speeding", "car"), ("red_light", "boat")])
def test_unknown_rule_or_class_is_invalid(rule, cls):
    with pytest.raises(InvalidInput):
        fine_for(rule, cls, datetime(2026, 1, 1, tzinfo=PKT))


@pytest.mark.parametrize(
    ("name", "expected"), [("LTV", "jeep"), (" Motor Cycle ", "motorcycle"), ("Bus", "heavy")]
)
def test_class_aliases(name, expected):
    assert to_vehicle_class(name) == expected


def test_every_rate_is_a_positive_integer_of_whole_rupees():
    for schedule in DEFAULT_SCHEDULES:
        for rate in schedule.rates.values():
            assert isinstance(rate.amount_paisa, int) and rate.amount_paisa > 0
            assert rate.amount_paisa % 100 == 0


def test_assumed_rates_are_marked_with_a_reason():
    assumed = assumed_rates()
    assert assumed and all(rate.note for *_, rate in assumed)
    keys = {(version, what.value, cls.value) for version, what, cls, _ in assumed}
    assert ("KHI-2025-TRACS", "red_light", "car") in keys
    assert ("KHI-2025-TRACS", "wrong_way", "car") not in keys


def test_2025_fines_are_never_lower_than_2023():
    for key, new in KARACHI_2025.rates.items():
        assert new.amount_paisa >= KARACHI_2023.rates[key].amount_paisa


def test_custom_schedules_and_latest_wins():
    later = FineSchedule("KHI-2027", date(2027, 1, 1), "test basis", KARACHI_2025.rates)
    schedules = (*DEFAULT_SCHEDULES, later)
    at = datetime(2027, 1, 1, 0, 0, tzinfo=PKT)
    assert schedule_in_force(at, schedules).version == "KHI-2027"
    assert schedule_in_force(at - timedelta(microseconds=1), schedules).version == "KHI-2025-TRACS"


def test_schedule_round_trips_through_a_dict():
    again = schedule_from_dict(schedule_to_dict(KARACHI_2025))
    assert again.version == KARACHI_2025.version
    assert again.effective_from == KARACHI_2025.effective_from
    assert dict(again.rates) == dict(KARACHI_2025.rates)


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d.pop("version"),
        lambda d: d.update(effective_from="27/10/2025"),
        lambda d: d["rates"][0].update(amount_paisa=-5),
        lambda d: d["rates"][0].update(amount_paisa=12.5),
        lambda d: d["rates"][0].update(rule="speeding"),
    ],
)
def test_malformed_schedule_dict_is_refused(mutate):
    data = schedule_to_dict(KARACHI_2025)
    mutate(data)
    with pytest.raises(InvalidInput):
        schedule_from_dict(data)


def test_to_karachi():
    assert to_karachi(BOUNDARY_UTC).isoformat() == "2025-10-27T00:00:00+05:00"
    with pytest.raises(InvalidInput):
        to_karachi(datetime(2025, 1, 1))


def test_keyword_call_as_the_services_make_it():
    fine = fine_for(
        rule="wrong_way",
        vehicle_class="jeep",
        occurred_at=datetime(2026, 1, 1, tzinfo=PKT),
        schedules=DEFAULT_SCHEDULES,
    )
    assert fine.amount_paisa == 5_000_000
