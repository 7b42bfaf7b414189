"""Review-console fixtures: a task whose evidence (frames, plate crop, clip) is really stored."""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path

import cv2
import numpy as np
import sqlalchemy as sa

from echallan.challans.events import ViolationEvent
from echallan.clips.models import Clip
from echallan.core import deps
from echallan.core.extensions import db
from echallan.core.uow import unit_of_work
from echallan.review.models import ReviewTask
from tests.integration import factories as f

PHASES = [
    {"state": "green", "start_ms": 0, "end_ms": 2000},
    {"state": "amber", "start_ms": 2000, "end_ms": 3000},
    {"state": "red", "start_ms": 3000, "end_ms": 8000},
]
# The track as the console reads it: [frame, x, y, w, h] rows, the car crossing the stop line.
FRAME = (1280, 720)
TRACK = [[30, 500, 480, 200, 120], [40, 500, 380, 200, 120], [50, 500, 280, 200, 120]]


def _png(path: Path, size: tuple[int, int], seed: int) -> str:
    """Write a noise PNG of `size` (w, h) and return its path."""
    rng = np.random.default_rng(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), rng.integers(0, 255, (size[1], size[0], 3), dtype=np.uint8))
    return str(path)


def stored_task(
    plate: str = "ASF-613",
    confidence: float = 0.6,
    observed_class: str = "car",
    observed_colour: str | None = None,
    offence_confidence: float = 0.97,
    camera_id: str = f.CAMERA_ID,
    track_id: int = 1,
    with_clip: bool = True,
) -> int:
    """Insert an event whose frames, plate crop and clip are in the evidence store; process it.

    Return the id of the review task it lands in (the read's low confidence sends it there).
    """
    root = deps.current().store.root
    sha = hashlib.sha256(f"console {camera_id} {track_id}".encode()).hexdigest()
    folder = root / "frames" / sha[:2] / sha
    frames = [
        {"path": _png(folder / f"t{track_id}_{c}_f{n}.png", FRAME, n), "caption": c, "frame": n}
        for c, n in (("before", 30), ("at", 40), ("after", 50))
    ]
    crop = _png(folder / f"t{track_id}_plate.png", (120, 40), 99)
    with unit_of_work():
        clip_id = _clip(root, sha, camera_id) if with_clip else None
        row = ViolationEvent(
            clip_id=clip_id,
            camera_id=camera_id,
            rule="red_light",
            track_id=track_id,
            frame=40,
            time_ms=3600,
            occurred_at=datetime.fromisoformat("2026-11-23T10:15:03.6+05:00"),
            bbox=[500, 380, 200, 120],
            signal_state="red",
            observed_class=observed_class,
            observed_colour=observed_colour,
            plate_read=plate,
            plate_confidence=confidence,
            offence_confidence=offence_confidence,
            evidence={
                "frames": frames,
                "plate_crop": crop,
                "plate_valid": True,
                "clip_sha256": sha,
                "track": TRACK,
            },
        )
        db.session.add(row)
    f.process(row.id)
    return db.session.scalar(
        sa.select(ReviewTask.id).where(ReviewTask.event_id == row.id).order_by(ReviewTask.id)
    )


def _clip(root: Path, sha: str, camera_id: str) -> int:
    """Store a small mp4 as the event's clip and add its row; return its id."""
    path = root / "clips" / sha[:2] / f"{sha}.mp4"
    path.parent.mkdir(parents=True, exist_ok=True)
    f.tiny_clip(path, frames=25)
    clip = Clip(
        camera_id=camera_id,
        sha256=sha,
        stored_path=str(path),
        size_bytes=path.stat().st_size,
        media_type="video/mp4",
        meta={**f.meta(camera_id), "signal_phases": PHASES},
        started_at=datetime.fromisoformat("2026-11-23T10:15:00+05:00"),
        status="analysed",
    )
    db.session.add(clip)
    db.session.flush()
    return clip.id
