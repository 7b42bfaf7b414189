"""`echallan --version` names the project's own release."""

from __future__ import annotations

from importlib.metadata import version

from click.testing import CliRunner

from echallan.cli import main


def test_version_is_the_projects_own() -> None:
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"echallan, version {version('echallan')}"
