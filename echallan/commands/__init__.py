"""CLI commands, one module each; every module exposes `command` (a click.Command).

Modules are discovered, so adding a command is adding a file. Heavy imports (onnxruntime, cv2,
reportlab) belong inside the command function so that `echallan --help` stays fast.
"""

from __future__ import annotations

import importlib
import pkgutil

import click

# Every command that prints a result takes --json: one JSON object (or one per line for
# commands that stream a result per input) with the same facts as the text.
json_option = click.option(
    "--json", "as_json", is_flag=True, help="Print machine-readable JSON instead of text."
)

# For commands whose only output is already JSON: the flag is accepted, so that scripts can pass
# --json to every command alike.
json_always = click.option(
    "--json",
    "as_json",
    is_flag=True,
    expose_value=False,
    help="Accepted for uniformity: this command always prints JSON.",
)


def discover() -> list[click.Command]:
    """Return the `command` of every module in this package, sorted by name."""
    found = []
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        command = getattr(module, "command", None)
        if isinstance(command, click.Command):
            found.append(command)
    return sorted(found, key=lambda c: c.name or "")
