"""What is in a clip: frames -> detections -> tracks (+ signal phases, helmet reads).

`observe_clip` returns a ClipObservation and decides nothing: the law is applied outside vision
(`rules.violations.find_violations`, in `echallan.clips.findings.analyze_clip`). It is
deterministic for the same clip and inputs: background subtraction, tracking and the
single-threaded ONNX models give the same answer every run.
"""

from __future__ import annotations

import heapq
import logging
import statistics
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from rules.calibration import Calibration
from rules.errors import InvalidInput
from rules.signals import SignalTimeline
from rules.tracks import Observation, Track
from rules.violations import NO_HELMET, RED_LIGHT, RuleSettings, signed_distance
from vision import decode
from vision.bytetrack import POSITION_NOISE, ByteTracker, new_tracker
from vision.detect import BackgroundDetector, Box, Detection, Detector
from vision.heads import HeadBox, HeadFinder, to_frame
from vision.helmet import HelmetClassifier, head_crop, square_crop, square_origin
from vision.learned import LearnedDetector
from vision.signal import SignalReader
from vision.track import IouTracker, LiveTrack

log = logging.getLogger(__name__)

MOTO_ASPECT = 1.4  # height / width above which a blob is a two-wheeler with its rider
# Walking is under one body height a second; riders pass several of their heights a second.
RIDER_MIN_SPEED = 1.2
# A rider's head, seen from behind or the front, spans about this share of the two-wheeler's box
# width: 0.38 in the synthesised riders; on the real clips' riders 0.19-0.32 (their boxes hold
# arms, mirrors, pillions), so real heads are often smaller than this estimate says.
HEAD_SHARE = 0.35
UNLABELLED = Detection((0, 0, 0, 0)).label  # what a detector without classes (motion) says
EDGE = 3  # pixels: boxes this close to the frame edge are cut off and not used for crops
# A followed box moving along the approach by less than this share of its height between two
# looks is standing: ByteTrack's measurement noise on a box's position (vision.bytetrack).
MOVING = POSITION_NOISE


@dataclass(frozen=True)
class PipelineSettings:
    """How often the expensive per-track work runs and how much of it is kept."""

    detect_hz: float = 12.5  # detection and tracking rate; faster clips skip frames between
    helmet_hz: float = 8.0  # helmet reads per second of a rider's track
    plate_hz: float = 5.0  # vehicle crops kept per second, best kept up to plate_samples
    plate_samples: int = 8
    # Smallest head (pixels, HEAD_SHARE of the rider's box width: 46 px) the helmet model is
    # asked about; smaller heads get no read and no challan. On helmet/valid head crops the
    # committed model's recipe trained on train/ only is right on 0.86 of heads under 18 px (14
    # heads; the small CNN before it: 0.64), 0.83 at 18-24 px, 0.94-0.95 above; the rule's vote
    # over several reads carries the 16-24 px band.
    min_head_px: float = 16.0
    # Frames sampled across the clip whose median seeds the background model; 0 (default): MOG2
    # learns from the clip's first second. Seeding makes a vehicle waiting at the start and
    # leaving before mid-clip foreground, but a queue standing through most of the clip becomes
    # a ghost when it leaves, and it costs one more decode (+25 % CPU). On the scene benchmark
    # (seeds 900000-900039) 15 frames lost 5 of 55 no-helmet riders to merged blobs: off.
    seed_frames: int = 0
    # Measure the head in the rider's top square with the head finder (vision.heads): refuse
    # heads measured under min_head_px and cut the helmet crop around the measured head as the
    # classifier was trained. False: read the top square as it is (the width estimate only).
    # On helmet/valid pipeline-like cuts helmet accuracy rose 0.751 -> 0.872 (bench/
    # head_finder.py); the scene benchmark kept its no-helmet figures; on the real clips the
    # Hanoi riders' 10-15 px heads are no longer judged (training/vision/RECIPE.md).
    head_finder: bool = True
    # Who finds the road users: "learned" (the pretrained CenterNet, vision.learned; kinds from
    # its labels) or "motion" (background subtraction; kinds guessed from box shape and speed).
    # Who follows them: "bytetrack" (vision.bytetrack: Kalman filter, two-stage association on
    # detector scores) or "iou" (vision.track, greedy IoU, built for motion blobs).
    # The learned detector runs on every learned_stride-th detection frame (the tracker's
    # motion model carries the boxes between); motion_gate > 0 also skips it where less than
    # that share of the frame changed since its last run (vision.learned.LearnedDetector).
    # Defaults chosen by the adoption rule of bench/REAL_CLIPS.md on the development clips:
    # learned+bytetrack at stride 3, gate 0 finds 2 of 6 labelled runners (motion+iou: 0) at
    # 7.1x real time on hanoi-16h15; stride 1 finds all 6 but runs at 2.0x, under the rule's
    # 3.0x floor. Motion stays a setting (the synthetic scenes are drawn for it).
    detector: str = "learned"
    tracker: str = "bytetrack"
    learned_stride: int = 3
    motion_gate: float = 0.0
    # Run the learned detector on every detection frame while a followed vehicle's predicted
    # box is near the stop line and moving toward it (near_line), the stride elsewhere: a
    # vehicle crosses the line in a few frames (a Hanoi rider at 6 fps in ~6), and at stride 3
    # the rules see the crossing in only 2 or 3 looks, too few for the checks on it. Far from
    # the line, or standing at it, the tracker's motion model carries the boxes as before.
    # On (bench/REAL_CLIPS.md, adaptive stride): at stride 3 it finds 5 of 6 dev runners
    # (without: 2) at 3.6x real time on hanoi-16h15's CPU time (without: 6.9x).
    dense_near_line: bool = True
    # Also look densely while a box seen once only (a tentative track: no velocity yet) stands
    # within one box height of the stop line. A fast car moves half its width between two
    # strided looks (6 frames at 24 fps), so its second box misses the first one's zero-speed
    # prediction, its track is never confirmed and the band above never sees it (the cos clips'
    # runners, bench/REAL_CLIPS.md "Diagnosis"): one dense look after a newcomer confirms it.
    # On (round 3 of the adoption rule, with RuleSettings.crossing_reach): 12 of 13 dev
    # runners (without both: 5), no new false finding, 3.95-4.21x real time on hanoi-16h15.
    dense_on_new: bool = True
    rules: RuleSettings = field(default_factory=RuleSettings)


