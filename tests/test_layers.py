"""The package's shape: layers point down (import-linter), and no import cycle hides anywhere,
not even inside a function (grimp's graph counts function-level imports too)."""

from __future__ import annotations

import subprocess
import sys

from .conftest import ROOT

SUBPACKAGES = {
    "cli", "api", "plots", "render", "review", "extraction", "index", "registry", "records", "stats",
}


def test_layers_contract_is_kept() -> None:
    res = subprocess.run(
        [sys.executable, "-c", "from importlinter.cli import lint_imports_command; lint_imports_command()"],
        cwd=ROOT, capture_output=True, text=True,
    )
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-2000:]
    assert "0 broken" in res.stdout


def _cycles() -> list[list[str]]:
    import grimp

    graph = grimp.build_graph("evireg")
    order: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        order[v] = low[v] = len(order)
        stack.append(v)
        on_stack.add(v)
        for w in graph.find_modules_directly_imported_by(v):
            if w not in order:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], order[w])
        if low[v] == order[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for m in sorted(graph.modules):
        if m not in order:
            visit(m)
    return found


def test_no_import_cycles_even_inside_functions() -> None:
    assert _cycles() == []


def test_every_subpackage_is_in_the_contract() -> None:
    import tomllib

    contract = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"][0]
    parts = [part for layer in contract["layers"] for part in layer.split("|")]
    named = {part.strip(" ()").removeprefix("evireg.") for part in parts}
    on_disk = {p.parent.name for p in (ROOT / "src" / "evireg").glob("*/__init__.py")}
    on_disk |= {p.stem for p in (ROOT / "src" / "evireg").glob("*.py")} & SUBPACKAGES
    assert on_disk <= named, f"subpackages outside the layers contract: {sorted(on_disk - named)}"
