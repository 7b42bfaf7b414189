"""`echallan audit verify`: check the hash chain of the audit trail."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext


@click.group("audit")
def command() -> None:
    """Inspect the audit trail."""


@command.command("verify")
@with_appcontext
def verify() -> None:
    """Report the first entry edited, deleted or reordered; exit 1 if the chain is broken."""
    from echallan.services import audit

    report = audit.verify()
    if report.ok:
        click.echo(f"audit chain intact: {report.entries} entries")
        return
    click.echo(f"audit chain BROKEN at entry {report.first_bad_seq}: {report.problem}", err=True)
    sys.exit(1)
