"""What the excise registry knows about a vehicle, and the interface every client honours."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Protocol, runtime_checkable

from rules.errors import NotFound, Unavailable
from rules.plates import plate_key as plate_key  # re-exported: records are keyed by it


class VehicleClass(StrEnum):
    """The class of vehicle the fine schedule distinguishes."""

    MOTORCYCLE = "motorcycle"
    CAR = "car"
    JEEP = "jeep"
    HEAVY = "heavy"


class Usage(StrEnum):
    """What the vehicle is registered for; emergency vehicles may be exempt."""

    PRIVATE = "private"
    COMMERCIAL = "commercial"
    GOVERNMENT = "government"
    EMERGENCY = "emergency"


class RegistrationStatus(StrEnum):
    """The registration's standing in the excise record."""

    ACTIVE = "active"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


class TokenTaxStatus(StrEnum):
    """Whether the annual token tax is paid up."""

    PAID = "paid"
    UNPAID = "unpaid"


@dataclass(frozen=True, slots=True)
class VehicleRecord:
    """One vehicle as printed on a Pakistani registration card."""

    registration_number: str
    province: str
    owner_name: str
    owner_cnic: str
    owner_phone: str | None
    owner_address: str
    make: str
    model: str
    colour: str
    year: int
    engine_cc: int
    chassis_number: str
    engine_number: str
    vehicle_class: VehicleClass
    usage: Usage
    registration_date: date
    registration_status: RegistrationStatus
    registration_expiry: date | None
    token_tax_status: TokenTaxStatus
    token_tax_paid_up_to: date | None

    @property
    def plate_key(self) -> str:
        """Return the registration number without separators, for comparisons."""
        return plate_key(self.registration_number)

    def is_registration_valid(self, on: date) -> bool:
        """Tell whether the registration is in force on the given day."""
        if self.registration_status is not RegistrationStatus.ACTIVE:
            return False
        return self.registration_expiry is None or on <= self.registration_expiry


class VehicleNotFound(NotFound):
    """The registry answered, and it has no vehicle with that plate."""

    title = "Vehicle not found in the registry"

    def __init__(self, plate: str) -> None:
        super().__init__(f"no registered vehicle with plate {plate}", plate=plate)
        self.plate = plate


class RegistryUnavailable(Unavailable):
    """The registry gave no usable answer (down, slow, refusing, or sending garbage)."""

    title = "Vehicle registry unavailable"

    def __init__(self, reason: str) -> None:
        super().__init__(f"vehicle registry unavailable: {reason}", reason=reason)
        self.reason = reason


@runtime_checkable
class VehicleRegistry(Protocol):
    """Anything that can answer 'who owns this plate?'."""

    def lookup(self, plate: str) -> VehicleRecord:
        """Return the vehicle; raise VehicleNotFound or RegistryUnavailable."""
        ...
