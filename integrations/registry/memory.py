"""An in-memory registry: a real, working fake for tests and demos without a network."""

from __future__ import annotations

from collections.abc import Iterable

from integrations.registry.base import VehicleNotFound, VehicleRecord, plate_key


class InMemoryRegistry:
    """Answer look-ups from a dictionary keyed by plate without separators."""

    def __init__(self, records: Iterable[VehicleRecord] = ()) -> None:
        self._records: dict[str, VehicleRecord] = {}
        for record in records:
            self.add(record)

    def add(self, record: VehicleRecord) -> None:
        """Register (or replace) a vehicle."""
        self._records[record.plate_key] = record

    def remove(self, plate: str) -> None:
        """Forget a vehicle (a cancelled registration, say)."""
        self._records.pop(plate_key(plate), None)

    def lookup(self, plate: str) -> VehicleRecord:
        """Return the vehicle with this plate, ignoring separators and case."""
        key = plate_key(plate)
        try:
            return self._records[key]
        except KeyError:
            raise VehicleNotFound(key) from None

    def __len__(self) -> int:
        """Return how many vehicles are registered."""
        return len(self._records)
