"""`echallan sweep-devices`: run the device-health sweep once (offline, no frames, site modes)."""

from __future__ import annotations

import json
from datetime import datetime

import click
from flask.cli import with_appcontext

from echallan.commands import json_always
from echallan.core import clock, deps
from echallan.core.uow import unit_of_work
from echallan.devices import sweep as device_sweep


@click.command("sweep-devices")
@click.option(
    "--at",
    "at",
    default=None,
    help="evaluate as of this ISO 8601 time with offset (default: now)",
)
@json_always
@with_appcontext
def command(at: str | None) -> None:
    """Evaluate every device, reconcile alerts, update site modes; print the report as JSON."""

    now = _parse(at) if at else clock.now()
    with unit_of_work():
        report = device_sweep.sweep_offline(deps.current().settings, now)
    click.echo(json.dumps(report.as_dict()))


def _parse(value: str) -> datetime:
    """Parse an aware ISO 8601 time or fail with a usage error."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not ISO 8601", param_hint="--at") from None
    if parsed.tzinfo is None:
        raise click.BadParameter("give a UTC offset", param_hint="--at")
    return parsed
