"""The excise vehicle registry: interface, HTTP client, in-memory fake (simulator in simulator/)."""

from integrations.registry.base import (
    RegistrationStatus,
    RegistryUnavailable,
    TokenTaxStatus,
    Usage,
    VehicleClass,
    VehicleNotFound,
    VehicleRecord,
    VehicleRegistry,
    plate_key,
)
from integrations.registry.breaker import BreakerState, CircuitBreaker
from integrations.registry.cache import CacheTtl
from integrations.registry.http import HttpVehicleRegistry, RetryPolicy, Timeouts
from integrations.registry.memory import InMemoryRegistry

__all__ = [
    "BreakerState",
    "CacheTtl",
    "CircuitBreaker",
    "HttpVehicleRegistry",
    "InMemoryRegistry",
    "RegistrationStatus",
    "RegistryUnavailable",
    "RetryPolicy",
    "Timeouts",
    "TokenTaxStatus",
    "Usage",
    "VehicleClass",
    "VehicleNotFound",
    "VehicleRecord",
    "VehicleRegistry",
    "plate_key",
]
