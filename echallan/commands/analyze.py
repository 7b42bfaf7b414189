"""`echallan analyze CLIP --camera CAM.json [--meta META.json] [--annotate DIR] [--pipeline P]`."""

from __future__ import annotations

import hashlib
import json
import logging
import sys
from pathlib import Path
from typing import Any

import click
import cv2

from echallan.clips import findings
from echallan.commands import json_always
from rules.calibration import parse_calibration
from rules.errors import DomainError
from rules.signals import parse_signal_phases
from vision import pipeline

log = logging.getLogger(__name__)


def _load_json(path: str, what: str) -> Any:
    """Read a JSON file or stop with a message naming it."""
    try:
        return json.loads(Path(path).read_text())
    except (OSError, ValueError) as exc:
        raise click.ClickException(f"{what} file {path} is not readable JSON: {exc}") from exc


def _sha256(path: str) -> str:
    """Return the clip's SHA-256 (the evidence hash printed on the notice)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _plate_reader(enabled: bool) -> Any:
    """Load the OCR model, or warn and go on without plates when it is not there."""
    if not enabled:
        return None
    try:
        from ocr import PlateReader

        return PlateReader.default()
    except Exception as exc:  # noqa: BLE001 - any failure to load means "no plates", said aloud
        click.echo(f"warning: plate reader unavailable ({exc}); plates will be null", err=True)
        return None


def run(
    clip: str,
    camera: str,
    meta: str | None,
    annotate: str | None,
    plates: bool,
    pipeline_name: str | None = None,
) -> dict:
    """Analyse the clip and return the contract object; domain errors propagate."""
    calibration = parse_calibration(_load_json(camera, "camera"))
    phases = None
    if meta:
        items = _load_json(meta, "metadata").get("signal_phases")
        phases = parse_signal_phases(items) if items is not None else None
    settings = pipeline.named(pipeline_name) if pipeline_name else None  # None: library default
    reader = _plate_reader(plates)
    result = findings.analyze_clip(clip, calibration, phases, reader, annotate, settings=settings)
    return {
        "clip": _sha256(clip),
        "violations": [v.to_json() for v in result.violations],
        "signal_source": result.signal_source,
        "frames": result.frames,
        "fps": round(result.fps, 3),
    }


@click.command("analyze")
@click.argument("clip", type=click.Path(dir_okay=False))
@click.option("--camera", required=True, type=click.Path(dir_okay=False), help="calibration JSON")
@click.option("--meta", type=click.Path(dir_okay=False), help="clip metadata JSON (signal phases)")
@click.option("--annotate", type=click.Path(file_okay=False), help="write evidence images here")
@click.option("--no-plates", is_flag=True, help="skip plate reading")
@click.option(
    "--pipeline",
    "pipeline_name",
    type=click.Choice(sorted(pipeline.NAMED)),
    help="learned (real footage, the default) or motion (rendered scenes)",
)
@json_always
def command(
    clip: str,
    camera: str,
    meta: str | None,
    annotate: str | None,
    no_plates: bool,
    pipeline_name: str | None,
) -> None:
    """Find red-light, wrong-way and no-helmet violations in a clip; print them as JSON."""

    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_ERROR)  # our own messages suffice
    try:
        result = run(clip, camera, meta, annotate, not no_plates, pipeline_name)
    except DomainError as exc:
        click.echo(f"error: {exc.detail}", err=True)
        sys.exit(1)
    click.echo(json.dumps(result))
