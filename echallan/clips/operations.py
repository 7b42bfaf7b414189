"""Clip ingest: store once by hash, record the clip, queue its analysis."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any, BinaryIO

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from echallan.audit import operations as audit
from echallan.clips.jobs import AnalyzeClip
from echallan.clips.media import sniff_video
from echallan.clips.models import Camera, Clip, ClipStatus
from echallan.core import jobs
from echallan.core.deps import Deps, Settings
from echallan.core.extensions import db
from echallan.core.storage import StagedFile
from echallan.core.uow import on_rollback
from echallan.devices import heartbeats
from echallan.staff.models import ApiClient
from rules.errors import Forbidden, InvalidInput, NotFound, UnsupportedMedia
from vision import decode
from vision.errors import ClipError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ClipMeta:
    """Validated clip metadata: the parsed fields and the JSON as the camera sent it."""

    camera_id: str
    started_at: datetime
    fps: float
    raw: dict[str, Any]


@dataclass(frozen=True)
class IngestResult:
    """The clip row and whether it was new."""

    clip: Clip
    created: bool


def get_camera(camera_id: str) -> Camera:
    """Return an active camera or raise NotFound."""
    camera = db.session.get(Camera, camera_id)
    if camera is None or not camera.active:
        raise NotFound(f"no active camera {camera_id!r}")
    return camera


def authorize_device(client: ApiClient, camera: Camera) -> None:
    """Refuse a device key bound to another camera or box (403)."""
    if client.device_id and client.device_id not in (camera.id, camera.box_id):
        raise Forbidden(f"this key belongs to device {client.device_id!r}, not {camera.id!r}")


def clip_for_device(client: ApiClient, camera_id: str, clip_id: int) -> Clip:
    """Return a camera's clip to that camera's own key; anyone else hears it does not exist.

    One 404 for an unknown camera, another camera's key and another camera's clip, so that a
    key cannot learn which clips (or cameras) exist elsewhere.
    """
    camera = db.session.get(Camera, camera_id)
    clip = db.session.get(Clip, clip_id)
    if (
        camera is None
        or client.device_id != camera.id
        or clip is None
        or clip.camera_id != camera.id
    ):
        raise NotFound(f"camera {camera_id!r} has no clip {clip_id}")
    return clip


def ingest_clip(
    deps: Deps,
    camera_id: str,
    stream: BinaryIO,
    meta: ClipMeta,
    filename: str,
    actor: str,
    now: datetime,
) -> IngestResult:
    """Store a clip and queue its analysis; the same bytes twice give the same clip."""
    camera = get_camera(camera_id)
    if meta.camera_id != camera.id:
        raise InvalidInput(
            f"metadata camera_id {meta.camera_id!r} does not match {camera.id!r}",
            errors={"meta": {"camera_id": ["does not match the URL"]}},
        )
    check_time_bar(meta.started_at, now, deps.settings)  # before a byte is staged
    staged = deps.store.stage(stream, deps.settings.max_clip_bytes)
    existing = _clip_by_hash(staged.sha256)
    if existing is not None:
        staged.path.unlink(missing_ok=True)
        return IngestResult(existing, created=False)
    return _store_new_clip(deps, camera, staged, meta, filename, actor)


def check_time_bar(started_at: datetime, now: datetime, settings: Settings) -> None:
    """Refuse a clip from the future (past the clock slack) or older than the legal window."""
    if started_at > now + settings.clip_max_clock_drift:
        ahead = int((started_at - now).total_seconds())
        slack = int(settings.clip_max_clock_drift.total_seconds())
        raise InvalidInput(
            f"started_at is {ahead} s ahead of the server clock (at most {slack} s allowed):"
            " check the camera's time synchronisation",
            errors={"meta": {"started_at": ["in the future"]}},
        )
    if started_at < now - settings.clip_max_age:
        raise InvalidInput(
            f"started_at is older than the {settings.clip_max_age.days}-day window for evidence",
            errors={"meta": {"started_at": ["too old"]}},
        )


def _store_new_clip(
    deps: Deps,
    camera: Camera,
    staged: StagedFile,
    meta: ClipMeta,
    filename: str,
    actor: str,
) -> IngestResult:
    """Move the staged file into place and record it, undoing the move on rollback."""
    kind = sniff_video(staged.head)
    if kind is None or staged.size == 0:
        staged.path.unlink(missing_ok=True)
        raise UnsupportedMedia("the upload is not a video (mp4, mov, avi, mkv or MPEG-TS)")
    _check_decodable(staged, filename)
    media_type, suffix = kind
    target = deps.store.clip_path(staged.sha256, suffix)
    if deps.store.place(staged, target):
        on_rollback(lambda: target.unlink(missing_ok=True))
    clip = Clip(
        camera_id=camera.id,
        sha256=staged.sha256,
        stored_path=str(target),
        size_bytes=staged.size,
        media_type=media_type,
        original_name=filename[:255],
        meta=meta.raw,
        started_at=meta.started_at,
        status=ClipStatus.RECEIVED,
    )
    try:
        with db.session.begin_nested():
            db.session.add(clip)
    except IntegrityError:  # the same clip arrived concurrently and won the insert
        return IngestResult(_clip_by_hash(staged.sha256), created=False)  # type: ignore[arg-type]
    heartbeats.record_clip_liveness(
        clip, deps.settings.health
    )  # the camera is alive; a drifting clock flags the clip
    clip.job_id = jobs.enqueue(AnalyzeClip(clip.id))
    audit.record(actor, "clip.received", clip, sha256=clip.sha256, size=clip.size_bytes)
    return IngestResult(clip, created=True)


def _check_decodable(staged: StagedFile, filename: str) -> None:
    """Refuse, and drop, a staged clip whose container or frames do not decode (415 or 422).

    Found now, the camera hears it and can send the clip again; found by the analysis, the clip
    would only be marked failed where no camera looks.
    """
    try:
        decode.check_decodable(staged.path)
    except ClipError as error:
        staged.path.unlink(missing_ok=True)
        reason = error.reason.replace(staged.path.name, filename or "the upload")
        raise type(error)(reason) from None


def _clip_by_hash(sha256: str) -> Clip | None:
    """Return the clip already stored with this hash, if any."""
    return db.session.scalar(sa.select(Clip).where(Clip.sha256 == sha256))
