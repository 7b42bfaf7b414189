"""CLI commands, one module each; every module exposes `command` (a click.Command).

Modules are discovered, so adding a command is adding a file. Heavy imports (onnxruntime, cv2,
reportlab) belong inside the command function so that `echallan --help` stays fast.
"""

from __future__ import annotations

import importlib
import pkgutil

import click


def discover() -> list[click.Command]:
    """Return the `command` of every module in this package, sorted by name."""
    found = []
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        command = getattr(module, "command", None)
        if isinstance(command, click.Command):
            found.append(command)
    return sorted(found, key=lambda c: c.name or "")
