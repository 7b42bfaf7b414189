"""The issuance policy: when a machine may issue a challan alone, and one offence, one challan.

A violation is issued automatically only when every check passes; any doubt sends it to police
review with every reason found (not just the first), so the reviewer sees the whole picture and
the decision row records it. The one exception is a registry that did not answer: when nothing
else is wrong the violation waits for another look-up (`wait_lookup`) instead of burdening a
reviewer, until `Thresholds.max_lookup_attempts` is reached.

The guiding case is the wrong challan of `ASF-813` read as `ASF-613`: the registry's make and
colour for ASF-613 did not match the vehicle in the image. A registry answer that disagrees with
what the camera saw (class, colour, make) is therefore always a review reason, never noise.
Colour names are compared through equivalence groups, because cameras see grey where registries
write silver; a colour unknown on either side is a review reason when `require_colour` is set.

A camera's finding carries the detector's confidence in the offence itself (1.0 for a red light,
which is geometry against a signal timeline; the cosine against the approach for wrong way; the
mean P(no helmet) for no helmet). An offence with a floor in `min_offence_confidence` is reviewed
when its confidence is below the floor, and also when a machine finding carries no confidence at
all (`offence_confidence_unknown`: e.g. a row recorded before confidences were stored), because
an unmeasured offence is not a confident one. An officer's field record (`witnessed_by_officer`)
has no machine confidence and is never reviewed for that.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from types import MappingProxyType

from rules.errors import InvalidInput
from rules.plates import plate_key_or_none

_NOT_PLATE = re.compile(r"[^A-Z0-9]")


class Action(StrEnum):
    """What to do with a violation."""

    AUTO_ISSUE = "auto_issue"
    REVIEW = "review"
    WAIT_LOOKUP = "wait_lookup"


class RegistryAnswer(StrEnum):
    """What the registry said about the plate."""

    FOUND = "found"
    NOT_FOUND = "not_found"
    UNAVAILABLE = "unavailable"


class Reason(StrEnum):
    """Why a violation is not issued automatically (stable codes for filters and reports)."""

    NO_PLATE = "no_plate"
    LOW_PLATE_CONFIDENCE = "low_plate_confidence"
    INVALID_PLATE_PATTERN = "invalid_plate_pattern"
    INCOMPLETE_EVIDENCE = "incomplete_evidence"
    DEVICE_CLOCK_DRIFT = "device_clock_drift"
    REGISTRY_UNAVAILABLE = "registry_unavailable"
    REGISTRY_NOT_FOUND = "registry_not_found"
    CLASS_MISMATCH = "registry_class_mismatch"
    COLOUR_MISMATCH = "registry_colour_mismatch"
    MAKE_MISMATCH = "registry_make_mismatch"
    COLOUR_UNVERIFIED = "colour_unverified"
    RULE_NOT_FOR_CLASS = "rule_not_for_class"
    REGISTRATION_EXPIRED = "registration_expired"
    EXEMPT = "exempt_vehicle"
    RULE_ALWAYS_REVIEWED = "rule_always_reviewed"
    LOW_OFFENCE_CONFIDENCE = "low_offence_confidence"
    OFFENCE_CONFIDENCE_UNKNOWN = "offence_confidence_unknown"


DEFAULT_COLOUR_GROUPS: tuple[frozenset[str], ...] = (
    frozenset({"grey", "gray", "silver", "graphite", "metallic grey"}),
    frozenset({"white", "off white", "off-white", "pearl white", "cream"}),
    frozenset({"black", "jet black"}),
    frozenset({"red", "maroon", "burgundy", "wine"}),
    frozenset({"blue", "navy", "navy blue", "dark blue"}),
    frozenset({"green", "dark green", "olive"}),
    frozenset({"brown", "beige", "golden", "gold", "bronze"}),
)

# Names registries and detectors use for the classes the law distinguishes.
DEFAULT_CLASS_ALIASES = MappingProxyType(
    {
        "motorcycle": "motorcycle",
        "motorbike": "motorcycle",
        "motor cycle": "motorcycle",
        "car": "car",
        "motor car": "car",
        "jeep": "jeep",
        "ltv": "jeep",
        "suv": "jeep",
        "heavy": "heavy",
        "htv": "heavy",
        "truck": "heavy",
        "bus": "heavy",
    }
)

# Offences that only some classes can commit.
RULE_CLASSES = MappingProxyType({"no_helmet": frozenset({"motorcycle"})})


@dataclass(frozen=True)
class Thresholds:
    """The policy's configuration; `exempt_plates` and `exempt_usages` map to a reason."""

    min_plate_confidence: float = 0.90
    max_lookup_attempts: int = 3
    require_colour: bool = True
    exempt_plates: Mapping[str, str] = field(default_factory=dict)
    exempt_usages: Mapping[str, str] = field(
        default_factory=lambda: {"emergency": "emergency vehicle (ambulance, fire, rescue)"}
    )
    colour_groups: tuple[frozenset[str], ...] = DEFAULT_COLOUR_GROUPS
    class_aliases: Mapping[str, str] = field(default_factory=lambda: DEFAULT_CLASS_ALIASES)
    # Offences a human must confirm whatever the plate and registry say (e.g. while the
    # detector for that offence is not trusted on its own).
    review_rules: frozenset[str] = frozenset()
    # The least offence confidence a machine finding needs to be issued alone, per rule; rules
    # not listed have no floor.
    min_offence_confidence: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        """Refuse a configuration that cannot mean anything."""
        if not 0.0 <= self.min_plate_confidence <= 1.0:
            raise InvalidInput(f"min_plate_confidence must be 0..1: {self.min_plate_confidence}")
        if self.max_lookup_attempts < 1:
            raise InvalidInput(f"max_lookup_attempts must be >= 1: {self.max_lookup_attempts}")
        for rule, floor in self.min_offence_confidence.items():
            if not 0.0 <= floor <= 1.0:  # also refuses NaN
                raise InvalidInput(f"min_offence_confidence for {rule} must be 0..1: {floor}")


