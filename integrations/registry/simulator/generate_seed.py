"""Generate the simulator's seed.json: a few hundred plausible, deterministic vehicles.

    .venv/bin/python -m integrations.registry.simulator.generate_seed \
        [--labels ../shared/data/plates/pk-dev/labels.csv] [--out .../seed.json]

Every plate in pk-dev's labels.csv (column `plate`) becomes a vehicle, so look-ups of the real
crops resolve; ASF-813 (a white Suzuki Mehran) and ASF-613 (a red Honda CD 70 motorcycle)
reproduce the reported wrong-challan case; the rest are random but seeded. Owners are invented.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import string
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from integrations.registry.base import plate_key
from integrations.registry.schemas import VEHICLE_SCHEMA

ROOT = Path(__file__).resolve().parents[3]
DEFAULT_LABELS = ROOT.parent / "shared" / "data" / "plates" / "pk-dev" / "labels.csv"
DEFAULT_OUT = Path(__file__).with_name("seed.json")
AS_OF = date(2026, 11, 1)
TOTAL = 300
RNG_SEED = 20261123

# (make, model, engine cc, first year, last year, chassis prefix, engine prefix)
MODELS: dict[str, list[tuple[str, str, int, int, int, str, str]]] = {
    "car": [
        ("Suzuki", "Mehran VXR", 796, 1995, 2019, "SB308", "F8B"),
        ("Suzuki", "Alto VXR", 658, 2019, 2025, "HA36S", "R06A"),
        ("Suzuki", "Cultus VXL", 998, 2017, 2025, "SE416", "K10B"),
        ("Toyota", "Corolla GLi", 1298, 2009, 2021, "NZE170", "2NZ"),
        ("Toyota", "Corolla Altis", 1598, 2015, 2025, "ZRE172", "1ZR"),
        ("Honda", "City 1.5", 1497, 2009, 2025, "GM2", "L15Z"),
        ("Honda", "Civic Oriel", 1799, 2012, 2025, "FC5", "R18Z"),
        ("Toyota", "Yaris ATIV", 1299, 2020, 2025, "NSP150", "1NR"),
        ("Kia", "Picanto", 998, 2019, 2025, "TA", "G3LA"),
        ("Daihatsu", "Cuore CX", 847, 2000, 2012, "L251", "ED"),
    ],
    "motorcycle": [
        ("Honda", "CD 70", 72, 2005, 2025, "HCD70", "HA07E"),
        ("Honda", "CG 125", 124, 2005, 2025, "HCG125", "JC72E"),
        ("Yamaha", "YBR 125", 124, 2015, 2025, "YBR125", "E3L4E"),
        ("Suzuki", "GS 150", 149, 2008, 2025, "GS150", "F431"),
        ("United", "US 70", 72, 2010, 2025, "US70", "UE70"),
        ("Road Prince", "RP 70", 72, 2010, 2025, "RP70", "RPE70"),
    ],
    "jeep": [
        ("Toyota", "Land Cruiser", 4461, 2008, 2024, "URJ202", "1UR"),
        ("Toyota", "Fortuner", 2694, 2016, 2025, "TGN156", "2TR"),
        ("Toyota", "Prado", 2982, 2010, 2024, "KDJ150", "1KD"),
        ("Mitsubishi", "Pajero", 2835, 1998, 2015, "V46", "4M40"),
        ("Suzuki", "Jimny SJ410", 970, 1995, 2010, "SJ410", "F10A"),
    ],
    "heavy": [
        ("Hino", "500 FM", 7961, 2005, 2025, "FM8JN", "J08E"),
        ("Isuzu", "NPR", 4570, 2008, 2025, "NPR66", "4HF1"),
        ("Nissan", "Diesel CK", 6925, 1995, 2015, "CK12", "PE6"),
        ("Mazda", "T3500", 4021, 2000, 2020, "WGT4", "TF"),
    ],
}
COLOURS = {
    "car": ["White", "White", "Silver", "Black", "Grey", "Red", "Blue", "Beige"],
    "motorcycle": ["Red", "Red", "Black", "Blue"],
    "jeep": ["White", "Black", "Silver", "Grey"],
    "heavy": ["Yellow", "Green", "Blue", "White", "Red"],
}
CLASS_WEIGHTS = {"car": 55, "motorcycle": 28, "jeep": 8, "heavy": 9}
FIRST = [
    "Muhammad Ali",
    "Ahmed",
    "Bilal",
    "Usman",
    "Hamza",
    "Imran",
    "Faisal",
    "Kamran",
    "Zubair",
    "Asif",
    "Tariq",
    "Shahid",
    "Naveed",
    "Salman",
    "Adnan",
    "Farhan",
    "Junaid",
    "Ayesha",
    "Fatima",
    "Sana",
    "Hira",
    "Mehwish",
    "Sadia",
    "Nida",
    "Rabia",
]
FEMALE = {"Ayesha", "Fatima", "Sana", "Hira", "Mehwish", "Sadia", "Nida", "Rabia"}
LAST = [
    "Khan",
    "Ahmed",
    "Siddiqui",
    "Qureshi",
    "Shaikh",
    "Memon",
    "Baloch",
    "Abbasi",
    "Hussain",
    "Malik",
    "Butt",
    "Chaudhry",
    "Raza",
    "Soomro",
    "Jatoi",
    "Rajput",
    "Ansari",
]
AREAS = {
    "Sindh": (
        [
            "Gulshan-e-Iqbal Block 13-D",
            "North Nazimabad Block H",
            "Clifton Block 5",
            "DHA Phase 6",
            "Korangi Sector 32-A",
            "Gulistan-e-Jauhar Block 15",
            "PECHS Block 2",
            "Malir Cantt",
            "Orangi Town Sector 11",
        ],
        "Karachi",
        "42101",
    ),
    "Punjab": (
        ["Model Town", "Johar Town", "Gulberg III", "DHA Phase 5", "Samanabad", "Iqbal Town"],
        "Lahore",
        "35202",
    ),
    "Islamabad": (["F-7/2", "G-9/4", "I-8/3", "E-11/2"], "Islamabad", "61101"),
}


def pk_dev_plates(labels: Path) -> list[str]:
    """Return the distinct display-form plates of pk-dev, in file order."""
    with labels.open(newline="", encoding="utf-8") as handle:
        plates = [row["plate"].strip().upper() for row in csv.DictReader(handle)]
    return list(dict.fromkeys(p for p in plates if p))


def province_of(plate: str) -> str:
    """Guess the issuing province from the plate's form (Punjab plates carry a year)."""
    parts = plate.split("-")
    if len(parts) == 3:
        return "Punjab"
    letters = parts[0]
    if len(letters) <= 2 or letters[0] in "AB":
        return "Sindh"  # Karachi's current A../B.. series and its old short series
    return "Punjab"


