"""Plate keys, record validity and the in-memory registry."""

from __future__ import annotations

from datetime import date

import pytest

from integrations.registry import InMemoryRegistry, VehicleNotFound, VehicleRegistry, plate_key
from integrations.registry.base import RegistrationStatus, RegistryUnavailable
from rules.errors import InvalidInput, NotFound, Unavailable
from tests.unit.integrations.records import make_record


@pytest.mark.parametrize(
    ("plate", "key"),
    [
        ("AZU-290", "AZU290"),
        ("azu 290", "AZU290"),
        (" LEA-13-2293 ", "LEA132293"),
        ("lea.13/2293", "LEA132293"),
        ("TD-483C", "TD483C"),
        ("R_8501", "R8501"),
    ],
)
def test_plate_key_ignores_separators_and_case(plate: str, key: str) -> None:
    assert plate_key(plate) == key


@pytest.mark.parametrize("plate", ["", "  -- ", "ABC#123", "<script>", "A" * 13, "ÄBC-123"])
def test_plate_key_refuses_what_cannot_be_a_plate(plate: str) -> None:
    with pytest.raises(InvalidInput):
        plate_key(plate)


def test_plate_key_refuses_non_strings() -> None:
    with pytest.raises(InvalidInput):
        plate_key(1234)  # type: ignore[arg-type]


def test_registration_validity_follows_status_and_expiry() -> None:
    assert make_record().is_registration_valid(date(2026, 11, 23))
    dated = make_record(registration_expiry=date(2026, 1, 31))
    assert dated.is_registration_valid(date(2026, 1, 31))
    assert not dated.is_registration_valid(date(2026, 2, 1))
    expired = make_record(registration_status=RegistrationStatus.EXPIRED)
    assert not expired.is_registration_valid(date(2000, 1, 1))


def test_errors_are_domain_errors_with_their_reason() -> None:
    assert isinstance(VehicleNotFound("ASF813"), NotFound)
    unavailable = RegistryUnavailable("read timeout")
    assert isinstance(unavailable, Unavailable)
    assert unavailable.reason == "read timeout"


def test_memory_registry_finds_by_any_spelling() -> None:
    registry = InMemoryRegistry([make_record(), make_record(registration_number="LEA-13-2293")])
    assert isinstance(registry, VehicleRegistry)
    assert registry.lookup("asf 813").make == "Suzuki"
    assert registry.lookup("LEA132293").registration_number == "LEA-13-2293"
    assert len(registry) == 2


def test_memory_registry_reports_unknown_and_removed_plates() -> None:
    registry = InMemoryRegistry([make_record()])
    with pytest.raises(VehicleNotFound) as caught:
        registry.lookup("ASF-613")
    assert caught.value.plate == "ASF613"
    registry.remove("ASF-813")
    with pytest.raises(VehicleNotFound):
        registry.lookup("ASF-813")


def test_memory_registry_from_the_simulators_seed() -> None:
    registry = InMemoryRegistry.from_seed()
    assert len(registry) == 300
    assert registry.lookup("ASF-813").colour == "White"
    assert registry.lookup("asf613").vehicle_class == "motorcycle"