@dataclass(frozen=True)
class ViolationFacts:
    """What is known about one violation when the policy runs (None = not known)."""

    rule: str
    plate: str | None
    plate_confidence: float
    plate_pattern_valid: bool
    registry: RegistryAnswer | str
    evidence_complete: bool
    clock_drift: bool = False
    lookup_attempts: int = 1
    observed_class: str | None = None
    observed_colour: str | None = None
    observed_make: str | None = None
    registry_class: str | None = None
    registry_colour: str | None = None
    registry_make: str | None = None
    registry_usage: str | None = None
    registration_expired: bool = False
    offence_confidence: float | None = None
    witnessed_by_officer: bool = False


@dataclass(frozen=True)
class Decision:
    """The policy's answer and every reason behind it (empty reasons: auto-issue)."""

    action: Action
    reasons: tuple[str, ...] = ()


def decide(facts: ViolationFacts, thresholds: Thresholds | None = None) -> Decision:
    """Return whether to issue `facts` automatically, send it to review, or look up again."""
    _check_confidences(facts)
    thresholds = thresholds or Thresholds()
    reasons = [
        *_read_reasons(facts, thresholds),
        *_evidence_reasons(facts),
        *_offence_reasons(facts, thresholds),
    ]
    if facts.rule in thresholds.review_rules:
        reasons.append(Reason.RULE_ALWAYS_REVIEWED)
    registry = _answer(facts.registry)
    if registry is RegistryAnswer.FOUND:
        reasons += _registry_reasons(facts, thresholds)
    elif registry is RegistryAnswer.NOT_FOUND:
        reasons.append(Reason.REGISTRY_NOT_FOUND)
    elif reasons or facts.lookup_attempts >= thresholds.max_lookup_attempts:
        reasons.append(Reason.REGISTRY_UNAVAILABLE)
    else:
        return Decision(Action.WAIT_LOOKUP, (Reason.REGISTRY_UNAVAILABLE.value,))
    if reasons:
        return Decision(Action.REVIEW, tuple(str(r) for r in reasons))
    return Decision(Action.AUTO_ISSUE)


def _check_confidences(facts: ViolationFacts) -> None:
    """Refuse a confidence outside 0..1 (an unknown offence confidence is allowed)."""
    if not 0.0 <= facts.plate_confidence <= 1.0:
        raise InvalidInput(f"plate_confidence must be 0..1: {facts.plate_confidence}")
    offence = facts.offence_confidence
    if offence is not None and not 0.0 <= offence <= 1.0:
        raise InvalidInput(f"offence_confidence must be 0..1: {offence}")


def _answer(value: RegistryAnswer | str) -> RegistryAnswer:
    """Coerce the registry answer, refusing unknown ones."""
    try:
        return RegistryAnswer(value)
    except ValueError:
        raise InvalidInput(f"unknown registry answer {value!r}") from None


def _read_reasons(facts: ViolationFacts, thresholds: Thresholds) -> list[str]:
    """Return the reasons to doubt the plate read."""
    if not facts.plate or not _NOT_PLATE.sub("", facts.plate.upper()):
        return [Reason.NO_PLATE]
    reasons: list[str] = []
    if facts.plate_confidence < thresholds.min_plate_confidence:
        reasons.append(Reason.LOW_PLATE_CONFIDENCE)
    if not facts.plate_pattern_valid:
        reasons.append(Reason.INVALID_PLATE_PATTERN)
    exemption = thresholds.exempt_plates.get(plate_key_or_none(facts.plate) or "")
    if exemption:
        reasons.append(f"{Reason.EXEMPT}: {exemption}")
    return reasons


