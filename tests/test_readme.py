"""The README's report and audit excerpts are regenerated output, not hand-typed text."""

from __future__ import annotations

import importlib.util

from .conftest import ROOT


def test_readme_excerpts_are_current() -> None:
    spec = importlib.util.spec_from_file_location("update_readme", ROOT / "docs" / "update_readme.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    current = (ROOT / "README.md").read_text()
    assert "<!-- report:start -->\n```text\n$ evireg report" in current
    assert mod.render(current) == current, "README is stale: run `python docs/update_readme.py`"


def test_readme_states_the_two_setup_commands() -> None:
    text = (ROOT / "README.md").read_text()
    assert "pip install . && evireg report" in text
    assert 'pip install ".[test]" && python -m pytest' in text
    ci = (ROOT / ".ci" / "run").read_text()
    assert 'pip install --quiet ".[test]" && python -m pytest' in ci
