"""Find the stage that loses each labelled runner (and what a false finding was) on real clips.

Usage: cd bench && nice -n 19 ../.venv/bin/python diagnose_runners.py [--clips cos-cspr012 ...]
       [--learned-stride 3] [--no-dense] [--cache DIR] [--data DIR]
For every labelled object (runner or stopped vehicle) of each clip it prints:
- detector: in the label's frames, on how many CNN looks a detection sits on the object (the
  label's key-frame box, IoU >= 0.3 or centre inside, as the scorer matches), and at stride 1
  (every detection frame) for comparison;
- tracker: the track(s) holding those detections, their frames, signed distance of the ground
  point to the stop line (positive: past it) and merged flags around the crossing;
- rule: which check of `rules.violations.red_light` refuses the crossing (no crossing seen,
  too few looks behind the line, off the line's extent or lanes, gap, cut box, size or shape
  change, direction, top not moving, signal not red, amber grace) and the signal state read at
  its crossing instant.
Each finding the pipeline makes is listed with the label it falls on (if any).
The CNN's detections are recorded once per clip and setting (tracker_replay.py's cache).
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

import cv2
import real_labels
from real_clips import CLIPS, findings_of
from tracker_replay import Replay, recorded

from echallan.clips.findings import ClipAnalysis, analyze_clip
from rules.calibration import Calibration, parse_calibration
from rules.signals import RED, SignalTimeline
from rules.tracks import Track
from rules.violations import (
    RuleSettings,
    _against,
    _whole,
    _within_line,
    crossing_index,
    crossing_seen,
    crossing_time_ms,
    in_lanes,
    moved_whole,
    signed_distance,
)
from vision.pipeline import PipelineSettings

ROOT = Path(__file__).resolve().parent


def on_object(box: tuple, label: dict) -> bool:
    """Tell whether a box sits on a labelled object's key-frame box (the scorer's test)."""
    finding = real_labels.Finding("red_light", tuple(label["frames"]), {label["key_frame"]: box})
    return real_labels.matches(finding, label)


def refusal(track: Track, cal: Calibration, timeline: SignalTimeline | None, s: RuleSettings):
    """Return (stage, detail) naming the first red-light check the track fails, or 'flagged'."""
    track = track.own()
    obs = track.observations
    if not obs:
        return "merged", "every box of the track is marked merged"
    dists = [signed_distance(o.ground, cal) for o in obs]
    first_past = next((i for i, d in enumerate(dists) if d >= 0), None)
    if first_past is None:
        return "no crossing", f"never past the line (closest {max(dists):.0f} px)"
    if first_past < s.min_before_line:
        return "behind", f"{first_past} looks behind the line (needs {s.min_before_line})"
    index = crossing_index(track, cal, s)
    if index is None:
        a, b = obs[first_past - 1].ground, obs[first_past].ground
        t = dists[first_past - 1] / (dists[first_past - 1] - dists[first_past])
        cross = (a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1]))
        where = "off the line's extent" if not _within_line(cross, cal, s.line_margin) else ""
        where = where or ("outside lanes" if not in_lanes(cross, cal) else "?")
        return "calibration", f"{where} at ({cross[0]:.0f}, {cross[1]:.0f})"
    prev, at = obs[index - 1], obs[index]
    if not crossing_seen(prev, at, cal, s):
        return "gap", f"f{prev.frame}->f{at.frame}: {at.time_ms - prev.time_ms} ms unseen"
    if not (_whole(prev, cal, s) and _whole(at, cal, s)):
        return "whole box", f"box cut by the frame edge at f{prev.frame}/f{at.frame}"
    window = obs[max(0, index - 3) : index + 3]
    areas = [o.bbox[2] * o.bbox[3] for o in window]
    if max(areas) > s.max_size_change * max(1, min(areas)):
        return "size change", f"area x{max(areas) / max(1, min(areas)):.2f}"
    shapes = [o.bbox[3] / max(1, o.bbox[2]) for o in window]
    if max(shapes) > s.max_shape_change * min(shapes):
        return "shape change", f"h/w x{max(shapes) / min(shapes):.2f}"
    a, b = window[0], window[-1]
    step = (b.ground[0] - a.ground[0], b.ground[1] - a.ground[1])
    cos = _against(step, cal.approach)
    if cos < s.lawful_cos:
        return "direction", f"cos to approach {cos:.2f} (step {step[0]:.0f},{step[1]:.0f})"
    if not moved_whole(a, b, cal, s.min_top_share):
        return "top still", f"box top moved < {s.min_top_share} of its bottom f{a.frame}-{b.frame}"
    when = crossing_time_ms(track, index, cal)
    if timeline is None:
        return "signal", "no timeline"
    phase = timeline.phase_at(when)
    if phase is None or phase.state != RED:
        return "signal", f"{phase.state if phase else 'none'} at {when:.0f} ms (f{at.frame})"
    if when - phase.start_ms < cal.amber_grace_ms:
        return "amber grace", f"{when - phase.start_ms:.0f} ms into red"
    return "flagged", f"crossing f{prev.frame}->f{at.frame} at {when:.0f} ms, red"


def looks_on(found: list, label: dict, frames: list[int]) -> tuple[int, int]:
    """Return (CNN looks in the label's frames, looks with a detection on the object)."""
    first, last = label["frames"]
    looks = hits = 0
    for frame, dets in zip(frames, found, strict=True):
        if first <= frame <= last and dets:
            looks += 1
            hits += any(on_object(d.bbox, label) for d in dets)
    return looks, hits


def track_line(track: Track, cal: Calibration, first: int, last: int) -> str:
    """Return a track's observations in [first, last] as 'f<frame>:<signed distance>[m]'."""
    items = []
    for o in track.observations:
        if first <= o.frame <= last:
            d = signed_distance(o.ground, cal)
            items.append(f"f{o.frame}:{d:+.0f}{'m' if o.merged else ''}")
    return " ".join(items)


def holders(result: ClipAnalysis, label: dict) -> list[Track]:
    """Return the tracks with a box on the object within the label's frames (+-6)."""
    first, last = label["frames"]
    out = []
    for t in result.tracks:
        near = [o for o in t.observations if first - 6 <= o.frame <= last + 6]
        if near and any(on_object(o.bbox, label) for o in near):
            out.append(t)
    return out


def detection_frames(result_frames: int, stride: int) -> list[int]:
    """Return the frame index of each detection call (the pipeline samples every `stride`)."""
    return list(range(0, result_frames, stride))


def diagnose(name: str, args: argparse.Namespace) -> None:
    """Print the diagnosis of one clip's labelled objects and findings."""
    video, camera = CLIPS[name]
    cal = parse_calibration(json.loads((ROOT / "calibrations" / camera).read_text()))
    labels = real_labels.load_labels(real_labels.LABELS / f"{name}.json")
    path = Path(args.data) / video
    runs = {}
    for stride, dense in ((1, False), (args.learned_stride, not args.no_dense)):
        rec = argparse.Namespace(
            learned_stride=stride,
            motion_gate=0.0,
            dense_near_line=dense,
            dense_on_new=False,
            cache=args.cache,
            data=args.data,
        )
        found = recorded(name, rec, cal)[0]
        settings = PipelineSettings(learned_stride=stride, dense_near_line=dense)
        result = analyze_clip(path, cal, None, detector=Replay(found), settings=settings)
        runs[(stride, dense)] = (found, result)
    (full, _), (found, result) = runs[(1, False)], runs[(args.learned_stride, not args.no_dense)]
    step = round(result.frames / len(found))
    frames = detection_frames(result.frames, step)
    print(f"== {name}: {result.frames} frames, detection every {step}, signal:")
    print("   " + ", ".join(f"{p.state} {p.start_ms}-{p.end_ms}" for p in result.timeline.phases))
    for label in labels["objects"]:
        first, last = label["frames"]
        looks, hits = looks_on(found, label, frames)
        looks1, hits1 = looks_on(full, label, frames)
        print(
            f"-- #{label['id']} {label['role']} {label['kind']} f{first}-{last}: detected on "
            f"{hits}/{looks} looks (stride 1: {hits1}/{looks1})"
        )
        for t in holders(result, label):
            stage, detail = refusal(
                t, result.observation.calibration, result.timeline, RuleSettings()
            )
            print(
                f"   track #{t.track_id} {t.kind} f{t.observations[0].frame}-"
                f"{t.observations[-1].frame}: {stage}: {detail}"
            )
            print(f"      {track_line(t, cal, first - 12, last + 12)}")
    for f, v in zip(findings_of(result), result.violations, strict=True):
        on = [o["id"] for o in labels["objects"] if real_labels.matches(f, o)]
        e = v.event
        print(
            f"   finding {e.rule} #{e.track_id} {e.kind} f{e.frame} bbox {list(e.bbox)} "
            f"on labels {on}"
        )


def main() -> None:
    """Diagnose the chosen clips."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--clips",
        nargs="+",
        choices=sorted(CLIPS),
        default=["cos-cspr012", "cos-lake-cheyenne", "hanoi-16h30"],
    )
    parser.add_argument("--learned-stride", type=int, default=PipelineSettings().learned_stride)
    parser.add_argument("--no-dense", action="store_true")
    parser.add_argument("--cache", default=str(ROOT / "out" / "tracker-cache"))
    parser.add_argument("--data", default=str(ROOT.parent.parent / "shared" / "data" / "videos"))
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    cv2.setNumThreads(1)
    for name in args.clips:
        diagnose(name, args)


if __name__ == "__main__":
    main()
