"""The house's import rules, read from the source: no circles, imports at the top."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
PACKAGES = ("echallan", "rules", "vision", "ocr", "notices", "integrations", "synth")
# Deferred on purpose: ONNX models, OpenCV and the scene synthesiser load only in the commands
# and jobs that use them, so `echallan --help` and the web processes start without them.
HEAVY = ("vision", "ocr", "synth", "integrations.registry.simulator", "echallan.demo")


def module_name(path: Path) -> str:
    """Return the dotted module name of a source file."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def project_modules() -> dict[str, ast.Module]:
    """Parse every module of the project's packages."""
    return {
        module_name(path): ast.parse(path.read_text(encoding="utf-8"))
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
    }


def imported(node: ast.Import | ast.ImportFrom, modules: dict[str, ast.Module]) -> set[str]:
    """Return the project modules an import statement names (a submodule, else its package)."""
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    elif node.level:
        return set()
    else:
        names = [
            f"{node.module}.{a.name}" if f"{node.module}.{a.name}" in modules else node.module
            for a in node.names
        ]
    return {_owner(name, modules) for name in names} - {None}


def _owner(name: str, modules: dict[str, ast.Module]) -> str | None:
    """Return the longest project module that is `name` or contains it."""
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def top_level_graph(modules: dict[str, ast.Module]) -> dict[str, set[str]]:
    """Return each module's module-level imports of project modules."""
    graph = {}
    for name, tree in modules.items():
        nodes = [n for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)]
        graph[name] = set().union(*(imported(n, modules) for n in nodes)) - {name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Return the strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = stack[stack.index(v) :]
            del stack[stack.index(v) :]
            if len(component) > 1:
                found.append(sorted(component))

    for v in graph:
        if v not in index:
            visit(v)
    return found


def function_level_imports(tree: ast.Module) -> list[ast.Import | ast.ImportFrom]:
    """Return the imports written inside functions."""
    return [
        node
        for func in ast.walk(tree)
        if isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef)
        for node in ast.walk(func)
        if isinstance(node, ast.Import | ast.ImportFrom)
    ]


def test_the_module_level_imports_form_no_circle() -> None:
    assert cycles(top_level_graph(project_modules())) == []


def test_the_cycle_finder_finds_a_circle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_the_application_imports_at_the_top_except_heavy_models() -> None:
    modules = project_modules()
    late = [
        f"{name}:{node.lineno}"
        for name, tree in modules.items()
        if name.startswith("echallan")
        for node in function_level_imports(tree)
        if not all(m.startswith(HEAVY) for m in imported(node, modules) or {"stdlib"})
    ]
    assert late == []


def test_rules_import_nothing_of_the_application_or_io() -> None:
    modules = project_modules()
    graph = top_level_graph(modules)
    outside = {
        f"{name} -> {dep}"
        for name, deps in graph.items()
        if name.startswith("rules")
        for dep in deps
        if not dep.startswith("rules")
    }
    assert outside == set()