def random_plate(rng: random.Random) -> tuple[str, str]:
    """Return a new (plate, province) in a Karachi, Lahore or Islamabad format."""
    roll = rng.random()
    if roll < 0.6:
        letters = rng.choice("AB") + "".join(rng.choices(string.ascii_uppercase, k=2))
        return f"{letters}-{rng.randint(1, 999):03d}", "Sindh"
    if roll < 0.9:
        letters = "LE" + rng.choice("ABCDEFH")
        return f"{letters}-{rng.randint(7, 25):02d}-{rng.randint(1, 9999)}", "Punjab"
    letters = "".join(rng.choices(string.ascii_uppercase, k=2))
    return f"{letters}-{rng.randint(100, 9999)}", "Islamabad"


def owner(rng: random.Random, province: str) -> dict[str, Any]:
    """Return an invented owner: name, CNIC (district prefix, gender digit), phone, address."""
    first, last = rng.choice(FIRST), rng.choice(LAST)
    areas, city, district = AREAS.get(province, AREAS["Sindh"])
    gender_digit = rng.choice("2468") if first in FEMALE else rng.choice("13579")
    phone = (
        None if rng.random() < 0.1 else f"03{rng.randint(0, 49):02d}{rng.randint(0, 9999999):07d}"
    )
    return {
        "owner_name": f"{first} {last}",
        "owner_cnic": f"{district}{rng.randint(0, 9999999):07d}{gender_digit}",
        "owner_phone": phone,
        "owner_address": f"House No. {rng.randint(1, 400)}, Street {rng.randint(1, 30)}, "
        f"{rng.choice(areas)}, {city}",
    }


def vehicle(rng: random.Random, vclass: str, model: tuple | None = None) -> dict[str, Any]:
    """Return make, model, year, engine, chassis and colour for a vehicle of a class."""
    make, name, cc, first, last, chassis, engine = model or rng.choice(MODELS[vclass])
    return {
        "make": make,
        "model": name,
        "colour": rng.choice(COLOURS[vclass]),
        "year": rng.randint(first, last),
        "engine_cc": cc,
        "chassis_number": f"{chassis}-{rng.randint(0, 9999999):07d}",
        "engine_number": f"{engine}-{rng.randint(0, 999999):06d}",
        "vehicle_class": vclass,
    }


