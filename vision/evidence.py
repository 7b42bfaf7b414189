"""Evidence for found violations: the plate voted across a track's frames, annotated frames."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import cv2
import numpy as np

from rules.calibration import Calibration
from rules.signals import SignalTimeline
from rules.tracks import Track
from rules.violations import ViolationEvent
from vision import decode

log = logging.getLogger(__name__)

# Where a plate sits in a vehicle box seen from behind (or the front): x0, y0, x1, y1 fractions.
PLATE_PRIOR = {"car": (0.2, 0.5, 0.8, 0.98), "motorcycle": (0.05, 0.58, 0.95, 0.95)}
# Vehicle crops' plate regions are enlarged to this width for the localiser: junction cameras see
# plates 30-90 px wide, too small for its fixed-size filters.
WORK_MIN_WIDTH = 240
# Below this localiser score a candidate is not read: on development scenes such candidates were
# right one time in ten, and often read with full confidence (a bumper's edge as "1", a badge).
MIN_PLATE_SCORE = 0.5
STATE_COLOURS = {"red": (0, 0, 255), "amber": (0, 190, 255), "green": (0, 200, 0)}


class PlateReaderLike(Protocol):
    """What the evidence needs from ocr.PlateReader."""

    def read(self, images: Sequence[np.ndarray]) -> list[Any]:
        """Read plate crops."""
        ...


@dataclass
class FoundViolation:
    """A violation with its plate read and evidence images (BGR arrays, files when written)."""

    event: ViolationEvent
    plate: str | None = None
    plate_display: str | None = None
    plate_confidence: float = 0.0
    images: dict[str, np.ndarray] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """Return the violation in the `echallan analyze` contract form."""
        e = self.event
        return {
            "rule": e.rule,
            "plate": self.plate_display or self.plate,
            "plate_confidence": round(self.plate_confidence, 4),
            "frame": e.frame,
            "time_ms": e.time_ms,
            "bbox": list(e.bbox),
            "track_id": e.track_id,
            "vehicle": e.kind,
            "signal_state": e.signal_state,
            "evidence_frames": list(e.evidence_frames),
            "confidence": e.confidence,
        }


@dataclass(frozen=True)
class PlateShot:
    """A plate crop to read, cut from one of a track's kept vehicle crops."""

    frame: int  # the frame the vehicle crop came from
    box: tuple[int, int, int, int]  # x, y, w, h in the vehicle crop
    crop: np.ndarray
    score: float  # the localiser's plate score (0.0: the prior region, read without one)


def _localiser() -> Any:
    """Return ocr.localize.find_plates when the OCR package provides it, else None."""
    try:
        from ocr.localize import find_plates
    except ImportError:
        return None
    return find_plates


def plate_candidates(
    crop: np.ndarray, kind: str, find_plates: Any = None, frame: int = 0
) -> list[PlateShot]:
    """Return the plate in a vehicle crop: the localiser's best if plate-like enough.

    Without a localiser the region where plates sit (PLATE_PRIOR) is returned whole.
    """
    h, w = crop.shape[:2]
    x0, y0, x1, y1 = PLATE_PRIOR.get(kind, PLATE_PRIOR["car"])
    left, top = round(x0 * w), round(y0 * h)
    region = crop[top : round(y1 * h), left : round(x1 * w)]
    if not region.size:
        return []
    if find_plates is None:
        return [PlateShot(frame, (left, top, region.shape[1], region.shape[0]), region, 0.0)]
    found = find_plates(region, min_width=WORK_MIN_WIDTH)
    if not found or found[0].score < MIN_PLATE_SCORE:
        return []
    c = found[0]
    return [PlateShot(frame, (c.box[0] + left, c.box[1] + top, *c.box[2:]), c.crop, c.score)]


def select_plates(crops: Sequence[tuple[int, int, np.ndarray]], kind: str) -> list[PlateShot]:
    """Return the plate crops to read from a track's kept vehicle crops (area, frame, crop)."""
    find_plates = _localiser()
    shots = []
    for _, frame, crop in sorted(crops, key=lambda c: c[:2], reverse=True):
        shots += plate_candidates(crop, kind, find_plates, frame)
    return shots


def read_plates(
    found: Sequence[FoundViolation],
    crops: Mapping[int, Sequence[tuple[int, int, np.ndarray]]],
    reader: PlateReaderLike | None,
) -> None:
    """Read each violating track's plate across its kept vehicle crops and vote."""
    if reader is None:
        return
    from ocr.reader import vote

    for violation in found:
        kept = crops.get(violation.event.track_id, ())
        shots = select_plates(kept, violation.event.kind) if kept else []
        if not shots:
            continue
        reads = reader.read([s.crop for s in shots])
        best = vote(reads)
        if best is None:
            continue
        violation.plate, violation.plate_display = best.text, best.display
        violation.plate_confidence = float(best.confidence)
        violation.images["plate"] = _evidence_crop(shots, reads, best.text)


