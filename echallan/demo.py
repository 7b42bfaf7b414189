"""Demo data: staff, keys, cameras, and sample clips rendered by the scene synthesiser.

The sample clips carry plates of vehicles in the bundled registry seed, so the whole flow runs
offline: clip -> violations -> registry -> challan or review -> PDF and SMS in the outbox.
Running it twice changes nothing: rows are found by name, clips by their SHA-256.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import sqlalchemy as sa
from flask import current_app

from echallan import bootstrap
from echallan.clips.models import Camera
from echallan.clips.operations import ClipMeta, ingest_clip
from echallan.core import deps
from echallan.core.clock import now
from echallan.core.extensions import db
from echallan.core.uow import unit_of_work
from echallan.devices import heartbeats
from echallan.devices import operations as devices
from echallan.staff import operations as admin
from echallan.staff.models import ApiClient, User
from integrations.registry.memory import DEFAULT_SEED as SEED

log = logging.getLogger(__name__)

STAFF = (
    ("officer", "officer", "Demo Officer"),
    ("supervisor", "supervisor", "Demo Supervisor"),
    ("admin", "admin", "Demo Administrator"),
)
DEMO_PASSWORD = "echallan-demo"  # printed by `echallan demo`; never use outside a demo
CAMERA_ID = "KHI-0001"
SITE_ID, BOX_ID = "KHI-J001", "KHI-BOX-001"
BOX_POSITION = (24.8738, 67.0886)  # Karsaz, Karachi
BOX_POSITION = (24.8738, 67.0886)  # Karsaz, Karachi
CLIP_SIZE = (1280, 720)
CLIP_SEEDS = (7, 11)


@dataclass
class DemoReport:
    """What the demo created, for printing."""

    logins: list[tuple[str, str, str]] = field(default_factory=list)
    keys: dict[str, str] = field(default_factory=dict)
    clips: list[str] = field(default_factory=list)


def load(work_dir: Path, with_clips: bool = True) -> DemoReport:
    """Create the demo rows (once) and ingest the sample clips."""
    report = DemoReport()
    with unit_of_work():
        report.logins = _staff()
        report.keys = _keys()
        _camera()
    if with_clips:
        _analyse_on_motion()
        _heartbeats()
        report.clips = [_ingest_sample(seed, work_dir) for seed in CLIP_SEEDS]
    _save_credentials(report)
    return report


def _analyse_on_motion() -> None:
    """Analyse this process's clips with the motion pipeline.

    The sample clips are rendered scenes, drawn for background subtraction: the learned default
    finds none of their vehicles. The demo process analyses only these; `echallan run` keeps the
    configured pipeline for what cameras send.
    """
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    bootstrap.reconfigure(app, CLIP_PIPELINE="motion")


def _staff() -> list[tuple[str, str, str]]:
    """Create the demo staff accounts."""
    for username, role, name in STAFF:
        if db.session.scalar(sa.select(User.id).where(User.username == username)) is None:
            admin.create_user(username, DEMO_PASSWORD, role, actor="system:demo", full_name=name)
    return [(username, DEMO_PASSWORD, role) for username, role, _ in STAFF]


def _keys() -> dict[str, str]:
    """Create the demo API keys (shown once: kept in the instance folder's credentials file)."""
    wanted = {
        f"camera {CAMERA_ID}": ("device", ["clips:write", "heartbeats:write"], CAMERA_ID),
        f"box {BOX_ID}": ("device", ["heartbeats:write"], BOX_ID),
        "excise registry partner": ("partner", ["challans:read", "ownership:write"], None),
        "demo bank": ("bank", ["payments:write"], None),
    }
    saved = _saved_credentials().get("keys", {})
    keys = {}
    for name, (kind, scopes, device) in wanted.items():
        exists = db.session.scalar(sa.select(ApiClient.id).where(ApiClient.name == name))
        if exists is None:
            _, keys[name] = admin.create_api_client(name, kind, scopes, "system:demo", device)
        elif name in saved:
            keys[name] = saved[name]
    return keys


def _camera() -> None:
    """Register the synthetic junction's camera."""
    from synth.scenes import calibration_for

    if db.session.get(Camera, CAMERA_ID) is not None:
        return
    calibration = {**calibration_for(CLIP_SIZE), "camera_id": CAMERA_ID}
    admin.register_camera(
        CAMERA_ID, calibration, actor="system:demo", name="Shahrah-e-Faisal x Karsaz (synthetic)"
    )
    _network(now())


def _network(at: datetime) -> None:
    """Put the camera on a distribution box at a junction, for network health to watch."""

    lat, lon = BOX_POSITION
    devices.register_site(
        SITE_ID,
        "system:demo",
        name="Shahrah-e-Faisal x Karsaz",
        lat=lat,
        lon=lon,
        address="Karachi",
    )
    devices.register_box(
        BOX_ID,
        SITE_ID,
        "system:demo",
        at,
        lat=lat,
        lon=lon,
        battery_capacity_wh=1200,
        load_w=85,
        name="Distribution box, Karsaz",
    )
    devices.register_camera_device(CAMERA_ID, BOX_ID, "system:demo", at)


def _heartbeats() -> None:
    """Let the box and the camera report in, so their clocks are known to be right."""

    at = now()
    beat = {
        "device_clock": at.isoformat(),
        "mains_on": True,
        "battery_pct": 100.0,
        "door_open": False,
        "lat": BOX_POSITION[0],
        "lon": BOX_POSITION[1],
    }
    with unit_of_work():
        heartbeats.record_heartbeat(deps.current().settings, BOX_ID, beat, None, at)
        camera_beat = {"device_clock": at.isoformat(), "frames_since_last": 750}
        heartbeats.record_heartbeat(deps.current().settings, CAMERA_ID, camera_beat, None, at)


def _ingest_sample(seed: int, work_dir: Path) -> str:
    """Render one sample clip with registry plates and ingest it as the camera would."""
    from synth.scenes import metadata_for, random_scene_spec, render_scene

    spec = with_registry_plates(random_scene_spec(seed, size=CLIP_SIZE, night=False), seed)
    path = work_dir / f"sample-{seed}.mp4"
    work_dir.mkdir(parents=True, exist_ok=True)
    render_scene(spec, path)
    # Stamped as just recorded: a fixed date would fall out of the clip time bar's window.
    started = now() - timedelta(milliseconds=spec.duration_ms)
    meta_raw = {**metadata_for(spec), "camera_id": CAMERA_ID, "started_at": started.isoformat()}
    meta = ClipMeta(CAMERA_ID, _aware(meta_raw["started_at"]), meta_raw["fps"], meta_raw)
    with unit_of_work(), path.open("rb") as stream:
        ingested = ingest_clip(
            deps.current(), CAMERA_ID, stream, meta, path.name, "system:demo", now()
        )
        sha256 = ingested.clip.sha256
    return sha256


def with_registry_plates(spec, seed: int):  # noqa: ANN001, ANN201
    """Give every synthetic vehicle the plate of a registered vehicle of its class."""
    rng = np.random.default_rng(seed)
    vehicles = json.loads(SEED.read_text())["vehicles"]
    pools = {
        kind: [
            v
            for v in vehicles
            if v["vehicle_class"] == kind and v["registration_status"] == "active"
        ]
        for kind in ("car", "motorcycle")
    }
    used: set[str] = set()
    changed = []
    for vehicle in spec.vehicles:
        pool = [v for v in pools[vehicle.kind] if v["registration_number"] not in used]
        record = pool[int(rng.integers(len(pool)))]
        used.add(record["registration_number"])
        plate = record["registration_number"].replace("-", "")
        changed.append(dataclasses.replace(vehicle, plate=plate, plate_style=plate_style(record)))
    return dataclasses.replace(spec, vehicles=tuple(changed))


def plate_style(record: dict) -> str:
    """Choose the plate design a vehicle registered in this province carries."""
    parts = record["registration_number"].split("-")
    if record["province"] == "Islamabad":
        return "ict"
    if record["province"] == "Punjab":
        return "punjab" if len(parts) == 3 else "punjab_plain"
    return "karachi" if len(parts[0]) == 1 else "sindh"


def _aware(text: str) -> datetime:
    """Parse an ISO timestamp with its offset."""
    return datetime.fromisoformat(text)


def _credentials_path() -> Path:
    """Return where the demo keeps its credentials (inside the instance folder, gitignored)."""
    return Path(current_app.config["DEMO_CREDENTIALS_FILE"])


def _saved_credentials() -> dict:
    """Read credentials saved by an earlier run."""
    path = _credentials_path()
    return json.loads(path.read_text()) if path.is_file() else {}


def _save_credentials(report: DemoReport) -> None:
    """Keep the demo keys so that a second run can print them again."""
    path = _credentials_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"logins": report.logins, "keys": report.keys}, indent=1))
    path.chmod(0o600)
