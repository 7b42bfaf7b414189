"""The issuance policy and duplicate detection."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest

from rules.errors import InvalidInput
from rules.issuance import (
    Action,
    Decision,
    OffenceRef,
    Reason,
    Thresholds,
    ViolationFacts,
    decide,
    is_duplicate,
)
from rules.plates import plate_key, plate_key_or_none

CLEAN = ViolationFacts(
    rule="red_light",
    plate="AZU-290",
    plate_confidence=0.97,
    plate_pattern_valid=True,
    registry="found",
    evidence_complete=True,
    observed_class="car",
    observed_colour="white",
    registry_class="Motor Car",
    registry_colour="White",
    registry_make="Suzuki",
    registry_usage="private",
)


def reasons(facts: ViolationFacts, thresholds: Thresholds | None = None) -> set[str]:
    """Return the reasons the policy gives for `facts`."""
    return set(decide(facts, thresholds).reasons)


def test_clean_violation_is_issued_automatically():
    assert decide(CLEAN) == Decision(Action.AUTO_ISSUE, ())


def test_asf_813_read_as_asf_613_goes_to_review_never_issue():
    # The camera saw a white Honda motorcycle; the registry's ASF-613 is a silver Toyota car.
    misread = replace(
        CLEAN,
        plate="ASF-613",
        plate_confidence=0.95,
        observed_class="motorcycle",
        observed_colour="white",
        observed_make="Honda",
        registry_class="car",
        registry_colour="silver",
        registry_make="Toyota",
    )
    decision = decide(misread)
    assert decision.action is Action.REVIEW
    assert {Reason.CLASS_MISMATCH, Reason.COLOUR_MISMATCH, Reason.MAKE_MISMATCH} <= set(
        decision.reasons
    )


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"plate": None}, Reason.NO_PLATE),
        ({"plate": " - "}, Reason.NO_PLATE),
        ({"plate_confidence": 0.89}, Reason.LOW_PLATE_CONFIDENCE),
        ({"plate_pattern_valid": False}, Reason.INVALID_PLATE_PATTERN),
        ({"evidence_complete": False}, Reason.INCOMPLETE_EVIDENCE),
        ({"clock_drift": True}, Reason.DEVICE_CLOCK_DRIFT),
        ({"registry": "not_found"}, Reason.REGISTRY_NOT_FOUND),
        ({"observed_class": "jeep"}, Reason.CLASS_MISMATCH),
        ({"observed_colour": "red"}, Reason.COLOUR_MISMATCH),
        ({"observed_make": "Toyota"}, Reason.MAKE_MISMATCH),
        ({"observed_colour": None}, Reason.COLOUR_UNVERIFIED),
        ({"registry_colour": ""}, Reason.COLOUR_UNVERIFIED),
        ({"registration_expired": True}, Reason.REGISTRATION_EXPIRED),
        ({"rule": "no_helmet"}, Reason.RULE_NOT_FOR_CLASS),
    ],
)
def test_each_doubt_sends_the_violation_to_review_with_its_reason(change, reason):
    decision = decide(replace(CLEAN, **change))
    assert decision.action is Action.REVIEW
    assert reason in decision.reasons


def test_every_reason_is_reported_not_just_the_first():
    messy = replace(CLEAN, plate_confidence=0.5, evidence_complete=False, observed_colour="red")
    assert reasons(messy) == {
        Reason.LOW_PLATE_CONFIDENCE,
        Reason.INCOMPLETE_EVIDENCE,
        Reason.COLOUR_MISMATCH,
    }


def test_confidence_threshold_is_inclusive_and_configurable():
    assert decide(replace(CLEAN, plate_confidence=0.90)).action is Action.AUTO_ISSUE
    strict = Thresholds(min_plate_confidence=0.99)
    assert decide(CLEAN, strict).reasons == (Reason.LOW_PLATE_CONFIDENCE,)


@pytest.mark.parametrize(("observed", "registered"), [("grey", "Silver"), ("Off White", "white")])
def test_colour_groups_absorb_camera_colour_names(observed, registered):
    facts = replace(CLEAN, observed_colour=observed, registry_colour=registered)
    assert decide(facts).action is Action.AUTO_ISSUE


def test_colour_can_be_made_optional():
    facts = replace(CLEAN, observed_colour=None)
    assert decide(facts, Thresholds(require_colour=False)).action is Action.AUTO_ISSUE


def test_unknown_make_or_class_on_one_side_is_not_a_mismatch():
    facts = replace(CLEAN, observed_make=None, observed_class=None)
    assert decide(facts).action is Action.AUTO_ISSUE


def test_no_helmet_by_a_registered_motorcycle_is_issued():
    bike = replace(
        CLEAN, rule="no_helmet", observed_class="motorcycle", registry_class="Motor Cycle"
    )
    assert decide(bike).action is Action.AUTO_ISSUE


def test_a_rule_under_review_always_goes_to_an_officer_with_its_reason():
    bike = replace(
        CLEAN, rule="no_helmet", observed_class="motorcycle", registry_class="Motor Cycle"
    )
    cautious = Thresholds(review_rules=frozenset({"no_helmet"}))
    decision = decide(bike, cautious)
    assert decision.action is Action.REVIEW
    assert decision.reasons == (Reason.RULE_ALWAYS_REVIEWED.value,)
    assert decide(CLEAN, cautious).action is Action.AUTO_ISSUE  # other offences unaffected


FLOORS = Thresholds(min_offence_confidence={"wrong_way": 0.8, "no_helmet": 0.9})
WRONG_WAY = replace(CLEAN, rule="wrong_way", offence_confidence=0.95)


def test_offence_confidence_at_or_above_its_rule_floor_is_issued():
    assert decide(WRONG_WAY, FLOORS).action is Action.AUTO_ISSUE
    assert decide(replace(WRONG_WAY, offence_confidence=0.8), FLOORS).action is Action.AUTO_ISSUE


def test_offence_confidence_below_its_rule_floor_goes_to_review_with_its_reason():
    doubtful = replace(WRONG_WAY, offence_confidence=0.79)
    assert decide(doubtful, FLOORS) == Decision(
        Action.REVIEW, (Reason.LOW_OFFENCE_CONFIDENCE.value,)
    )


def test_floors_are_per_rule_and_rules_without_one_are_not_gated():
    bike = replace(
        CLEAN, rule="no_helmet", observed_class="motorcycle", registry_class="Motor Cycle"
    )
    assert decide(replace(bike, offence_confidence=0.85), FLOORS).reasons == (
        Reason.LOW_OFFENCE_CONFIDENCE.value,
    )
    # 0.85 clears wrong way's floor of 0.8; red light has no floor at all.
    assert decide(replace(WRONG_WAY, offence_confidence=0.85), FLOORS).action is Action.AUTO_ISSUE
    assert decide(replace(CLEAN, offence_confidence=0.1), FLOORS).action is Action.AUTO_ISSUE
    assert decide(replace(WRONG_WAY, offence_confidence=0.1)).action is Action.AUTO_ISSUE


def test_a_machine_finding_without_a_confidence_is_reviewed_where_its_rule_has_a_floor():
    unknown = replace(WRONG_WAY, offence_confidence=None)
    assert decide(unknown, FLOORS) == Decision(
        Action.REVIEW, (Reason.OFFENCE_CONFIDENCE_UNKNOWN.value,)
    )
    assert decide(replace(CLEAN, offence_confidence=None), FLOORS).action is Action.AUTO_ISSUE


def test_an_officers_field_record_carries_no_confidence_and_is_not_reviewed_for_it():
    field_record = replace(WRONG_WAY, offence_confidence=None, witnessed_by_officer=True)
    assert decide(field_record, FLOORS).action is Action.AUTO_ISSUE


def test_low_offence_confidence_is_reported_beside_the_other_reasons():
    messy = replace(WRONG_WAY, offence_confidence=0.5, plate_confidence=0.5)
    always = replace(FLOORS, review_rules=frozenset({"wrong_way"}))
    assert decide(messy, always).reasons == (
        Reason.LOW_PLATE_CONFIDENCE.value,
        Reason.LOW_OFFENCE_CONFIDENCE.value,
        Reason.RULE_ALWAYS_REVIEWED.value,
    )


def test_registry_down_waits_for_another_lookup_then_goes_to_review():
    down = replace(CLEAN, registry="unavailable", registry_class=None, registry_colour=None)
    assert decide(replace(down, lookup_attempts=1)) == Decision(
        Action.WAIT_LOOKUP, ("registry_unavailable",)
    )
    assert decide(replace(down, lookup_attempts=2)).action is Action.WAIT_LOOKUP
    final = decide(replace(down, lookup_attempts=3))
    assert final == Decision(Action.REVIEW, ("registry_unavailable",))


def test_registry_down_with_other_doubts_goes_straight_to_review():
    down = replace(CLEAN, registry="unavailable", plate_confidence=0.5)
    assert decide(down) == Decision(
        Action.REVIEW, (Reason.LOW_PLATE_CONFIDENCE, Reason.REGISTRY_UNAVAILABLE)
    )


def test_exempt_usage_goes_to_review_with_the_reason_recorded():
    ambulance = replace(CLEAN, registry_usage="Emergency")
    decision = decide(ambulance)
    assert decision.action is Action.REVIEW
    assert decision.reasons == ("exempt_vehicle: emergency vehicle (ambulance, fire, rescue)",)


def test_exempt_plate_list_is_configurable_and_ignores_separators():
    thresholds = Thresholds(exempt_plates={"AZU290": "Edhi ambulance, fleet list 2026"})
    assert decide(replace(CLEAN, plate="azu 290"), thresholds).reasons == (
        "exempt_vehicle: Edhi ambulance, fleet list 2026",
    )
    assert decide(replace(CLEAN, plate="AZU-291"), thresholds).action is Action.AUTO_ISSUE


@pytest.mark.parametrize(
    "thresholds",
    [
        {"min_plate_confidence": 1.5},
        {"max_lookup_attempts": 0},
        {"min_offence_confidence": {"wrong_way": 1.01}},
        {"min_offence_confidence": {"no_helmet": -0.1}},
        {"min_offence_confidence": {"no_helmet": float("nan")}},
    ],
)
def test_nonsense_thresholds_are_refused(thresholds):
    with pytest.raises(InvalidInput):
        Thresholds(**thresholds)


@pytest.mark.parametrize(
    "change",
    [
        {"plate_confidence": -0.1},
        {"registry": "maybe"},
        {"offence_confidence": 1.2},
        {"offence_confidence": float("nan")},
    ],
)
def test_nonsense_facts_are_refused(change):
    with pytest.raises(InvalidInput):
        decide(replace(CLEAN, **change))


PKT = timezone(timedelta(hours=5))
T0 = datetime(2026, 11, 23, 10, 15, tzinfo=PKT)
WINDOW = timedelta(minutes=2)


def offence(plate="AZU-290", rule="red_light", camera="KHI-0001", at=T0, ref=None) -> OffenceRef:
    """Return an offence with defaults that match the first one."""
    return OffenceRef(plate, rule, camera, at, ref)


def test_same_vehicle_rule_and_camera_within_window_is_a_duplicate():
    first = offence(ref=1)
    again = offence(plate="azu290", at=T0 + timedelta(seconds=40))
    assert is_duplicate(again, [first], WINDOW) is first


def test_window_edges_and_order_of_arrival():
    first = offence(ref=1)
    assert is_duplicate(offence(at=T0 + WINDOW), [first], WINDOW) is first
    assert is_duplicate(offence(at=T0 - WINDOW), [first], WINDOW) is first
    assert is_duplicate(offence(at=T0 + WINDOW + timedelta(seconds=1)), [first], WINDOW) is None


def test_same_instant_in_another_zone_is_the_same_offence():
    first = offence(ref=1)
    assert is_duplicate(offence(at=T0.astimezone(UTC)), [first], timedelta(0)) is first


@pytest.mark.parametrize(
    "other",
    [
        {"plate": "AZU-291"},
        {"rule": "wrong_way"},
        {"camera": "KHI-0002"},
    ],
)
def test_different_vehicle_rule_or_camera_is_not_a_duplicate(other):
    assert is_duplicate(offence(**other), [offence(ref=1)], WINDOW) is None


def test_the_earliest_match_is_returned():
    older, newer = offence(ref=1), offence(at=T0 + timedelta(seconds=30), ref=2)
    new = offence(at=T0 + timedelta(seconds=60))
    assert is_duplicate(new, [newer, older], WINDOW) is older


def test_no_plate_never_matches():
    assert is_duplicate(offence(plate="--"), [offence(plate="")], WINDOW) is None


def test_duplicate_refuses_naive_times_and_negative_windows():
    with pytest.raises(InvalidInput):
        is_duplicate(offence(at=datetime(2026, 1, 1)), [], WINDOW)
    with pytest.raises(InvalidInput):
        is_duplicate(offence(), [offence(at=datetime(2026, 1, 1))], WINDOW)
    with pytest.raises(InvalidInput):
        is_duplicate(offence(), [], -WINDOW)


def test_plate_key():
    assert plate_key("lea-13 2293") == "LEA132293"
    assert plate_key_or_none("--") is None and plate_key_or_none(None) is None
