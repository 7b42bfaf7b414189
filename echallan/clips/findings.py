"""Clip -> violations with evidence: vision observes, the rules judge, evidence is gathered.

A pure function (no database, no Flask): the analysis job, `echallan analyze` and the benches
call the same `analyze_clip`, so they cannot disagree about what a clip holds.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from rules.calibration import Calibration
from rules.signals import SignalTimeline
from rules.tracks import Track
from rules.violations import find_violations
from vision import evidence, pipeline
from vision.detect import Detector
from vision.evidence import FoundViolation, PlateReaderLike
from vision.helmet import HelmetClassifier
from vision.pipeline import ClipObservation, PipelineSettings, observe_clip

log = logging.getLogger(__name__)


@dataclass
class ClipAnalysis:
    """Everything found in one clip: the violations and what they were judged from."""

    violations: list[FoundViolation]
    observation: ClipObservation

    @property
    def tracks(self) -> list[Track]:
        """Return the clip's tracks."""
        return list(self.observation.tracks)

    @property
    def timeline(self) -> SignalTimeline | None:
        """Return the signal timeline the rules used."""
        return self.observation.timeline

    @property
    def signal_source(self) -> str:
        """Return where the timeline came from: controller, clip or none."""
        return self.observation.signal_source

    @property
    def frames(self) -> int:
        """Return the number of frames decoded."""
        return self.observation.frames

    @property
    def fps(self) -> float:
        """Return the clip's frame rate."""
        return self.observation.fps

    @property
    def duration_ms(self) -> int:
        """Return the clip's decoded duration."""
        return self.observation.duration_ms

    @property
    def size(self) -> tuple[int, int]:
        """Return the clip's frame width and height."""
        return self.observation.size


def analyze_clip(
    path: Path | str,
    calibration: Calibration,
    phases: SignalTimeline | None,
    plate_reader: PlateReaderLike | None = None,
    annotate_dir: Path | str | None = None,
    detector: Detector | None = None,
    helmets: HelmetClassifier | None = None,
    settings: PipelineSettings | None = None,
) -> ClipAnalysis:
    """Observe a clip, apply the rules, read plates and keep evidence frames of each violation."""
    s = settings or pipeline.DEFAULT
    seen = observe_clip(path, calibration, phases, detector, helmets, s)
    events = find_violations(seen.tracks, seen.calibration, seen.timeline, s.rules)
    found = [FoundViolation(e) for e in events]
    evidence.read_plates(found, seen.crops, plate_reader)
    evidence.attach_frames(
        seen.info, found, seen.tracks, seen.calibration, seen.timeline, annotate_dir
    )
    log.info("%s: %d violations", seen.info.path.name, len(found))
    return ClipAnalysis(found, seen)
