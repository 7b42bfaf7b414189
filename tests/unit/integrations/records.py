"""Builders shared by the integration-layer tests."""

from __future__ import annotations

from datetime import date
from typing import Any

from integrations.registry.base import (
    RegistrationStatus,
    TokenTaxStatus,
    Usage,
    VehicleClass,
    VehicleRecord,
)


def make_record(**overrides: Any) -> VehicleRecord:
    """Return a valid record (a white Mehran, ASF-813) with some fields replaced."""
    fields: dict[str, Any] = {
        "registration_number": "ASF-813",
        "province": "Sindh",
        "owner_name": "Rabia Rajput",
        "owner_cnic": "4210190484754",
        "owner_phone": "03351489943",
        "owner_address": "House No. 194, Street 13, Clifton Block 5, Karachi",
        "make": "Suzuki",
        "model": "Mehran VXR",
        "colour": "White",
        "year": 2014,
        "engine_cc": 796,
        "chassis_number": "SB308-1238863",
        "engine_number": "F8B-105810",
        "vehicle_class": VehicleClass.CAR,
        "usage": Usage.PRIVATE,
        "registration_date": date(2015, 8, 6),
        "registration_status": RegistrationStatus.ACTIVE,
        "registration_expiry": None,
        "token_tax_status": TokenTaxStatus.PAID,
        "token_tax_paid_up_to": date(2027, 6, 30),
    }
    fields.update(overrides)
    return VehicleRecord(**fields)


class FakeClock:
    """A monotonic clock that only moves when told to."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        """Return the current fake time."""
        return self.now

    def advance(self, seconds: float) -> None:
        """Move time forward."""
        self.now += seconds