# What a caller gets when it passes no settings (observe_clip and the scripts in bench/). The
# app never relies on it: it passes the settings named by CLIP_PIPELINE (see `named`).
DEFAULT = PipelineSettings()
# Rendered scenes (synth/) are flat shapes drawn for background subtraction: the CNN finds none
# of their vehicles, so the scene benchmark, the scene tests and the rendered demo clips run the
# pipeline as it was before the learned default.
MOTION = PipelineSettings(
    detector="motion", tracker="iou", learned_stride=1, dense_near_line=False, dense_on_new=False
)
NAMED = {"learned": DEFAULT, "motion": MOTION}


def named(name: str) -> PipelineSettings:
    """Return the pipeline a configuration names; raise ValueError for a name it does not know."""
    if name not in NAMED:
        raise ValueError(f"unknown clip pipeline {name!r}: expected one of {sorted(NAMED)}")
    return NAMED[name]


Crop = tuple[int, int, np.ndarray]  # (box area, frame index, BGR vehicle crop)


@dataclass(frozen=True)
class ClipObservation:
    """What is in one clip, and what the rules and the evidence need from it."""

    info: decode.ClipInfo
    calibration: Calibration  # fitted to the clip's frame size
    tracks: tuple[Track, ...]
    timeline: SignalTimeline | None
    signal_source: str  # controller, clip or none
    frames: int  # frames decoded
    duration_ms: int
    # Per track id: its largest vehicle crops (up to plate_samples), where its plate is read.
    crops: Mapping[int, tuple[Crop, ...]] = field(default_factory=dict)

    @property
    def fps(self) -> float:
        """Return the clip's frame rate."""
        return self.info.fps

    @property
    def size(self) -> tuple[int, int]:
        """Return the clip's frame width and height."""
        return self.info.width, self.info.height


@dataclass
class _TrackData:
    """Per-track material gathered while decoding: helmet reads and the best vehicle crops."""

    helmet: dict[int, float] = field(default_factory=dict)
    crops: list[Crop] = field(default_factory=list)  # a min-heap on area
    last_crop: int = -(10**9)
    last_helmet: int = -(10**9)
    labels: list[str] = field(default_factory=list)  # the matched detections' class labels


