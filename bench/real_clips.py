"""Run `analyze_clip` on the five real clips with their calibrations and print what it finds.

Usage: .venv/bin/python bench/real_clips.py [--clips y3 hanoi-16h30 ...] [--out bench/out/real]
       [--overview 4] [--plates] [--seed-frames N] [--min-head-px PX] [--no-head-finder]
       [--data DIR]
Clips: ../shared/data/videos beside the repository, or --data
(github.com/AhmadYahya97/Fully-Automated-red-light-Violation-Detection: y2, y3, youtube;
github.com/uvhnael/Red-Light-Violation-Detection: hanoi-*). No
controller phases exist for them: the signal is read from the clip. For each clip it writes the
evidence frames of every violation (before/at/after, annotated) and `--overview` evenly spaced
frames with every track drawn under <out>/<clip>/, plus <out>/summary.json. The verdict on each
finding (right or wrong, what is missed) is judged by eye and kept in bench/REAL_CLIPS.md.
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from pathlib import Path

import cv2
import numpy as np
import real_labels  # noqa: E402  (bench/ is on sys.path when run as a script)

from echallan.clips.findings import ClipAnalysis, analyze_clip
from rules.calibration import Calibration, parse_calibration
from rules.signals import SignalTimeline
from rules.tracks import Track
from vision import decode
from vision.pipeline import PipelineSettings

ROOT = Path(__file__).resolve().parent
# clip name -> (video file, calibration); the two Hanoi clips are two different junctions.
CLIPS = {
    "y2": ("y2.mp4", "y2.json"),
    "y3": ("y3.mov", "y3.json"),
    "youtube": ("youtube.mp4", "youtube.json"),
    "hanoi-16h15": ("hanoi-16h15.25.9.22.mp4", "hanoi-v3.json"),
    "hanoi-16h30": ("hanoi-16h30.25.9.22.mp4", "hanoi-p4.json"),
    "cos-lake-cheyenne": ("cos-lake-cheyenne.mp4", "cos-lake-cheyenne.json"),
    "cos-cspr012": ("cos-cspr012.mp4", "cos-cspr012.json"),
    # New evaluation clips (2026-12-07), labelled before any run; they live in
    # ../shared/data/videos-new beside the other clips' folder (bench/labels/README.md).
    "cos-demo1": ("../videos-new/cos-demo1.mp4", "cos-demo1.json"),
    "cos-demo4": ("../videos-new/cos-demo4.mp4", "cos-demo4.json"),
    "tanphong-test": ("../videos-new/tanphong-test.mp4", "tanphong-test.json"),
}
JPEG_QUALITY = 80
KIND_COLOURS = {"car": (255, 200, 0), "motorcycle": (0, 220, 255), "person": (200, 120, 255)}


def phases_text(timeline: SignalTimeline | None) -> str:
    """Return the signal timeline as 'state start-end' items."""
    if timeline is None:
        return "none"
    return ", ".join(f"{p.state} {p.start_ms}-{p.end_ms}" for p in timeline.phases)


def draw_overview(
    frame: np.ndarray, index: int, tracks: list[Track], cal: Calibration, fps: float, state: str
) -> np.ndarray:
    """Draw the stop line, lanes and every track's box (id, kind) on a frame copy."""
    img = frame.copy()
    (x0, y0), (x1, y1) = cal.stop_line
    cv2.line(img, (round(x0), round(y0)), (round(x1), round(y1)), (0, 0, 255), 2)
    if cal.lanes:
        pts = np.array([[round(x), round(y)] for x, y in cal.lanes], np.int32)
        cv2.polylines(img, [pts], True, (0, 255, 0), 1)
    for track in tracks:
        obs = track.at_frame(index)
        if obs is None:
            continue
        x, y, w, h = obs.bbox
        colour = KIND_COLOURS.get(track.kind, (255, 255, 255))
        cv2.rectangle(img, (x, y), (x + w, y + h), colour, 2)
        text = f"#{track.track_id} {track.kind[:4]}"
        cv2.putText(img, text, (x, max(10, y - 3)), cv2.FONT_HERSHEY_SIMPLEX, 0.4, colour, 1)
    label = f"frame {index} t={round(index * 1000 / fps)} ms signal: {state}"
    cv2.rectangle(img, (0, 0), (min(img.shape[1], 10 + 8 * len(label)), 20), (0, 0, 0), -1)
    cv2.putText(img, label, (4, 14), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (255, 255, 255), 1)
    return img