def _evidence_crop(shots: Sequence[PlateShot], reads: Sequence[Any], text: str) -> np.ndarray:
    """Return the plate crop to show: the most confident one read as the voted text."""
    agreeing = [i for i, r in enumerate(reads) if r.text == text]
    best = max(agreeing, key=lambda i: reads[i].confidence, default=0)
    return shots[best].crop


def annotate(
    frame: np.ndarray,
    violation: FoundViolation,
    tracks: Sequence[Track],
    index: int,
    cal: Calibration,
    timeline: SignalTimeline | None,
    fps: float,
) -> np.ndarray:
    """Draw the stop line, signal state, every track and the offending box on a frame copy."""
    img = frame.copy()
    t_ms = round(index * 1000 / fps)
    state = timeline.state_at(t_ms) if timeline else "unknown"
    (x0, y0), (x1, y1) = cal.stop_line
    cv2.line(
        img,
        (round(x0), round(y0)),
        (round(x1), round(y1)),
        STATE_COLOURS.get(state, (200, 200, 200)),
        3,
    )
    if cal.signal_roi:
        rx, ry, rw, rh = cal.signal_roi
        cv2.rectangle(img, (rx, ry), (rx + rw, ry + rh), (255, 255, 0), 1)
    for track in tracks:
        obs = track.at_frame(index)
        if obs is not None:
            x, y, w, h = obs.bbox
            cv2.rectangle(img, (x, y), (x + w, y + h), (200, 200, 200), 1)
            cv2.putText(
                img,
                f"#{track.track_id}",
                (x, y - 3),
                cv2.FONT_HERSHEY_SIMPLEX,
                0.4,
                (255, 255, 255),
                1,
            )
    _mark_offender(img, violation, tracks, index)
    label = f"frame {index}  t={t_ms} ms  signal: {state}  camera {cal.camera_id}"
    cv2.rectangle(img, (0, 0), (min(img.shape[1], 12 + 9 * len(label)), 24), (0, 0, 0), -1)
    cv2.putText(img, label, (6, 17), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (255, 255, 255), 1)
    return img


def _mark_offender(img: np.ndarray, v: FoundViolation, tracks: Sequence[Track], index: int) -> None:
    """Draw the violating track's box and label in this frame (and its plate crop, if any)."""
    track = next((t for t in tracks if t.track_id == v.event.track_id), None)
    obs = track.at_frame(index) if track else None
    if obs is not None:
        x, y, w, h = obs.bbox
        cv2.rectangle(img, (x, y), (x + w, y + h), (0, 0, 255), 3)
        text = f"{v.event.rule.upper()} #{v.event.track_id} {v.plate_display or v.plate or '?'}"
        cv2.putText(img, text, (x, max(12, y - 8)), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (0, 0, 255), 2)
    plate = v.images.get("plate")
    if plate is not None and plate.size:
        scale = 120 / max(1, plate.shape[1])
        small = cv2.resize(plate, (120, max(2, round(plate.shape[0] * scale))))
        h = min(small.shape[0], img.shape[0] - 30)
        img[30 : 30 + h, 4:124] = small[:h, : min(120, img.shape[1] - 4)]


def attach_frames(
    info: decode.ClipInfo,
    found: Sequence[FoundViolation],
    tracks: Sequence[Track],
    cal: Calibration,
    timeline: SignalTimeline | None,
    annotate_dir: Path | str | None,
) -> None:
    """Decode the evidence frames again; keep them on each violation, written when asked."""
    wanted = {f for v in found for f in v.event.evidence_frames}
    if not wanted:
        return
    out = Path(annotate_dir) if annotate_dir else None
    if out:
        out.mkdir(parents=True, exist_ok=True)
    for index, frame in decode.frames(info, wanted):
        for v in found:
            for tag, f in zip(("before", "at", "after"), v.event.evidence_frames, strict=True):
                if f == index:
                    _store(v, tag, frame, tracks, index, cal, timeline, info.fps, out)


def _store(
    v: FoundViolation,
    tag: str,
    frame: np.ndarray,
    tracks: Sequence[Track],
    index: int,
    cal: Calibration,
    timeline: SignalTimeline | None,
    fps: float,
    out: Path | None,
) -> None:
    """Keep one evidence frame; write it annotated when an output folder is given."""
    v.images[tag] = frame
    if out is None:
        return
    img = annotate(frame, v, tracks, index, cal, timeline, fps)
    name = f"{v.event.rule}_t{v.event.track_id}_{tag}_f{index}.jpg"
    cv2.imwrite(str(out / name), img)
    v.files.append(str(out / name))
    if tag == "at" and "plate" in v.images:
        plate_name = f"{v.event.rule}_t{v.event.track_id}_plate.png"
        cv2.imwrite(str(out / plate_name), v.images["plate"])
        v.files.append(str(out / plate_name))
