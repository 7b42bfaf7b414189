"""The registry's JSON wire format, validated with marshmallow at the edge."""

from __future__ import annotations

from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, post_load, validate

from integrations.registry.base import (
    RegistrationStatus,
    TokenTaxStatus,
    Usage,
    VehicleClass,
    VehicleRecord,
)

PROVINCES = (
    "Sindh",
    "Punjab",
    "Islamabad",
    "Khyber Pakhtunkhwa",
    "Balochistan",
    "Gilgit-Baltistan",
    "Azad Kashmir",
)
_PLATE = validate.Regexp(r"^[A-Z0-9]+(?:[- ][A-Z0-9]+)*$", error="not a plate in display form")
_CNIC = validate.Regexp(r"^\d{13}$", error="CNIC must be 13 digits")
_PHONE = validate.Regexp(r"^(?:\+92|0)3\d{9}$", error="not a Pakistani mobile number")


def _text(max_len: int = 80, **kwargs: Any) -> fields.String:
    """Return a required, non-empty, bounded string field."""
    return fields.String(required=True, validate=validate.Length(1, max_len), **kwargs)


def _enum(enum: type) -> fields.Enum:
    """Return a required enum field carried by value on the wire."""
    return fields.Enum(enum, by_value=True, required=True)


class VehicleSchema(Schema):
    """One vehicle record; unknown fields are ignored so the registry may add some."""

    class Meta:
        unknown = EXCLUDE

    registration_number = fields.String(required=True, validate=[validate.Length(1, 16), _PLATE])
    province = fields.String(required=True, validate=validate.OneOf(PROVINCES))
    owner_name = _text(120)
    owner_cnic = fields.String(required=True, validate=_CNIC)
    owner_phone = fields.String(required=True, allow_none=True, validate=_PHONE)
    owner_address = _text(300)
    make = _text(40)
    model = _text(60)
    colour = _text(40)
    year = fields.Integer(required=True, strict=True, validate=validate.Range(1940, 2100))
    engine_cc = fields.Integer(required=True, strict=True, validate=validate.Range(40, 30_000))
    chassis_number = _text(40)
    engine_number = _text(40)
    vehicle_class = _enum(VehicleClass)
    usage = _enum(Usage)
    registration_date = fields.Date(required=True)
    registration_status = _enum(RegistrationStatus)
    registration_expiry = fields.Date(required=True, allow_none=True)
    token_tax_status = _enum(TokenTaxStatus)
    token_tax_paid_up_to = fields.Date(required=True, allow_none=True)

    @post_load
    def _make_record(self, data: dict[str, Any], **_: Any) -> VehicleRecord:
        """Build the domain value from validated data."""
        return VehicleRecord(**data)


VEHICLE_SCHEMA = VehicleSchema()


def load_vehicle(payload: object) -> VehicleRecord:
    """Validate a decoded JSON payload; raise ValidationError describing what is wrong."""
    if not isinstance(payload, dict):
        raise ValidationError(f"expected a JSON object, got {type(payload).__name__}")
    return VEHICLE_SCHEMA.load(payload)


def dump_vehicle(record: VehicleRecord) -> dict[str, Any]:
    """Return the wire form of a record."""
    return VEHICLE_SCHEMA.dump(record)
