"""`echallan users add|list|unlock`: staff accounts from a shell, audited as cli."""

from __future__ import annotations

import json

import click
from flask.cli import with_appcontext

from echallan.commands import json_option
from echallan.core.uow import unit_of_work
from echallan.staff import operations as staff
from echallan.staff.models import Role
from rules.errors import DomainError, NotFound


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


@command.command("add")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice(Role.ALL))
@click.option("--full-name", default="", help="The name shown on the pages.")
@click.password_option(help="The first password (asked for when not given).")
@json_option
@with_appcontext
def add(username: str, role: str, full_name: str, password: str, as_json: bool) -> None:
    """Create the member of staff USERNAME with a role and a first password."""
    try:
        with unit_of_work():
            user = staff.create_user(username, password, role, "cli:users-add", full_name)
            facts = {"username": user.username, "role": user.role, "full_name": user.full_name}
    except DomainError as error:
        raise click.ClickException(error.detail) from error
    click.echo(json.dumps(facts) if as_json else f"{username} ({role}) can sign in now")


@command.command("list")
@json_option
@with_appcontext
def list_users(as_json: bool) -> None:
    """List the staff accounts with role and state (never a password hash)."""
    users = [
        {
            "username": u.username,
            "full_name": u.full_name,
            "role": u.role,
            "active": u.active,
            "locked_until": u.locked_until.isoformat() if u.locked_until else None,
        }
        for u in staff.list_users()
    ]
    if as_json:
        click.echo(json.dumps({"users": users}))
        return
    for u in users:
        state = "locked" if not u["active"] else ("locked out" if u["locked_until"] else "active")
        click.echo(f"{u['username']:<20} {u['role']:<11} {state:<10} {u['full_name']}")
