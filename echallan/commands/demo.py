"""`echallan demo`: load the demo data and process the sample clips."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from echallan import demo
from echallan.commands import json_option
from echallan.core import jobs


@click.command("demo")
@click.option("--no-clips", is_flag=True, help="Create users, keys and cameras only.")
@json_option
@with_appcontext
def command(no_clips: bool, as_json: bool) -> None:
    """Load demo staff, keys and a camera; render, ingest and analyse sample clips."""

    work = Path(current_app.config["EVIDENCE_DIR"]).parent / "demo-clips"
    report = demo.load(work, with_clips=not no_clips)
    jobs.wait_idle()
    if as_json:
        _print_json(report)
        return
    _print(report)


def _print(report) -> None:  # noqa: ANN001
    """Print logins, keys and what the pipeline made of the clips."""
    from echallan.demo_summary import summary

    click.echo("Staff logins (POST /api/v1/session):")
    for username, password, role in report.logins:
        click.echo(f"  {role:<11} {username} / {password}")
    click.echo("API keys (header X-Api-Key):")
    for name, key in report.keys.items():
        click.echo(f"  {name}: {key}")
    click.echo(summary())


def _print_json(report) -> None:  # noqa: ANN001
    """Print the same logins, keys and pipeline facts as one JSON object."""
    from echallan.demo_summary import facts

    logins = [{"role": r, "username": u, "password": p} for u, p, r in report.logins]
    click.echo(json.dumps({"logins": logins, "api_keys": dict(report.keys), **facts()}))