def fit_calibration(cal: Calibration, width: int, height: int) -> Calibration:
    """Map the calibration onto the clip's frame size; refuse a different aspect ratio."""
    if (width, height) == cal.frame_size:
        return cal
    if abs(width / height - cal.frame_size[0] / cal.frame_size[1]) > 0.02:
        raise InvalidInput(
            f"clip frames are {width}x{height} but camera {cal.camera_id} is calibrated for "
            f"{cal.frame_size[0]}x{cal.frame_size[1]}"
        )
    log.info("scaling calibration %s to %dx%d", cal.camera_id, width, height)
    return cal.scaled(width, height)


def _inside(box: Box, size: tuple[int, int]) -> bool:
    """Tell whether a box lies fully inside the frame, away from its edges."""
    x, y, w, h = box
    return x >= EDGE and y >= EDGE and x + w <= size[0] - EDGE and y + h <= size[1] - EDGE


def rider_head_crop(frame: np.ndarray, box: Box) -> np.ndarray:
    """Cut the square over a rider's (and pillion's) head at the top of a two-wheeler's box."""
    return square_crop(frame, *rider_top_square(box))


def rider_top_square(box: Box) -> tuple[float, float, float]:
    """Return the centre x, centre y and side of the square over the top of a rider's box."""
    x, y, w, _ = box
    return x + w / 2, y + 0.34 * w, 0.8 * w


def measured_heads(
    finder: HeadFinder, frame: np.ndarray, boxes: Sequence[Box], min_px: float
) -> list[list[HeadBox]]:
    """Find the heads in each rider's top square, in frame pixels; drop those under min_px."""
    squares = [rider_top_square(b) for b in boxes]
    crops = [square_crop(frame, *sq) for sq in squares]
    out = []
    for square, heads in zip(squares, finder.find_all(crops), strict=True):
        origin = square_origin(*square)  # crop pixel p is frame pixel origin + p
        out.append([h for h in (to_frame(h, origin) for h in heads) if h.side >= min_px])
    return out


class _Collector:
    """Per-frame work on matched tracks: helmet reads for riders, vehicle crops for plates."""

    def __init__(
        self,
        fps: float,
        size: tuple[int, int],
        helmets: HelmetClassifier | None,
        settings: PipelineSettings,
        finder: HeadFinder | None = None,
    ) -> None:
        self.size, self.helmets, self.s, self.finder = size, helmets, settings, finder
        self.helmet_gap = max(1, round(fps / settings.helmet_hz))
        self.crop_gap = max(1, round(fps / settings.plate_hz))
        self.data: dict[int, _TrackData] = {}

    def collect(self, index: int, frame: np.ndarray, matched: list[tuple[LiveTrack, Any]]) -> None:
        """Gather crops and helmet reads from this frame."""
        riders, owners = [], []
        for track, det in matched:
            data = self.data.setdefault(track.track_id, _TrackData())
            label = getattr(det, "label", UNLABELLED)  # matched pairs are typed Any
            if label != UNLABELLED:
                data.labels.append(label)
            box = det.bbox
            if not _inside(box, self.size):
                continue
            # A merged blob is two vehicles: its crop would be preferred (crops rank by area)
            # and put the plate search between them.
            if index - data.last_crop >= self.crop_gap and not track.merged[-1]:
                self._keep_crop(data, index, frame, box)
            if (
                self._rider(box)
                and not track.merged[-1]  # the head at the top may be anybody's
                and index - data.last_helmet >= self.helmet_gap
            ):
                riders.append(box)
                owners.append(data)
                data.last_helmet = index
        if riders:
            for data, p in zip(owners, self._no_helmet(frame, riders), strict=True):
                if p is not None:
                    data.helmet[index] = p

    def _no_helmet(self, frame: np.ndarray, riders: list[Box]) -> list[float | None]:
        """Return P(no helmet) per rider box; None where no head is big enough to judge."""
        if self.finder is None:
            crops = [rider_head_crop(frame, b) for b in riders]
            return [float(p) for p in self.helmets.probabilities(crops)]
        found = measured_heads(self.finder, frame, riders, self.s.min_head_px)
        crops = [head_crop(frame, h.box) for heads in found for h in heads]
        probs = iter(self.helmets.probabilities(crops))
        # Rider and pillion must both wear one: the rider's read is the barer of the two heads.
        return [float(max(next(probs) for _ in heads)) if heads else None for heads in found]

    def _rider(self, box: Box) -> bool:
        """Tell whether a box looks like an upright two-wheeler rider worth a helmet read."""
        # The width estimate (HEAD_SHARE) overestimates real heads, so as a first gate it only
        # skips riders whose head cannot reach the floor; the head finder then measures it.
        return (
            self.helmets is not None
            and box[3] >= MOTO_ASPECT * box[2]
            and box[2] * HEAD_SHARE >= self.s.min_head_px
        )

    def _keep_crop(self, data: _TrackData, index: int, frame: np.ndarray, box: Box) -> None:
        """Keep the vehicle crop if it is among the largest seen for the track."""
        x, y, w, h = box
        item = (w * h, index, frame[y : y + h, x : x + w].copy())
        data.last_crop = index
        if len(data.crops) < self.s.plate_samples:
            heapq.heappush(data.crops, item)
        elif item[0] > data.crops[0][0]:
            heapq.heapreplace(data.crops, item)


