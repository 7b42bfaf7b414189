"""Clip analysis inside the application: run the vision pipeline, store violation events."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from echallan.audit import operations as audit
from echallan.challans.events import ViolationEvent
from echallan.challans.jobs import ProcessEvent
from echallan.clips import findings
from echallan.clips.models import Clip, ClipStatus
from echallan.core import clock, jobs
from echallan.core.deps import Deps
from echallan.core.extensions import db
from rules.calibration import parse_calibration
from rules.errors import InvalidInput
from rules.signals import parse_signal_phases
from rules.tracks import Track
from rules.violations import ViolationEvent as RuleEvent
from vision.evidence import FoundViolation
from vision.pipeline import PipelineSettings

log = logging.getLogger(__name__)
CAPTIONS = ("before", "at", "after")
# A 10 s clip tracked at 5-10 Hz holds up to ~100 boxes; longer tracks are thinned evenly so
# the event row stays small while the path drawn for the reviewer keeps its shape.
TRACK_POINTS = 120


@dataclass(frozen=True)
class Claim:
    """A worker's hold on a clip's analysis: the pipeline's inputs and the lease it renews."""

    clip_id: int
    claimed_at: datetime
    job: _PipelineJob


def claim_clip(deps: Deps, clip_id: int, now: datetime) -> Claim | str:
    """Take the lease on a clip's analysis; return the claim, or the clip's status if none.

    The caller commits the claim before the long analysis, so that another worker (or the
    sweep) sees it is taken; a worker killed outright stops renewing it, and once the lease has
    run out the sweep queues the clip again (`sweeps.requeue_stuck_clips`).
    """
    clip = db.session.get(Clip, clip_id)
    if clip is None:
        log.warning("analyze: clip %s does not exist (rolled back?)", clip_id)
        return "missing"
    if clip.status in (ClipStatus.ANALYSED, ClipStatus.FAILED):
        return clip.status
    if clip.lease_until is not None and clip.lease_until > now:
        return "leased"  # another worker is on it, and alive
    if clip.analysis_attempts >= deps.settings.clip_max_attempts:  # it kills whoever runs it
        return _fail(clip, f"analysis was interrupted {clip.analysis_attempts} times")
    # A missing model is our fault, not the clip's: it raises here, before any clip fails.
    job = _PipelineJob.of(clip, deps, deps.plate_reader())
    if not _take_lease(clip, now, deps.settings.clip_lease):
        return "leased"  # another worker took it between our read and our write
    return Claim(clip_id, now, job)


def _take_lease(clip: Clip, now: datetime, lease: timedelta) -> bool:
    """Claim the clip in one conditional UPDATE, so two workers never both win it."""
    table = Clip.__table__
    taken = db.session.execute(
        sa.update(table)
        .where(table.c.id == clip.id, table.c.status == ClipStatus.RECEIVED)
        .where(sa.or_(table.c.lease_until.is_(None), table.c.lease_until <= now))
        .values(
            claimed_at=now,
            lease_until=now + lease,
            analysis_attempts=table.c.analysis_attempts + 1,
        )
    )
    return taken.rowcount == 1


def analyze_claimed(deps: Deps, claim: Claim) -> str:
    """Run the pipeline on a claimed clip, renewing its lease, then store what it found."""
    # Analysis takes seconds of CPU: hold no transaction (and on SQLite no write lock) meanwhile.
    db.session.rollback()
    keeper = LeaseKeeper(db.engine, claim, deps.settings.clip_lease)
    try:
        with keeper:
            analysis = claim.job.run()
    except InvalidInput as error:  # the clip, its calibration or its metadata is unusable
        return _fail(_reload(claim.clip_id), error.detail)
    except Exception as error:  # noqa: BLE001 - a poison clip must not be retried forever
        log.exception("analysis of clip %s crashed", claim.clip_id)
        reason = f"internal error during analysis: {type(error).__name__}: {error}"
        return _fail(_reload(claim.clip_id), reason)
    clip = _reload(claim.clip_id)
    if clip.status in (ClipStatus.ANALYSED, ClipStatus.FAILED):  # another worker finished first
        return clip.status
    _store_events(clip, analysis)
    clip.status, clip.analysed_at, clip.failure_reason = ClipStatus.ANALYSED, clock.now(), None
    clip.lease_until = None
    audit.record(
        "system:analysis",
        "clip.analysed",
        clip,
        violations=len(analysis.violations),
        signal_source=analysis.signal_source,
        frames=analysis.frames,
        attempts=clip.analysis_attempts,
    )
    return clip.status


