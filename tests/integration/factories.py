"""Factories for integration tests: real rows through the real services."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from echallan.services import admin
from echallan.uow import unit_of_work

CAMERA_ID = "KHI-0001"


def calibration(camera_id: str = CAMERA_ID) -> dict[str, Any]:
    """Return the calibration from DESIGN.md for a 1280x720 camera."""
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
    """Return clip metadata from DESIGN.md with `changes` applied."""
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