def peak_speed(track: LiveTrack, fps: float) -> float:
    """Return the track's fastest ground speed over ~0.5 s, in its own box heights per second."""
    best = 0.0
    for i in range(len(track.frames)):
        j = next(
            (
                k
                for k in range(i, len(track.frames))
                if track.frames[k] - track.frames[i] >= fps / 2
            ),
            None,
        )
        if j is None:
            break
        (x0, y0, w0, h0), (x1, y1, w1, h1) = track.boxes[i], track.boxes[j]
        dist = ((x1 + w1 / 2 - x0 - w0 / 2) ** 2 + (y1 + h1 - y0 - h0) ** 2) ** 0.5
        best = max(best, dist / max(1.0, (h0 + h1) / 2) * fps / (track.frames[j] - track.frames[i]))
    return best


def _kind(track: LiveTrack, fps: float) -> str:
    """Tell riders (tall, fast) from pedestrians (tall, walking pace) and cars (wide)."""
    aspect = statistics.median(b[3] / max(1, b[2]) for b in track.boxes)
    if aspect < MOTO_ASPECT:
        return "car"
    return "motorcycle" if peak_speed(track, fps) >= RIDER_MIN_SPEED else "person"


def _labelled_kind(labels: Sequence[str]) -> str:
    """Return the label most of a track's detections carried (ties: the first seen)."""
    return Counter(labels).most_common(1)[0][0]


def _to_track(live: LiveTrack, fps: float, data: _TrackData | None) -> Track:
    """Turn a tracker's track into the rules' value."""
    helmet = data.helmet if data else {}
    obs = tuple(
        Observation(f, round(f * 1000 / fps), tuple(int(v) for v in b), helmet.get(f), m)
        for f, b, m in zip(live.frames, live.boxes, live.merged, strict=True)
    )
    kind = _labelled_kind(data.labels) if data and data.labels else _kind(live, fps)
    return Track(live.track_id, kind, obs)


def near_line(
    moves: Sequence[tuple[Box, tuple[float, float]]], cal: Calibration, gap: int = 1
) -> bool:
    """Tell whether a vehicle moving toward or through the stop line is within reach of it.

    `moves` are (predicted box, bottom-centre velocity in pixels a frame); `gap` is the frames
    between two looks of the detector (its stride). A box counts when its bottom centre lies
    within one box height of the line (either side, along the line's normal) and it moves
    along the approach by at least MOVING of its height between two looks: less is the jitter
    of a standing box (the tracker's own position noise). A vehicle standing in the queue at
    the line cannot cross it unnoticed: once it starts, it passes the floor and the looks
    become dense.
    """
    for (x, y, w, h), (vx, vy) in moves:
        bottom = (x + w / 2, y + h)
        d = signed_distance(bottom, cal)
        along = signed_distance((bottom[0] + vx, bottom[1] + vy), cal) - d
        if abs(d) <= h and along * max(1, gap) >= MOVING * h:
            return True
    return False


def newcomer_near_line(boxes: Sequence[Box], cal: Calibration) -> bool:
    """Tell whether a box seen once only lies within one box height of the stop line."""
    return any(abs(signed_distance((x + w / 2, y + h), cal)) <= h for x, y, w, h in boxes)


def _densify(
    detector: Detector,
    tracker: IouTracker | ByteTracker,
    index: int,
    cal: Calibration | None,
    newcomers: bool = False,
) -> None:
    """Tell a strided detector to run on this frame when a followed box is near the line
    (with `newcomers`, also a box the tracker has seen once only)."""
    if cal is not None and hasattr(detector, "dense"):
        gap = getattr(detector, "stride", 1)
        dense = near_line(tracker.predictions(index), cal, gap)
        if newcomers and not dense and hasattr(tracker, "newcomers"):
            dense = newcomer_near_line(tracker.newcomers(), cal)
        detector.dense = dense


