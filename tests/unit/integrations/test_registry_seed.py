"""The simulator's seed: valid, reproducible, and covering the plates the project relies on."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from integrations.registry.base import plate_key
from integrations.registry.simulator.app import DEFAULT_SEED, load_seed
from integrations.registry.simulator.generate_seed import build, write


@pytest.fixture(scope="module")
def seed() -> dict[str, dict]:
    """Return the committed seed, validated and keyed by plate."""
    return load_seed(DEFAULT_SEED)


def test_seed_has_a_few_hundred_varied_vehicles(seed: dict[str, dict]) -> None:
    assert 250 <= len(seed) <= 1000
    classes = {v["vehicle_class"] for v in seed.values()}
    assert classes == {"motorcycle", "car", "jeep", "heavy"}
    assert sum(v["registration_status"] == "expired" for v in seed.values()) >= 5
    assert any(v["usage"] == "emergency" for v in seed.values())


def test_asf_813_and_asf_613_differ_as_in_the_reported_wrong_challan(seed: dict) -> None:
    real, misread = seed["ASF813"], seed["ASF613"]
    assert (real["make"], real["model"], real["colour"]) == ("Suzuki", "Mehran VXR", "White")
    assert real["vehicle_class"] == "car" and misread["vehicle_class"] == "motorcycle"
    assert real["make"] != misread["make"] and real["colour"] != misread["colour"]


def test_every_pk_dev_plate_is_registered(seed: dict, shared_data: Path) -> None:
    labels = shared_data / "plates" / "pk-dev" / "labels.csv"
    with labels.open(newline="") as handle:
        plates = {row["plate"] for row in csv.DictReader(handle)}
    assert plates and not {p for p in plates if plate_key(p) not in seed}


def test_generator_reproduces_the_committed_seed(shared_data: Path, tmp_path: Path) -> None:
    out = tmp_path / "seed.json"
    write(build(shared_data / "plates" / "pk-dev" / "labels.csv"), out)
    assert out.read_text() == DEFAULT_SEED.read_text()


def test_seed_loader_refuses_duplicates_and_invalid_rows(tmp_path: Path, seed: dict) -> None:
    row = seed["ASF813"]
    duplicate = tmp_path / "dup.json"
    duplicate.write_text(json.dumps({"vehicles": [row, row]}))
    with pytest.raises(ValueError, match="twice"):
        load_seed(duplicate)
    invalid = tmp_path / "bad.json"
    invalid.write_text(json.dumps({"vehicles": [{**row, "year": "2014"}]}))
    with pytest.raises(ValueError, match="invalid"):
        load_seed(invalid)