class LeaseKeeper:
    """A thread that extends a claimed clip's lease while the pipeline runs.

    It writes on its own connection in short transactions of one UPDATE, only while the claim is
    still this worker's (same `claimed_at`): a worker that lost its lease does not take it back.
    """

    def __init__(self, engine: sa.Engine, claim: Claim, lease: timedelta) -> None:
        self.engine, self.claim, self.lease = engine, claim, lease
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._loop, name="clip-lease", daemon=True)

    def __enter__(self) -> LeaseKeeper:
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stopping.set()
        self.thread.join(timeout=10)

    def _loop(self) -> None:
        """Renew a third of the way through each lease until told to stop."""
        while not self.stopping.wait(self.lease.total_seconds() / 3):
            try:
                self.renew()
            except sa.exc.SQLAlchemyError as error:  # a busy database: try again next time
                log.warning("lease of clip %s not renewed: %s", self.claim.clip_id, error)

    def renew(self) -> bool:
        """Push the lease out from now; return whether the claim was still ours."""
        table = Clip.__table__
        with self.engine.begin() as connection:
            renewed = connection.execute(
                sa.update(table)
                .where(
                    table.c.id == self.claim.clip_id, table.c.claimed_at == self.claim.claimed_at
                )
                .where(table.c.status == ClipStatus.RECEIVED)
                .values(lease_until=clock.now() + self.lease)
            )
        return renewed.rowcount == 1


@dataclass(frozen=True)
class _PipelineJob:
    """Plain values the pipeline needs, so that it runs outside any database transaction."""

    path: str
    calibration: dict[str, Any]
    phases: list[dict[str, Any]] | None
    frames_dir: Path
    reader: Any
    settings: PipelineSettings

    @classmethod
    def of(cls, clip: Clip, deps: Deps, reader: Any) -> _PipelineJob:
        """Copy what the pipeline needs from the clip and its camera."""
        return cls(
            clip.stored_path,
            dict(clip.camera.calibration),
            clip.meta.get("signal_phases"),
            deps.store.evidence_dir(clip.sha256),
            reader,
            deps.settings.clip_pipeline,
        )

    def run(self) -> findings.ClipAnalysis:
        """Analyse the clip, writing evidence frames beside it."""
        calibration = parse_calibration(self.calibration)
        timeline = parse_signal_phases(self.phases) if self.phases else None
        return findings.analyze_clip(
            self.path, calibration, timeline, self.reader, self.frames_dir, settings=self.settings
        )


def _reload(clip_id: int) -> Clip:
    """Read the clip again in a fresh transaction."""
    return db.session.get(Clip, clip_id, populate_existing=True)


def _fail(clip: Clip, reason: str) -> str:
    """Mark a clip failed with the reason, and audit it."""
    clip.status, clip.failure_reason, clip.analysed_at = (
        ClipStatus.FAILED,
        reason[:2000],
        clock.now(),
    )
    clip.lease_until = None
    audit.record("system:analysis", "clip.failed", clip, reason=clip.failure_reason)
    log.warning("clip %s failed: %s", clip.id, reason)
    return clip.status


