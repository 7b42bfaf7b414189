"""Identity switches on synthesised clips: tracks that follow one vehicle, then another.

Usage: .venv/bin/python bench/track_identity.py --seeds 900000 900040 [--work DIR]
       [--detector motion|learned] [--tracker iou|bytetrack]

A track's own boxes (those not flagged as shared with another object) are matched to the
scene's true vehicle boxes (`synth.scenes.vehicle_at`, IoU >= 0.3). A switch is a track whose
own boxes belong to one vehicle and later to another: its plate vote and its rule evidence mix
two vehicles. Boxes matched to no vehicle are left out. Seeds 900000+ are for measurement only.
"""

from __future__ import annotations

import argparse
from itertools import groupby
from pathlib import Path

from echallan.clips.findings import analyze_clip
from rules.calibration import parse_calibration
from rules.signals import parse_signal_phases
from rules.tracks import Track
from synth.scenes import GroundTruth, random_scene_spec, render_scene, vehicle_at
from vision.pipeline import PipelineSettings


def switches(track: Track, truth: GroundTruth) -> int:
    """Return how many times the track's own boxes pass from one true vehicle to another."""
    ids = [vehicle_at(truth, o.frame, o.bbox) for o in track.own().observations]
    runs = [vid for vid, _ in groupby(v for v in ids if v is not None)]
    return max(0, len(runs) - 1)


def clip_switches(
    seed: int, work: Path, settings: PipelineSettings | None = None
) -> tuple[int, int, int]:
    """Render and analyse one seed; return (tracks, tracks with a switch, switches)."""
    path = work / f"identity_{seed}.mp4"
    truth = render_scene(random_scene_spec(seed, size=(1280, 720)), path)
    phases = parse_signal_phases(truth.metadata["signal_phases"])
    result = analyze_clip(path, parse_calibration(truth.calibration), phases, settings=settings)
    path.unlink()
    counts = [switches(t, truth) for t in result.tracks]
    return len(counts), sum(c > 0 for c in counts), sum(counts)


def main() -> None:
    """Print, over a seed range, the tracks and the identity switches among them."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", nargs=2, type=int, required=True)
    parser.add_argument("--work", default="bench/out/work")
    parser.add_argument("--detector", default=PipelineSettings().detector)
    parser.add_argument("--tracker", default=PipelineSettings().tracker)
    parser.add_argument("--verbose", action="store_true", help="print each seed with a switch")
    args = parser.parse_args()
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    settings = PipelineSettings(detector=args.detector, tracker=args.tracker)
    tracks = switched = total = 0
    for seed in range(*args.seeds):
        n, bad, count = clip_switches(seed, work, settings)
        tracks, switched, total = tracks + n, switched + bad, total + count
        if args.verbose and bad:
            print(f"  seed {seed}: {bad} of {n} tracks switch vehicles ({count} switches)")
    print(f"{args.seeds[1] - args.seeds[0]} clips: {tracks} tracks, {switched} switch vehicles")
    print(f"identity switches: {total}")


if __name__ == "__main__":
    main()
