"""`echallan cameras add|list`: register a camera with its calibration file, audited as cli."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import click
from flask.cli import with_appcontext

from echallan.commands import json_option
from echallan.core.uow import unit_of_work
from echallan.staff import operations as staff
from rules.errors import DomainError


@click.group("cameras")
def command() -> None:
    """Register and list junction cameras."""


@command.command("add")
@click.option("--code", required=True, help="The camera's id, as in its calibration.")
@click.option("--site", "site_id", default=None, help="The id of its (registered) site.")
@click.option(
    "--calibration",
    "calibration_file",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The calibration JSON (see docs/DESIGN.md).",
)
@click.option("--name", default="", help="A name people know it by, e.g. the junction.")
@json_option
@with_appcontext
def add(code: str, site_id: str | None, calibration_file: Path, name: str, as_json: bool) -> None:
    """Register a camera once its calibration passes the same checks as the admin desk."""
    try:
        calibration = staff.calibration_from_bytes(
            calibration_file.read_bytes()[: staff.MAX_CALIBRATION_BYTES + 1]
        )
        with unit_of_work():
            camera = staff.register_camera(
                code, calibration, "cli:cameras-add", name=name, site_id=site_id
            )
            facts = {"id": camera.id, "name": camera.name, "site_id": camera.site_id}
    except DomainError as error:
        raise click.ClickException(error.detail) from error
    click.echo(json.dumps(facts) if as_json else f"camera {code} registered")


@command.command("list")
@json_option
@with_appcontext
def list_cameras(as_json: bool) -> None:
    """List every camera with its site and whether its calibration is present."""
    cameras = [asdict(row) for row in staff.list_cameras()]
    if as_json:
        click.echo(json.dumps({"cameras": cameras}))
        return
    for camera in cameras:
        state = "calibrated" if camera["calibrated"] else "NO CALIBRATION"
        click.echo(
            f"{camera['id']:<12} {camera['site_id'] or '-':<10} {state:<14} {camera['name']}"
        )
