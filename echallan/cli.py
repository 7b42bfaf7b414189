"""The `echallan` console script: a Flask CLI group around the app factory."""

from __future__ import annotations

import click
from flask.cli import FlaskGroup

from echallan import create_app
from echallan.commands import discover


def _create_app():  # noqa: ANN202
    """Build the app for the CLI from the environment."""
    return create_app()


# The project's own version, not Flask's (FlaskGroup's --version prints Python's and Flask's).
@click.group(
    cls=FlaskGroup, create_app=_create_app, add_default_commands=True, add_version_option=False
)
@click.version_option(package_name="echallan", prog_name="echallan")
def main() -> None:
    """E-challan: traffic-camera clips to lawful challans."""


for _command in discover():
    main.add_command(_command)