def registration(rng: random.Random, year: int, usage: str) -> dict[str, Any]:
    """Return registration and token-tax facts; about 6% expired, 15% with tax unpaid."""
    registered = min(date(year, 1, 1) + timedelta(days=rng.randint(0, 500)), AS_OF)
    status, expiry = "active", None
    if usage == "commercial":  # route permits and fitness run for a few years at a time
        expiry = AS_OF + timedelta(days=rng.randint(60, 1000))
    if rng.random() < 0.06:
        status, expiry = "expired", AS_OF - timedelta(days=rng.randint(30, 900))
    unpaid = rng.random() < 0.15
    paid_up_to = date(rng.randint(2021, 2025), 6, 30) if unpaid else date(2027, 6, 30)
    return {
        "registration_date": registered.isoformat(),
        "registration_status": status,
        "registration_expiry": expiry.isoformat() if expiry else None,
        "token_tax_status": "unpaid" if unpaid else "paid",
        "token_tax_paid_up_to": paid_up_to.isoformat(),
    }


def record(
    rng: random.Random, plate: str, province: str, vclass: str | None = None, **overrides: Any
) -> dict[str, Any]:
    """Return one complete wire-form vehicle, with overrides applied last."""
    vclass = vclass or rng.choices(list(CLASS_WEIGHTS), weights=list(CLASS_WEIGHTS.values()))[0]
    usage = overrides.get("usage") or ("commercial" if vclass == "heavy" else "private")
    body = {"registration_number": plate, "province": province, "usage": usage}
    body.update(owner(rng, province))
    body.update(vehicle(rng, vclass, overrides.pop("model_spec", None)))
    body.update(registration(rng, body["year"], usage))
    body.update(overrides)
    return body


def special_records(rng: random.Random) -> list[dict[str, Any]]:
    """Return the hand-picked vehicles the tests and demos rely on."""
    mehran, cd70 = MODELS["car"][0], MODELS["motorcycle"][0]
    hiace = ("Toyota", "Hiace Ambulance", 2694, 2012, 2024, "KDH223", "2KD")
    fire = ("Hino", "500 Fire Tender", 7961, 2010, 2022, "FM8JN", "J08E")
    return [
        record(rng, "ASF-813", "Sindh", "car", model_spec=mehran, colour="White", year=2014),
        record(rng, "ASF-613", "Sindh", "motorcycle", model_spec=cd70, colour="Red", year=2019),
        record(rng, "AZU-290", "Sindh", "car"),
        record(rng, "AC-4903", "Sindh", "car"),
        record(
            rng,
            "SAA-115",
            "Sindh",
            "car",
            model_spec=hiace,
            usage="emergency",
            colour="White",
            owner_name="Karachi Welfare Ambulance Trust",
        ),
        record(
            rng,
            "GSC-1122",
            "Sindh",
            "heavy",
            model_spec=fire,
            usage="emergency",
            colour="Red",
            owner_name="KMC Fire and Rescue Department",
        ),
        record(rng, "GSB-704", "Sindh", "jeep", usage="government", owner_name="Sindh Police"),
        record(
            rng,
            "AKX-977",
            "Sindh",
            "car",
            registration_status="expired",
            registration_expiry="2025-03-31",
        ),
        record(
            rng,
            "BFR-350",
            "Sindh",
            "motorcycle",
            registration_status="expired",
            registration_expiry="2024-12-31",
            token_tax_status="unpaid",
            token_tax_paid_up_to="2023-06-30",
        ),
    ]


def build(labels: Path, total: int = TOTAL, seed: int = RNG_SEED) -> list[dict[str, Any]]:
    """Return the validated vehicle list: specials, then pk-dev plates, then random ones."""
    rng = random.Random(seed)
    rows = special_records(rng)
    rows += [record(rng, plate, province_of(plate)) for plate in pk_dev_plates(labels)]
    seen = {plate_key(row["registration_number"]) for row in rows}
    while len(rows) < total:
        plate, province = random_plate(rng)
        if plate_key(plate) not in seen:
            seen.add(plate_key(plate))
            rows.append(record(rng, plate, province))
    return [VEHICLE_SCHEMA.dump(VEHICLE_SCHEMA.load(row)) for row in rows]


def write(rows: list[dict[str, Any]], out: Path) -> None:
    """Write the seed with one vehicle a line, so diffs stay readable."""
    lines = ",\n".join("  " + json.dumps(row, ensure_ascii=False) for row in rows)
    header = '{"generated_by": "integrations/registry/simulator/generate_seed.py",\n'
    header += f' "as_of": "{AS_OF.isoformat()}", "rng_seed": {RNG_SEED},\n'
    out.write_text(header + ' "vehicles": [\n' + lines + "\n]}\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    """Parse arguments, build the seed and write it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--labels", type=Path, default=DEFAULT_LABELS)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--total", type=int, default=TOTAL)
    args = parser.parse_args(argv)
    if not args.labels.is_file():
        parser.error(f"labels not found: {args.labels} (see ../shared/data/README.md)")
    rows = build(args.labels, args.total)
    write(rows, args.out)
    print(f"wrote {len(rows)} vehicles to {args.out}")


if __name__ == "__main__":
    main()
