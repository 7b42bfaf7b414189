"""Register N devices fast for the heartbeat bench: sites, boxes and cameras in bulk inserts.

    DATABASE_URL=postgresql+psycopg://... .venv/bin/python bench/seed_devices.py \\
        [--devices 10000] [--cameras-per-box 4] [--id-format LOAD-{:05d}]

Device i is a box when i % (cameras_per_box + 1) == 0, else a camera of the box before it;
each box has its own site. Registered positions match bench/heartbeat_load.py's bodies (no
device reports itself moved). Prints one JSON object with the counts, the seconds taken and a
fleet key (unbound, scope heartbeats:write) for `heartbeat_load.py --key`. The database must be
migrated (`echallan db upgrade`) and must not hold these ids already.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

KARACHI = (24.8607, 67.0011)  # as in bench/heartbeat_load.py
BATCH = 2000


def position(index: int) -> tuple[float, float]:
    """Return the position heartbeat_load.py reports for device `index`."""
    return round(KARACHI[0] + (index % 100) * 1e-3, 6), round(KARACHI[1] + (index // 100) * 1e-3, 6)


def calibration(camera_id: str) -> dict[str, Any]:
    """Return a valid calibration (docs/DESIGN.md's example) for a camera."""
    return {
        "camera_id": camera_id,
        "frame_size": [1280, 720],
        "stop_line": [[80, 430], [1200, 430]],
        "approach": [0, -1],
        "signal_roi": [1140, 40, 60, 150],
        "rules": ["red_light", "wrong_way", "no_helmet"],
        "amber_grace_ms": 500,
    }


def plan(devices: int, per_box: int, id_format: str, now: datetime) -> dict[str, list[dict]]:
    """Return the rows to insert per table."""
    rows: dict[str, list[dict]] = {"site": [], "device": [], "camera": []}
    box_id = site_id = ""
    for index in range(devices):
        device_id = id_format.format(index)
        lat, lon = position(index)
        common = {"id": device_id, "registered_lat": lat, "registered_lon": lon}
        common |= {"heartbeat_interval_s": 30.0, "commissioned_at": now, "active": True}
        common |= {"name": "", "heartbeats_received": 0, "created_at": now}
        if index % (per_box + 1) == 0:
            box_id, site_id = device_id, f"S-{device_id}"[:32]
            rows["site"].append(_site(site_id, lat, lon, now))
            rows["device"].append(
                common
                | {"kind": "box", "site_id": site_id, "box_id": None}
                | {"battery_capacity_wh": 1200.0, "load_w": 80.0}
            )
        else:
            rows["device"].append(
                common
                | {"kind": "camera", "site_id": site_id, "box_id": box_id}
                | {"battery_capacity_wh": None, "load_w": None}
            )
            rows["camera"].append(_camera(device_id, site_id, box_id, now))
    return rows


def _site(site_id: str, lat: float, lon: float, now: datetime) -> dict[str, Any]:
    """Return a site row."""
    return {"id": site_id, "name": site_id, "lat": lat, "lon": lon, "address": ""} | {
        "mode": "manual",
        "mode_changed_at": None,
        "created_at": now,
    }


def _camera(camera_id: str, site_id: str, box_id: str, now: datetime) -> dict[str, Any]:
    """Return a camera row."""
    return {"id": camera_id, "name": "", "site_id": site_id, "box_id": box_id} | {
        "calibration": calibration(camera_id),
        "timezone": "Asia/Karachi",
        "active": True,
        "created_at": now,
    }


def insert(rows: dict[str, list[dict]]) -> None:
    """Insert the rows in batches, parents first (boxes before their cameras)."""
    from echallan.clips.models import Camera
    from echallan.core.extensions import db
    from echallan.devices.models import Device, Site

    for model, name in ((Site, "site"), (Camera, "camera"), (Device, "device")):
        items = rows[name]
        if name == "device":  # a camera's box_id refers to a box: boxes go in first
            items = sorted(items, key=lambda r: r["kind"] != "box")
        for start in range(0, len(items), BATCH):
            db.session.execute(model.__table__.insert(), items[start : start + BATCH])


def fleet_key() -> str:
    """Create an unbound device key that may send heartbeats for any device."""
    from echallan.staff import operations as admin

    _, key = admin.create_api_client("bench fleet", "device", ["heartbeats:write"], "bench")
    return key


def main(argv: list[str] | None = None) -> int:
    """Seed the devices and print the counts and the key."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=10_000)
    parser.add_argument("--cameras-per-box", type=int, default=4)
    parser.add_argument("--id-format", default="LOAD-{:05d}")
    args = parser.parse_args(argv)

    from echallan import create_app
    from echallan.core.uow import unit_of_work

    started = time.perf_counter()
    app = create_app()
    rows = plan(args.devices, args.cameras_per_box, args.id_format, datetime.now(UTC))
    with app.app_context(), unit_of_work():
        insert(rows)
        key = fleet_key()
    counts = {name: len(items) for name, items in rows.items()}
    seconds = round(time.perf_counter() - started, 2)
    print(json.dumps({"inserted": counts, "seconds": seconds, "key": key}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
