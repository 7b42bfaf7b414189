"""`echallan keys issue|list|revoke`: API keys for partners, banks and devices, audited as cli."""

from __future__ import annotations

import json
from typing import Any

import click
from flask.cli import with_appcontext

from echallan.commands import json_option
from echallan.core import deps
from echallan.core.auth import SCOPES
from echallan.core.uow import unit_of_work
from echallan.staff import operations as staff
from echallan.staff.models import ApiClient
from rules.errors import DomainError


@click.group("keys")
def command() -> None:
    """Issue, list and revoke API keys."""


def describe(client: ApiClient) -> dict[str, Any]:
    """The facts of a key, never its secret or hash."""
    used = client.last_used_at.isoformat() if client.last_used_at else None
    return {
        "name": client.name,
        "kind": client.kind,
        "key_id": client.key_id,
        "scopes": list(client.scopes),
        "active": client.active,
        "created_at": client.created_at.isoformat() if client.created_at else None,
        "last_used_at": used,
    }


@command.command("issue")
@click.option("--name", required=True, help="Who the key is for, e.g. 'excise registry'.")
@click.option("--kind", type=click.Choice(staff.CLIENT_KINDS), default="partner", show_default=True)
@click.option(
    "--scope",
    "scopes",
    multiple=True,
    required=True,
    type=click.Choice(sorted(SCOPES)),
    help="A scope the key carries (repeat for more).",
)
@json_option
@with_appcontext
def issue(name: str, kind: str, scopes: tuple[str, ...], as_json: bool) -> None:
    """Issue a key and print it: this is the only time it is shown."""
    try:
        with unit_of_work():
            client, key = staff.create_api_client(name, kind, list(scopes), "cli:keys-issue")
            facts = describe(client)
    except DomainError as error:
        raise click.ClickException(error.detail) from error
    if as_json:
        click.echo(json.dumps({**facts, "key": key}))
        return
    click.echo(f"key for {facts['name']} ({facts['key_id']}), shown once:")
    click.echo(key)


@command.command("list")
@json_option
@with_appcontext
def list_keys(as_json: bool) -> None:
    """List every key with its scopes and last use (revoked ones too)."""
    keys = [describe(client) for client in staff.list_api_clients()]
    if as_json:
        click.echo(json.dumps({"keys": keys}))
        return
    for key in keys:
        state = "active" if key["active"] else "revoked"
        used = key["last_used_at"] or "never used"
        click.echo(f"{key['key_id']}  {key['kind']:<8} {state:<8} {used}  {key['name']}")
        click.echo(f"    scopes: {', '.join(key['scopes'])}")


@command.command("revoke")
@click.argument("key_id")
@json_option
@with_appcontext
def revoke(key_id: str, as_json: bool) -> None:
    """Revoke the key KEY_ID (the part before the dot) for good."""
    try:
        with unit_of_work():
            revoked = staff.revoke_api_client(key_id, "cli:keys-revoke", deps.current().api_keys)
            facts = describe(revoked)
    except DomainError as error:
        raise click.ClickException(error.detail) from error
    click.echo(json.dumps(facts) if as_json else f"{key_id} revoked")
