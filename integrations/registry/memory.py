"""An in-memory registry: a real, working fake for tests and demos without a network."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from integrations.registry.base import VehicleNotFound, VehicleRecord, plate_key
from integrations.registry.schemas import VEHICLE_SCHEMA

# The simulator's seed; read here without importing the simulator (which needs Flask).
DEFAULT_SEED = Path(__file__).with_name("simulator") / "seed.json"


class InMemoryRegistry:
    """Answer look-ups from a dictionary keyed by plate without separators."""

    def __init__(self, records: Iterable[VehicleRecord] = ()) -> None:
        self._records: dict[str, VehicleRecord] = {}
        for record in records:
            self.add(record)

    @classmethod
    def from_seed(cls, path: str | Path | None = None) -> InMemoryRegistry:
        """Return a registry of the simulator's seed vehicles (the bundled seed.json by default)."""
        document = json.loads(Path(path or DEFAULT_SEED).read_text(encoding="utf-8"))
        rows = document["vehicles"] if isinstance(document, dict) else document
        return cls(VEHICLE_SCHEMA.load(row) for row in rows)

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
