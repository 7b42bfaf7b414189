"""`echallan audit verify` and `echallan audit anchor`: check the chain, publish its head."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from echallan.audit import operations as audit
from echallan.commands import json_option
from echallan.core.clock import now
from rules.errors import InvalidInput


class AnchorsUnreadable(click.ClickException):
    """The anchors file is missing or malformed: a usage problem (exit 2), not a broken chain."""

    exit_code = 2


@click.group("audit")
def command() -> None:
    """Inspect the audit trail."""


@command.command("verify")
@click.option(
    "--anchors",
    "anchors_file",
    type=click.Path(dir_okay=False),
    help="Anchors from `echallan audit anchor`: also detect a deleted or rewritten tail"
    " (default: the AUDIT_ANCHOR_FILE setting, once that file exists).",
)
@json_option
@with_appcontext
def verify(anchors_file: str | None, as_json: bool) -> None:
    """Report the first entry edited, deleted or reordered; exit 1 if the chain is broken."""

    anchors_file = anchors_file or _configured_anchors()
    report = audit.verify(_load_anchors(anchors_file) if anchors_file else ())
    if as_json:
        click.echo(json.dumps(asdict(report)))
        sys.exit(0 if report.ok else 1)
    if report.ok:
        click.echo(f"audit chain intact: {report.entries} entries, {_anchors_note(report)}")
        return
    click.echo(f"audit chain BROKEN at entry {report.first_bad_seq}: {report.problem}", err=True)
    click.echo(_anchors_note(report), err=True)
    sys.exit(1)


def _configured_anchors() -> str | None:
    """Return the configured anchors file if anchors have been published to it yet.

    A deployment that anchors by schedule should have every verify check them without being
    told; before the first anchor is written the file does not exist and there is nothing to
    check, which is said rather than treated as an error.
    """

    configured = current_app.config.get("AUDIT_ANCHOR_FILE")
    if not configured:
        return None
    if not Path(configured).is_file():
        click.echo(f"no anchors published yet at {configured} (AUDIT_ANCHOR_FILE)", err=True)
        return None
    return configured


def _load_anchors(path: str) -> list:
    """Read the anchors file, turning a missing or malformed one into a readable exit 2."""

    try:
        return audit.read_anchors(path)
    except InvalidInput as error:
        raise AnchorsUnreadable(f"malformed anchors file: {error.detail}") from error
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or error
        raise AnchorsUnreadable(f"cannot read the anchors file {path}: {reason}") from error


def _anchors_note(report) -> str:  # noqa: ANN001 - audit.ChainReport, imported lazily
    """Say how many anchors were checked, and what goes unseen without any."""
    if report.anchors:
        return f"{report.anchors} anchor{'s' if report.anchors > 1 else ''} checked"
    return "0 anchors checked (without --anchors a deleted tail goes unseen)"


@command.command("anchor")
@click.option(
    "--to",
    "target",
    type=click.Path(dir_okay=False),
    help="The anchors file to append to (default: the AUDIT_ANCHOR_FILE setting).",
)
@json_option
@with_appcontext
def anchor(target: str | None, as_json: bool) -> None:
    """Append the chain's head (last seq, hash, time) to an anchors file and print it."""

    target = target or current_app.config.get("AUDIT_ANCHOR_FILE")
    if not target:
        raise click.UsageError("say where to anchor: --to FILE, or set AUDIT_ANCHOR_FILE")
    published = audit.publish_anchor(target, now())
    if published is None:
        click.echo("audit chain is empty: nothing to anchor", err=True)
        if as_json:
            click.echo(json.dumps(None))
        return
    click.echo(json.dumps(published.as_dict()) if as_json else published.to_line())
