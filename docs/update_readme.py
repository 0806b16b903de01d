"""Regenerate the `evireg report` and `evireg audit` excerpts in README.md from the bundled registry.

Run from the repository root: `python docs/update_readme.py` (tests/test_readme.py fails when the
README is stale).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from typer.testing import CliRunner

from evireg.cli.app import app

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
WIDTH = 100


def run(*args: str) -> str:
    r = CliRunner().invoke(
        app, list(args), env={"COLUMNS": str(WIDTH), "EVIREG_REGISTRY": "", "NO_COLOR": "1", "TERM": "dumb"}
    )
    if r.exit_code != 0:
        raise SystemExit(f"evireg {' '.join(args)} failed: {r.stderr}")
    return r.stdout


def report_excerpt() -> str:
    """The first analysis of `evireg report`, up to its sensitivity table."""
    text = run("report", "--registry", str(ROOT / "registry"))
    lines = text.splitlines()
    end = next(i for i, line in enumerate(lines) if line.startswith("Leave one out"))
    body = "\n".join(line.rstrip() for line in lines[:end])
    return f"```text\n$ evireg report\n{body}\n...\n```"


def audit_excerpt() -> str:
    return run("audit", "--format", "markdown", "--registry", str(ROOT / "registry")).strip()


def render(readme: str) -> str:
    for name, body in (("report", report_excerpt()), ("audit", audit_excerpt())):
        readme = re.sub(
            rf"<!-- {name}:start -->.*?<!-- {name}:end -->",
            lambda _m, n=name, b=body: f"<!-- {n}:start -->\n{b}\n<!-- {n}:end -->",
            readme,
            flags=re.S,
        )
    return readme


if __name__ == "__main__":
    new = render(README.read_text())
    if "--check" in sys.argv:
        sys.exit(0 if new == README.read_text() else 1)
    README.write_text(new)
    print("README.md excerpts regenerated")
