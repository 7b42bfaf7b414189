"""`echallan read-plates IMAGE...`: print one JSON line per image with the plate read on it."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    import numpy as np


@click.command("read-plates")
@click.argument("images", nargs=-1, required=True)
@click.option("--localize", is_flag=True, help="Find the plate in a whole-vehicle photo first.")
def command(images: tuple[str, ...], localize: bool) -> None:
    """Read the plate on each IMAGE (a plate crop, or a vehicle photo with --localize)."""
    from ocr.reader import PlateReader

    crops, errors = _load_all(images, localize)
    reader = PlateReader.default()
    reads = dict(zip(crops, reader.read(list(crops.values())), strict=True))
    for index, image in enumerate(images):
        if index in errors:
            line = {"image": image, "error": errors[index]}
        else:
            read = reads[index]
            line = {
                "image": image,
                "plate": read.display or read.text,
                "confidence": round(read.confidence, 4),
                "valid": read.valid,
            }
        click.echo(json.dumps(line))
    if errors:
        sys.exit(1)


def _load_all(
    images: tuple[str, ...], localize: bool
) -> tuple[dict[int, np.ndarray], dict[int, str]]:
    """Return ({index: crop}, {index: error message}) for the images given."""
    crops: dict[int, np.ndarray] = {}
    errors: dict[int, str] = {}
    for index, image in enumerate(images):
        try:
            crops[index] = _crop(image, localize)
        except (OSError, ValueError) as exc:
            errors[index] = str(exc)
    return crops, errors


def _crop(image: str, localize: bool) -> np.ndarray:
    """Load one image and, when asked, cut out its best plate candidate."""
    from ocr.localize import find_plates
    from ocr.reader import load_image
    from rules.errors import InvalidInput

    try:
        loaded = load_image(image)
    except InvalidInput as exc:
        raise ValueError(exc.detail) from exc
    if not localize:
        return loaded
    candidates = find_plates(loaded)
    if not candidates:
        raise ValueError("no plate found in the image")
    return candidates[0].crop