def _store_events(clip: Clip, analysis: findings.ClipAnalysis) -> None:
    """Insert each violation once (clip, rule, track) and queue its processing."""
    rows = db.session.execute(
        sa.select(ViolationEvent.rule, ViolationEvent.track_id).where(
            ViolationEvent.clip_id == clip.id
        )
    )
    existing = {(rule, track_id) for rule, track_id in rows}
    context = _clip_context(analysis)
    tracks = {t.track_id: t for t in analysis.tracks}
    for found in analysis.violations:
        if (found.event.rule, found.event.track_id) in existing:
            continue
        track = tracks.get(found.event.track_id)
        event = _event_row(clip, found, {**context, "track": track_rows(track, found.event)})
        db.session.add(event)
        db.session.flush()
        jobs.enqueue(ProcessEvent(event.id))


def _clip_context(analysis: findings.ClipAnalysis) -> dict[str, Any]:
    """What every event of the clip shares: the frame size, and the signal read from the video.

    Tracks and evidence frames are in the clip's own pixels (the calibration is fitted to the
    clip's size before analysis), so the frame size is stored for the viewer to draw in.
    Controller phases are already in the clip's metadata; phases read from the video exist
    nowhere else, so they are kept in the evidence in the metadata's shape.
    """
    width, height = analysis.size
    context: dict[str, Any] = {"frame_size": [int(width), int(height)]}
    if analysis.signal_source == "clip" and analysis.timeline is not None:
        context["signal_phases"] = [
            {"state": p.state, "start_ms": int(p.start_ms), "end_ms": int(p.end_ms)}
            for p in analysis.timeline.phases
        ]
        context["signal_source"] = "clip"
    return context


def track_rows(track: Track | None, event: RuleEvent) -> list[list[int]]:
    """Return the track as `[[frame, x, y, w, h], ...]`, thinned to TRACK_POINTS rows.

    The evidence frames' rows are always kept so the viewer can draw the box on each of them.
    """
    if track is None:
        return []
    observations = track.observations
    keep = set(event.evidence_frames) | {event.frame}
    if len(observations) > TRACK_POINTS:
        step = len(observations) / TRACK_POINTS
        picked = {int(i * step) for i in range(TRACK_POINTS)} | {len(observations) - 1}
        observations = tuple(
            o for i, o in enumerate(observations) if i in picked or o.frame in keep
        )
    return [[int(o.frame), *(int(round(v)) for v in o.bbox)] for o in observations]


def _event_row(clip: Clip, found: FoundViolation, context: dict[str, Any]) -> ViolationEvent:
    """Build a ViolationEvent row from a pipeline finding."""
    e = found.event
    return ViolationEvent(
        clip_id=clip.id,
        camera_id=clip.camera_id,
        source="camera",
        rule=e.rule,
        track_id=e.track_id,
        frame=e.frame,
        time_ms=e.time_ms,
        occurred_at=clip.started_at + timedelta(milliseconds=e.time_ms),
        bbox=[int(v) for v in e.bbox],
        signal_state=e.signal_state,
        observed_class=e.kind,
        plate_read=found.plate,
        plate_confidence=float(found.plate_confidence) if found.plate else None,
        offence_confidence=float(e.confidence),
        evidence={**_evidence(clip, found), **context},
    )


def _evidence(clip: Clip, found: FoundViolation) -> dict[str, Any]:
    """Describe the evidence a reviewer and the notice need: frames, plate crop, context."""
    e = found.event
    frames = [
        {"path": path, "caption": caption, "frame": index}
        for caption, index in zip(CAPTIONS, e.evidence_frames, strict=True)
        for path in found.files
        if f"_{caption}_f{index}." in Path(path).name
    ]
    plate = next((p for p in found.files if p.endswith("_plate.png")), None)
    return {
        "frames": frames,
        "plate_crop": plate,
        "plate_display": found.plate_display,
        "plate_valid": bool(found.plate_display),
        "vehicle": e.kind,
        "confidence": e.confidence,
        "clip_sha256": clip.sha256,
        "clock_drift": bool(clip.meta.get("clock_drift")),
    }