def write_overview(
    path: Path, result: ClipAnalysis, cal: Calibration, out: Path, count: int
) -> None:
    """Write `count` evenly spaced frames with every track drawn."""
    if count <= 0:
        return
    info = decode.probe(path)
    cal = cal.scaled(*result.size) if cal.frame_size != result.size else cal
    step = max(1, result.frames // (count + 1))
    wanted = {step * (i + 1) for i in range(count)}
    for index, frame in decode.frames(info, wanted):
        t_ms = round(index * 1000 / result.fps)
        state = result.timeline.state_at(t_ms) if result.timeline else "unknown"
        img = draw_overview(frame, index, result.tracks, cal, result.fps, state)
        cv2.imwrite(str(out / f"overview_f{index}.jpg"), img, [cv2.IMWRITE_JPEG_QUALITY, 80])


def recompress(folder: Path) -> None:
    """Re-encode the evidence JPEGs at quality 80 (they are kept small enough to commit)."""
    for jpg in folder.glob("*.jpg"):
        img = cv2.imread(str(jpg))
        if img is not None:
            cv2.imwrite(str(jpg), img, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])


def run_clip(name: str, args: argparse.Namespace, reader: object) -> dict:
    """Analyse one clip, write its frames, print and return its findings."""
    video, camera = CLIPS[name]
    path = Path(args.data) / video
    cal = parse_calibration(json.loads((ROOT / "calibrations" / camera).read_text()))
    out = Path(args.out) / name
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.jpg"):
        old.unlink()
    start = time.perf_counter()
    settings = PipelineSettings(
        seed_frames=args.seed_frames,
        min_head_px=args.min_head_px,
        head_finder=not args.no_head_finder,
    )
    result = analyze_clip(path, cal, None, reader, out, settings=settings)
    elapsed = time.perf_counter() - start
    recompress(out)
    write_overview(path, result, cal, out, args.overview)
    kinds = {k: sum(t.kind == k for t in result.tracks) for k in KIND_COLOURS}
    print(
        f"== {name} ({video}, {camera}): {result.frames} frames at {result.fps:.2f} fps, "
        f"{elapsed:.1f} s, {len(result.tracks)} tracks {kinds}, signal from {result.signal_source}"
    )
    print(f"   signal: {phases_text(result.timeline)}")
    for v in result.violations:
        e = v.event
        print(
            f"   {e.rule:9s} track {e.track_id:4d} {e.kind:10s} frame {e.frame:4d} "
            f"t={e.time_ms / 1000:6.2f} s bbox {list(e.bbox)} signal {e.signal_state} "
            f"conf {e.confidence} plate {v.plate_display or v.plate}"
        )
    if not result.violations:
        print("   no violations")
    print_score(name, result)
    return {
        "clip": video,
        "camera": camera,
        "frames": result.frames,
        "tracks": len(result.tracks),
        "signal": phases_text(result.timeline),
        "violations": [v.to_json() for v in result.violations],
    }


def findings_of(result: ClipAnalysis) -> list[real_labels.Finding]:
    """Turn the clip's violations into scorer findings with their tracks' boxes."""
    tracks = {t.track_id: t for t in result.tracks}
    out = []
    for v in result.violations:
        e = v.event
        track = tracks.get(e.track_id)
        boxes = {o.frame: tuple(o.bbox) for o in track.observations} if track else {}
        span = (min(e.evidence_frames), max(e.evidence_frames))
        if e.rule == "no_helmet" and boxes:
            span = (min(boxes), max(boxes))  # a bare head is the whole track's offence
        out.append(real_labels.Finding(e.rule, span, boxes or {e.frame: tuple(e.bbox)}))
    return out


def print_score(name: str, result: ClipAnalysis) -> None:
    """Print TP/FP/FN per rule against bench/labels/<clip>.json, where it exists."""
    path = real_labels.LABELS / f"{name}.json"
    if not path.is_file():
        print("   no labels")
        return
    table = real_labels.score(findings_of(result), real_labels.load_labels(path))
    for rule, row in table.items():
        print(
            f"   score {rule:9s} TP {row['tp']} FP {row['fp']} FN {row['fn']} "
            f"on-compliant {row['compliant']}"
        )


def main() -> None:
    """Run the chosen clips and write the summary."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clips", nargs="+", choices=sorted(CLIPS), default=list(CLIPS))
    parser.add_argument("--data", default=str(ROOT.parent.parent / "shared" / "data" / "videos"))
    parser.add_argument("--out", default=str(ROOT / "out" / "real"))
    parser.add_argument("--overview", type=int, default=4)
    parser.add_argument("--plates", action="store_true")
    parser.add_argument("--seed-frames", type=int, default=PipelineSettings().seed_frames)
    parser.add_argument("--min-head-px", type=float, default=PipelineSettings().min_head_px)
    parser.add_argument("--no-head-finder", action="store_true", help="read the top square as is")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING)
    cv2.setNumThreads(1)
    reader = None
    if args.plates:
        from ocr import PlateReader

        reader = PlateReader.default()
    summary = {name: run_clip(name, args, reader) for name in args.clips}
    (Path(args.out) / "summary.json").write_text(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
