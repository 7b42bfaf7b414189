"""Fine schedules as versioned data, and the fine for an offence at the moment it happened.

A schedule takes effect at 00:00 Asia/Karachi local time on its `effective_from` date and stays in
force until the next schedule's first local midnight. An offence is fined by the schedule in force
at its own instant (`occurred_at`, an aware datetime, converted to Karachi time), never by the one
in force when the challan is issued or reviewed. Pakistan has kept UTC+05:00 all year since 2009,
so the boundary is also a fixed UTC instant (19:00 UTC the day before).

Amounts are integer paisa (Rs 1 = 100 paisa). Each rate says whether its figure comes from the
public source (docs/DESIGN.md's domain facts) or is a documented assumption of ours where the source
names no figure for that vehicle class; assumed figures must be confirmed against the gazette
before going live, and `sourced=False` makes them easy to list.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from rules.errors import InvalidInput

try:
    from zoneinfo import ZoneInfo

    KARACHI = ZoneInfo("Asia/Karachi")
except Exception:  # noqa: BLE001 - no tz database: PKT has had no DST since 2009
    KARACHI = timezone(timedelta(hours=5), "PKT")


class VehicleClass(StrEnum):
    """Vehicle classes the schedules distinguish (jeep covers LTVs and SUVs)."""

    MOTORCYCLE = "motorcycle"
    CAR = "car"
    JEEP = "jeep"
    HEAVY = "heavy"


class Offence(StrEnum):
    """Offences a camera can prove."""

    RED_LIGHT = "red_light"
    WRONG_WAY = "wrong_way"
    NO_HELMET = "no_helmet"


# Names registries and detectors use for the same classes.
CLASS_ALIASES = MappingProxyType(
    {
        "motorcycle": VehicleClass.MOTORCYCLE,
        "motorbike": VehicleClass.MOTORCYCLE,
        "motor cycle": VehicleClass.MOTORCYCLE,
        "bike": VehicleClass.MOTORCYCLE,
        "rickshaw": VehicleClass.MOTORCYCLE,
        "car": VehicleClass.CAR,
        "motor car": VehicleClass.CAR,
        "jeep": VehicleClass.JEEP,
        "ltv": VehicleClass.JEEP,
        "suv": VehicleClass.JEEP,
        "heavy": VehicleClass.HEAVY,
        "htv": VehicleClass.HEAVY,
        "truck": VehicleClass.HEAVY,
        "bus": VehicleClass.HEAVY,
    }
)


@dataclass(frozen=True)
class Rate:
    """One fine: amount in paisa, and whether the figure is sourced or our assumption."""

    amount_paisa: int
    sourced: bool = True
    note: str = ""


@dataclass(frozen=True)
class FineSchedule:
    """A version of the fine table, in force from local midnight of `effective_from`."""

    version: str
    effective_from: date
    legal_basis: str
    rates: Mapping[tuple[Offence, VehicleClass], Rate]

    @property
    def starts_at(self) -> datetime:
        """Return the aware instant the schedule takes effect (00:00 Asia/Karachi)."""
        return datetime.combine(self.effective_from, datetime.min.time(), KARACHI)


@dataclass(frozen=True)
class Fine:
    """The fine for one offence, and which schedule and law it came from."""

    amount_paisa: int
    schedule_version: str
    legal_basis: str


def rupees(amount: int) -> int:
    """Return `amount` rupees in paisa."""
    return amount * 100


def _rates(table: Mapping[str, Mapping[str, Any]]) -> Mapping[tuple[Offence, VehicleClass], Rate]:
    """Build a rate table from {offence: {class: rupees or (rupees, note)}}; a note = assumed."""
    rates = {}
    for offence, by_class in table.items():
        for cls, figure in by_class.items():
            amount, note = figure if isinstance(figure, tuple) else (figure, "")
            rates[Offence(offence), VehicleClass(cls)] = Rate(rupees(amount), not note, note)
    return MappingProxyType(rates)


_MOTORCYCLE_ONLY = "the source gives a figure for motorcycles only"

KARACHI_2023 = FineSchedule(
    version="KHI-2023",
    # Assumed start: the source dates the schedule to 2023 without a day; no offence a camera
    # recorded before 2023 is in scope, so the first day of the year is a safe lower bound.
    effective_from=date(2023, 1, 1),
    legal_basis="Sindh Motor Vehicles Ordinance 1965, s.116 and Sixth Schedule (2023 fines)",
    rates=_rates(
        {
            "red_light": {
                "motorcycle": 500,
                "car": (500, "source gives Rs 500 without a class; applied to all"),
                "jeep": (500, "source gives Rs 500 without a class; applied to all"),
                "heavy": (500, "source gives Rs 500 without a class; applied to all"),
            },
            "wrong_way": {
                "motorcycle": 2_000,
                "car": (3_000, "source gives a 2,000-5,000 range; interpolated"),
                "jeep": (4_000, "source gives a 2,000-5,000 range; interpolated"),
                "heavy": 5_000,
            },
            "no_helmet": {"motorcycle": 500},
        }
    ),
)

KARACHI_2025 = FineSchedule(
    version="KHI-2025-TRACS",
    effective_from=date(2025, 10, 27),
    legal_basis="Sindh Motor Vehicles Ordinance 1965 as amended 2025, Sixth Schedule (TRACS)",
    rates=_rates(
        {
            "red_light": {
                "motorcycle": 5_000,
                "car": (10_000, _MOTORCYCLE_ONLY + "; assumed twice the motorcycle figure"),
                "jeep": (15_000, _MOTORCYCLE_ONLY + "; assumed, between car and heavy"),
                "heavy": (20_000, _MOTORCYCLE_ONLY + "; assumed, wrong-way ratio to car"),
            },
            "wrong_way": {
                "motorcycle": 25_000,
                "car": 30_000,
                "jeep": 50_000,
                "heavy": (100_000, "source says 'up to Rs 100,000'; the maximum is taken"),
            },
            # Rider and pillion alike; only a motorcycle can commit it.
            "no_helmet": {"motorcycle": 5_000},
        }
    ),
)

DEFAULT_SCHEDULES: tuple[FineSchedule, ...] = (KARACHI_2023, KARACHI_2025)


def to_vehicle_class(name: str | VehicleClass) -> VehicleClass:
    """Return the schedule class for a registry or detector class name, or raise InvalidInput."""
    found = CLASS_ALIASES.get(str(name).strip().lower())
    if found is None:
        raise InvalidInput(f"unknown vehicle class {name!r}", vehicle_class=str(name))
    return found


def to_offence(name: str | Offence) -> Offence:
    """Return the offence named `name`, or raise InvalidInput."""
    try:
        return Offence(str(name))
    except ValueError:
        raise InvalidInput(f"unknown offence {name!r}", rule=str(name)) from None


def schedule_in_force(
    occurred_at: datetime, schedules: Iterable[FineSchedule] = DEFAULT_SCHEDULES
) -> FineSchedule:
    """Return the schedule in force at the aware instant `occurred_at`."""
    if occurred_at.tzinfo is None or occurred_at.utcoffset() is None:
        raise InvalidInput("occurred_at must be timezone-aware", occurred_at=str(occurred_at))
    started = [s for s in schedules if s.starts_at <= occurred_at]
    if not started:
        raise InvalidInput(
            f"no fine schedule was in force at {occurred_at.isoformat()}",
            occurred_at=occurred_at.isoformat(),
        )
    return max(started, key=lambda s: s.effective_from)


def fine_for(
    rule: str | Offence,
    vehicle_class: str | VehicleClass,
    occurred_at: datetime,
    schedules: Iterable[FineSchedule] = DEFAULT_SCHEDULES,
) -> Fine:
    """Return the fine for `rule` by a vehicle of the given class at `occurred_at`."""
    what, cls = to_offence(rule), to_vehicle_class(vehicle_class)
    schedule = schedule_in_force(occurred_at, schedules)
    rate = schedule.rates.get((what, cls))
    if rate is None:
        raise InvalidInput(
            f"{what.value} does not apply to a {cls.value} under {schedule.version}",
            rule=what.value,
            vehicle_class=cls.value,
        )
    return Fine(rate.amount_paisa, schedule.version, schedule.legal_basis)


def assumed_rates(
    schedules: Iterable[FineSchedule] = DEFAULT_SCHEDULES,
) -> list[tuple[str, Offence, VehicleClass, Rate]]:
    """List every rate that is our assumption rather than a sourced figure."""
    return [
        (s.version, what, cls, rate)
        for s in schedules
        for (what, cls), rate in s.rates.items()
        if not rate.sourced
    ]


def schedule_to_dict(schedule: FineSchedule) -> dict[str, Any]:
    """Return a JSON-ready dict of `schedule` (for seeding a database or an API answer)."""
    return {
        "version": schedule.version,
        "effective_from": schedule.effective_from.isoformat(),
        "timezone": "Asia/Karachi",
        "legal_basis": schedule.legal_basis,
        "rates": [
            {"rule": what.value, "vehicle_class": cls.value, "amount_paisa": rate.amount_paisa}
            | {"sourced": rate.sourced, "note": rate.note}
            for (what, cls), rate in schedule.rates.items()
        ],
    }


def schedule_from_dict(data: Mapping[str, Any]) -> FineSchedule:
    """Build a schedule from `schedule_to_dict`'s shape, refusing malformed data."""
    try:
        rates = {
            (Offence(r["rule"]), VehicleClass(r["vehicle_class"])): _rate_from(r)
            for r in data["rates"]
        }
        return FineSchedule(
            version=str(data["version"]),
            effective_from=date.fromisoformat(data["effective_from"]),
            legal_basis=str(data["legal_basis"]),
            rates=MappingProxyType(rates),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidInput(f"malformed fine schedule: {exc}") from None


def _rate_from(row: Mapping[str, Any]) -> Rate:
    """Build one rate from a dict row, refusing non-positive or non-integer amounts."""
    amount = row["amount_paisa"]
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        raise ValueError(f"amount_paisa must be a positive integer, got {amount!r}")
    return Rate(amount, bool(row.get("sourced", True)), str(row.get("note", "")))


def to_karachi(moment: datetime) -> datetime:
    """Return the aware `moment` in Asia/Karachi local time."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidInput("a timezone-aware datetime is required", moment=str(moment))
    return moment.astimezone(KARACHI)