def _decode_pass(
    info: decode.ClipInfo,
    detector: Detector,
    reader: SignalReader | None,
    collector: _Collector,
    stride: int,
    cal: Calibration | None = None,
) -> tuple[IouTracker | ByteTracker, int]:
    """Decode every frame; read the signal, detect, track and collect crops every `stride`.

    With `cal`, a detector that takes a `dense` hint (vision.learned) is told where followed
    vehicles are near the stop line.
    """
    tracker = new_tracker(collector.s.tracker, info.fps)
    count = 0
    for index, frame in decode.sampled(info, stride):
        count += 1
        if frame is None:
            continue  # decoded (the codec needs it) but not converted: saves a third of the time
        if reader is not None:
            reader.observe(frame, round(index * 1000 / info.fps))
        _densify(detector, tracker, index, cal, collector.s.dense_on_new)
        matched = tracker.update(index, detector.detect(frame))
        collector.collect(index, frame, matched)
    decode.check_complete(info, count)
    return tracker, count


def background_samples(info: decode.ClipInfo, count: int) -> list[np.ndarray]:
    """Decode `count` frames spread evenly across the clip (the rest are only grabbed)."""
    if count <= 0 or info.frame_count <= 0:
        return []
    # Headers may overestimate a clip's length: frames past its real end are simply not there.
    wanted = {int((i + 0.5) * info.frame_count / count) for i in range(count)}
    return [frame for _, frame in decode.frames(info, wanted)]


def _timeline(
    phases: SignalTimeline | None, reader: SignalReader | None, duration_ms: int
) -> tuple[SignalTimeline | None, str]:
    """Prefer the controller's phases; else what was read from the clip."""
    if phases is not None:
        return phases, "controller"
    if reader is not None and reader.samples:
        return reader.timeline(duration_ms), "clip"
    return None, "none"


def _default_detector(
    info: decode.ClipInfo, s: PipelineSettings, stride: int, ignore: list[Box]
) -> Detector:
    """Build the detector the settings name for this clip."""
    if s.detector == "learned":
        # the model itself is loaded once per process
        return LearnedDetector(stride=s.learned_stride, motion_gate=s.motion_gate)
    if s.detector != "motion":
        raise ValueError(f"unknown detector {s.detector!r}: expected 'motion' or 'learned'")
    detector = BackgroundDetector(info.fps / stride, (info.width, info.height), ignore)
    detector.seed(background_samples(info, s.seed_frames))
    return detector


def observe_clip(
    path: Path | str,
    calibration: Calibration,
    phases: SignalTimeline | None,
    detector: Detector | None = None,
    helmets: HelmetClassifier | None = None,
    settings: PipelineSettings | None = None,
) -> ClipObservation:
    """Observe one clip; raise vision.errors.ClipError for a file that is not a usable clip."""
    s = settings or DEFAULT
    info = decode.probe(path)
    size = (info.width, info.height)
    cal = fit_calibration(calibration, *size)
    ignore = [cal.signal_roi] if cal.signal_roi else []
    stride = max(1, round(info.fps / s.detect_hz))
    if detector is None:
        detector = _default_detector(info, s, stride, ignore)
    # The calibration names the rules a camera enforces: material for the others is not gathered.
    reader = None
    if phases is None and cal.signal_roi and RED_LIGHT in cal.rules:
        reader = SignalReader(cal.signal_roi)
    if helmets is None and NO_HELMET in cal.rules:
        helmets = HelmetClassifier.default()
    finder = HeadFinder.default() if helmets is not None and s.head_finder else None
    collector = _Collector(info.fps, size, helmets, s, finder)
    dense_cal = cal if s.dense_near_line else None
    tracker, count = _decode_pass(info, detector, reader, collector, stride, dense_cal)
    duration = round(count * 1000 / info.fps)
    timeline, source = _timeline(phases, reader, duration)
    tracks = tuple(_to_track(t, info.fps, collector.data.get(t.track_id)) for t in tracker.tracks())
    crops = {tid: tuple(d.crops) for tid, d in collector.data.items()}
    log.info("%s: %d frames, %d tracks", info.path.name, count, len(tracks))
    return ClipObservation(info, cal, tracks, timeline, source, count, duration, crops)