def _evidence_reasons(facts: ViolationFacts) -> list[str]:
    """Return the reasons the evidence cannot stand on its own."""
    reasons: list[str] = []
    if not facts.evidence_complete:
        reasons.append(Reason.INCOMPLETE_EVIDENCE)
    if facts.clock_drift:
        reasons.append(Reason.DEVICE_CLOCK_DRIFT)
    return reasons


def _offence_reasons(facts: ViolationFacts, thresholds: Thresholds) -> list[str]:
    """Return the reason to doubt that the offence happened, if its rule has a floor."""
    floor = thresholds.min_offence_confidence.get(facts.rule)
    if floor is None or facts.witnessed_by_officer:
        return []
    if facts.offence_confidence is None:
        return [Reason.OFFENCE_CONFIDENCE_UNKNOWN]
    return [Reason.LOW_OFFENCE_CONFIDENCE] if facts.offence_confidence < floor else []


def _registry_reasons(facts: ViolationFacts, thresholds: Thresholds) -> list[str]:
    """Return the reasons the registry's vehicle may not be the one the camera saw."""
    reasons: list[str] = []
    registry_class = _class(facts.registry_class, thresholds)
    observed_class = _class(facts.observed_class, thresholds)
    if registry_class and observed_class and registry_class != observed_class:
        reasons.append(Reason.CLASS_MISMATCH)
    allowed = RULE_CLASSES.get(facts.rule)
    if allowed and registry_class and registry_class not in allowed:
        reasons.append(Reason.RULE_NOT_FOR_CLASS)
    reasons += _colour_reasons(facts, thresholds)
    if _differs(facts.observed_make, facts.registry_make):
        reasons.append(Reason.MAKE_MISMATCH)
    if facts.registration_expired:
        reasons.append(Reason.REGISTRATION_EXPIRED)
    usage = thresholds.exempt_usages.get(_norm(facts.registry_usage))
    if usage:
        reasons.append(f"{Reason.EXEMPT}: {usage}")
    return reasons


def _colour_reasons(facts: ViolationFacts, thresholds: Thresholds) -> list[str]:
    """Return the colour reason, if any: a mismatch, or a colour unknown when one is required."""
    observed, registered = _norm(facts.observed_colour), _norm(facts.registry_colour)
    if not observed or not registered:
        return [Reason.COLOUR_UNVERIFIED] if thresholds.require_colour else []
    if observed == registered:
        return []
    same_group = any(observed in g and registered in g for g in thresholds.colour_groups)
    return [] if same_group else [Reason.COLOUR_MISMATCH]


def _class(name: str | None, thresholds: Thresholds) -> str | None:
    """Return the law's class for a class name (unknown names are kept as given)."""
    key = _norm(name)
    return thresholds.class_aliases.get(key, key) or None


def _differs(observed: str | None, registered: str | None) -> bool:
    """Tell whether two known names differ (unknown on either side: no evidence either way)."""
    a, b = _norm(observed), _norm(registered)
    return bool(a and b and a != b)


def _norm(text: str | None) -> str:
    """Return `text` lower-cased with single spaces ('' for None)."""
    return " ".join((text or "").lower().split())


@dataclass(frozen=True)
class OffenceRef:
    """One offence as duplicate detection sees it; `ref` is the caller's id (e.g. challan id)."""

    plate: str
    rule: str
    camera_id: str
    occurred_at: datetime
    ref: object = None


def is_duplicate(
    new: OffenceRef, existing: Iterable[OffenceRef], window: timedelta
) -> OffenceRef | None:
    """Return the earliest existing offence that `new` repeats, or None.

    Same vehicle (plate ignoring case and separators), same rule, same camera, and occurred
    within `window` of each other (either side: clips may arrive out of order).
    """
    _check_aware(new.occurred_at)
    if window < timedelta(0):
        raise InvalidInput("duplicate window must not be negative")
    key = plate_key_or_none(new.plate)
    if key is None:
        return None
    matches = [
        old
        for old in existing
        if plate_key_or_none(old.plate) == key
        and old.rule == new.rule
        and old.camera_id == new.camera_id
        and abs(_check_aware(old.occurred_at) - new.occurred_at) <= window
    ]
    return min(matches, key=lambda old: old.occurred_at, default=None)


def _check_aware(moment: datetime) -> datetime:
    """Return `moment`, refusing a naive datetime."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidInput("offence times must be timezone-aware", occurred_at=str(moment))
    return moment
