"""`echallan sweep`: run the periodic sweeps once (cron, or by hand)."""

from __future__ import annotations

import json

import click
from flask.cli import with_appcontext

from echallan import sweeps
from echallan.commands import json_option
from echallan.core import jobs
from echallan.core.clock import now
from echallan.core.uow import unit_of_work


@click.command("sweep")
@json_option
@with_appcontext
def command(as_json: bool) -> None:
    """Requeue stuck clips, retry registry look-ups and notices, apply due dates to challans."""

    with unit_of_work():
        found = sweeps.run_all(now())
    jobs.wait_idle()
    if as_json:
        click.echo(json.dumps(dict(found)))
        return
    click.echo(" ".join(f"{name}={count}" for name, count in found.items()))
