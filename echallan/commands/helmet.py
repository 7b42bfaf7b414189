"""`echallan helmet IMAGE...`: helmet or not, for head crops, one JSON line per image."""

from __future__ import annotations

import json
import sys

import click
import cv2

from echallan.commands import json_always


@click.command("helmet")
@click.argument("images", nargs=-1, required=True, type=click.Path(dir_okay=False))
@json_always
def command(images: tuple[str, ...]) -> None:
    """Classify rider head crops; an unreadable image gets an error line and exit status 1."""

    from vision.helmet import HelmetClassifier

    classifier = HelmetClassifier.default()
    failed = False
    for path in images:
        image = cv2.imread(path, cv2.IMREAD_COLOR)
        if image is None:
            click.echo(json.dumps({"image": path, "error": "not a readable image"}))
            failed = True
            continue
        read = classifier.classify([image])[0]
        line = {"image": path, "helmet": read.helmet, "confidence": round(read.confidence, 4)}
        click.echo(json.dumps(line))
    if failed:
        sys.exit(1)
