"""`echallan read-plates IMAGE...`: print one JSON line per image with the plate read on it."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Any

import click

from echallan.commands import json_always
from rules.errors import InvalidInput

if TYPE_CHECKING:
    import numpy as np

    from ocr.reader import PlateRead, PlateReader


@click.command("read-plates")
@click.argument("images", nargs=-1, required=True)
@click.option(
    "--localize",
    is_flag=True,
    help="Find the plate in a whole-vehicle photo first (the line then gives its box).",
)
@json_always
def command(images: tuple[str, ...], localize: bool) -> None:
    """Read the plate on each IMAGE (a plate crop, or a vehicle photo with --localize)."""
    from ocr.reader import PlateReader

    loaded, errors = _load_all(images)
    reader = PlateReader.default()
    lines = _localized(reader, loaded, errors) if localize else _crops(reader, loaded)
    for index, image in enumerate(images):
        line = {"error": errors[index]} if index in errors else lines[index]
        click.echo(json.dumps({"image": image, **line}))
    if errors:
        sys.exit(1)


def _crops(reader: PlateReader, loaded: dict[int, np.ndarray]) -> dict[int, dict[str, Any]]:
    """Read each image as a plate crop."""
    reads = reader.read(list(loaded.values()))
    return {index: _fields(read) for index, read in zip(loaded, reads, strict=True)}


def _localized(
    reader: PlateReader, loaded: dict[int, np.ndarray], errors: dict[int, str]
) -> dict[int, dict[str, Any]]:
    """Find and read the plate in each photo; a photo with no candidate becomes an error."""
    from ocr.photo import read_photos

    lines = {}
    for index, found in zip(loaded, read_photos(reader, list(loaded.values())), strict=True):
        if found is None:
            errors[index] = "no plate found in the image"
        else:
            lines[index] = {**_fields(found.read), "box": list(found.box)}
    return lines


def _fields(read: PlateRead) -> dict[str, Any]:
    """Return the JSON fields of one read."""
    return {
        "plate": read.display or read.text,
        "confidence": round(read.confidence, 4),
        "valid": read.valid,
    }


def _load_all(images: tuple[str, ...]) -> tuple[dict[int, np.ndarray], dict[int, str]]:
    """Return ({index: image}, {index: error message}) for the images given."""
    from ocr.reader import load_image

    loaded: dict[int, np.ndarray] = {}
    errors: dict[int, str] = {}
    for index, image in enumerate(images):
        try:
            loaded[index] = load_image(image)
        except InvalidInput as exc:
            errors[index] = exc.detail
        except OSError as exc:
            errors[index] = str(exc)
    return loaded, errors
