"""Validation of registry payloads: anything off is refused, never half-read."""

from __future__ import annotations

from typing import Any

import pytest
from marshmallow import ValidationError

from integrations.registry.base import VehicleClass
from integrations.registry.schemas import dump_vehicle, load_vehicle
from tests.unit.integrations.records import make_record


def wire(**overrides: Any) -> dict[str, Any]:
    """Return a valid wire payload with some fields replaced."""
    return {**dump_vehicle(make_record()), **overrides}


def test_round_trip_keeps_every_field() -> None:
    record = make_record(owner_phone=None, vehicle_class=VehicleClass.MOTORCYCLE)
    assert load_vehicle(dump_vehicle(record)) == record


def test_unknown_fields_are_ignored() -> None:
    assert load_vehicle(wire(fitness_certificate="FC-1")) == make_record()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("year", "2014"),
        ("year", 2014.5),
        ("year", True),
        ("engine_cc", "796 cc"),
        ("owner_cnic", 4210190484754),
        ("owner_cnic", "42101-9048475-4"),
        ("owner_phone", "021-1234567"),
        ("registration_date", "06/08/2015"),
        ("registration_date", 20150806),
        ("vehicle_class", "bus"),
        ("usage", "diplomatic"),
        ("province", "Texas"),
        ("registration_number", "ASF 813!"),
        ("registration_number", None),
        ("make", ""),
        ("owner_address", "x" * 301),
    ],
)
def test_wrong_types_and_values_are_refused(field: str, value: object) -> None:
    with pytest.raises(ValidationError) as caught:
        load_vehicle(wire(**{field: value}))
    assert field in caught.value.messages


@pytest.mark.parametrize("field", ["make", "owner_cnic", "registration_expiry", "token_tax_status"])
def test_missing_fields_are_refused_even_nullable_ones(field: str) -> None:
    payload = wire()
    del payload[field]
    with pytest.raises(ValidationError):
        load_vehicle(payload)


@pytest.mark.parametrize("payload", [[wire()], "ASF-813", None, 42])
def test_non_objects_are_refused(payload: object) -> None:
    with pytest.raises(ValidationError):
        load_vehicle(payload)
