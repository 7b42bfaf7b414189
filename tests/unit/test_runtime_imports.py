"""The runtime packages do not import the synthesisers or the training code."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RUNTIME = ("echallan", "vision", "ocr", "rules", "notices", "integrations")
OFFLINE = {"synth", "training"}
# The demo renders its sample clips with the scene synthesiser, on purpose.
ALLOWED = {Path("echallan/demo.py")}


def imported_roots(source: Path) -> set[str]:
    """Return the top-level packages a module imports, wherever in it the import is."""
    roots = set()
    for node in ast.walk(ast.parse(source.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
        elif isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
    return roots


def test_runtime_packages_import_no_synthesiser_or_training_code() -> None:
    offenders = [
        str(path.relative_to(ROOT))
        for package in RUNTIME
        for path in (ROOT / package).rglob("*.py")
        if path.relative_to(ROOT) not in ALLOWED and imported_roots(path) & OFFLINE
    ]
    assert offenders == []


def test_the_demo_is_the_one_explicit_exception() -> None:
    assert imported_roots(ROOT / "echallan" / "demo.py") & OFFLINE == {"synth"}
