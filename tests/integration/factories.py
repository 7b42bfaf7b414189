"""Factories for integration tests: real rows through the real services."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from echallan.core import deps
from echallan.core.uow import unit_of_work
from echallan.staff import operations as admin

CAMERA_ID = "KHI-0001"


def calibration(camera_id: str = CAMERA_ID) -> dict[str, Any]:
    """Return the calibration from docs/DESIGN.md for a 1280x720 camera."""
    return {
        "camera_id": camera_id,
        "frame_size": [1280, 720],
        "stop_line": [[80, 430], [1200, 430]],
        "approach": [0, -1],
        "signal_roi": [1140, 40, 60, 150],
        "rules": ["red_light", "wrong_way", "no_helmet"],
        "amber_grace_ms": 500,
    }


def meta(camera_id: str = CAMERA_ID, **changes: Any) -> dict[str, Any]:
    """Return clip metadata from docs/DESIGN.md with `changes` applied."""
    data = {
        "camera_id": camera_id,
        "started_at": "2026-11-23T10:15:00+05:00",
        "fps": 25,
        "signal_phases": [
            {"state": "green", "start_ms": 0, "end_ms": 2000},
            {"state": "amber", "start_ms": 2000, "end_ms": 3000},
            {"state": "red", "start_ms": 3000, "end_ms": 8000},
        ],
    }
    data.update(changes)
    return data


def camera_with_key(camera_id: str = CAMERA_ID) -> str:
    """Register a camera and a device key for it; return the key."""
    with unit_of_work():
        admin.register_camera(camera_id, calibration(camera_id), actor="test")
        _, key = admin.create_api_client(
            f"device {camera_id}", "device", ["clips:write", "heartbeats:write"], "test", camera_id
        )
    return key


def tiny_clip(
    path: Path, frames: int = 10, seed: int = 0, size: tuple[int, int] = (160, 96)
) -> Path:
    """Write a short mp4 of noise frames (distinct bytes per seed)."""
    rng = np.random.default_rng(seed)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 25, size)
    for _ in range(frames):
        writer.write(rng.integers(0, 255, (size[1], size[0], 3), dtype=np.uint8))
    writer.release()
    return path


def upload(client, key: str | None, clip: Path | bytes, meta_data: Any, camera_id: str = CAMERA_ID):  # noqa: ANN001, ANN201
    """POST a clip with its metadata as multipart."""
    import io

    content = clip.read_bytes() if isinstance(clip, Path) else clip
    meta_text = meta_data if isinstance(meta_data, str) else json.dumps(meta_data)
    headers = {"X-Api-Key": key} if key else {}
    return client.post(
        f"/api/v1/cameras/{camera_id}/clips",
        data={"clip": (io.BytesIO(content), "clip.mp4"), "meta": meta_text},
        headers=headers,
        content_type="multipart/form-data",
    )


def staff(username: str, role: str, password: str = "correct horse battery") -> None:
    """Create a member of staff."""
    with unit_of_work():
        admin.create_user(username, password, role, actor="test")


def sign_in(client, username: str, password: str = "correct horse battery") -> str:  # noqa: ANN001
    """Sign a test client in as a member of staff; it sends the CSRF token from then on."""
    response = client.post("/api/v1/session", json={"username": username, "password": password})
    assert response.status_code == 200, response.json
    token = response.json["csrf_token"]
    client.environ_base["HTTP_X_CSRFTOKEN"] = token  # as a browser client sends X-CSRFToken
    return token


def partner_key(scopes: list[str], name: str = "excise") -> str:
    """Create a partner API client; return its key."""
    with unit_of_work():
        _, key = admin.create_api_client(name, "partner", scopes, "test")
    return key


def camera(camera_id: str = CAMERA_ID) -> None:
    """Register a camera without a key."""
    with unit_of_work():
        admin.register_camera(
            camera_id, calibration(camera_id), actor="test", name="Shahrah-e-Faisal"
        )


def event(
    plate: str | None = "ASF-813",
    rule: str = "red_light",
    confidence: float = 0.97,
    observed_class: str = "car",
    camera_id: str = CAMERA_ID,
    occurred_at: str = "2026-11-23T10:15:04+05:00",
    track_id: int = 1,
    frames: int = 3,
    offence_confidence: float | None = 0.97,
) -> int:
    """Insert a violation event as the clip pipeline would; return its id."""
    import hashlib
    from datetime import datetime

    from echallan.challans.events import ViolationEvent
    from echallan.core.extensions import db

    with unit_of_work():
        row = ViolationEvent(
            camera_id=camera_id,
            rule=rule,
            track_id=track_id,
            frame=40,
            time_ms=1600,
            occurred_at=datetime.fromisoformat(occurred_at),
            bbox=[10, 20, 100, 80],
            signal_state="red",
            observed_class=observed_class,
            plate_read=plate,
            plate_confidence=confidence if plate else None,
            offence_confidence=offence_confidence,
            evidence={
                "frames": [
                    {"path": f"/nonexistent/{i}.jpg", "caption": c}
                    for i, c in enumerate(("before", "at", "after")[:frames])
                ],
                "plate_valid": bool(plate),
                "confidence": offence_confidence,
                # As the analysis writes it; the factory's events have no clip row.
                "clip_sha256": hashlib.sha256(f"clip {camera_id} {track_id}".encode()).hexdigest(),
            },
        )
        db.session.add(row)
    return row.id


def process(event_id: int, now: str = "2026-11-23T12:00:00+05:00") -> str:
    """Run the issuance chain for an event at a given moment."""
    from datetime import datetime

    from echallan.challans import issuance as violations

    with unit_of_work():
        return violations.process_event(deps.current(), event_id, datetime.fromisoformat(now))
