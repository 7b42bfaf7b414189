"""`echallan users unlock NAME`: clear a member of staff's sign-in lockout, audited."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from echallan.core.uow import unit_of_work
from echallan.staff import operations as staff
from rules.errors import NotFound


@click.group("users")
def command() -> None:
    """Manage staff accounts."""


@command.command("unlock")
@click.argument("username")
@with_appcontext
def unlock(username: str) -> None:
    """Clear USERNAME's failed sign-ins and lockout (audited as cli)."""
    try:
        with unit_of_work():
            staff.unlock_user(username, "cli:users-unlock")
    except NotFound as error:
        raise click.ClickException(error.detail) from error
    click.echo(f"{username} unlocked")
