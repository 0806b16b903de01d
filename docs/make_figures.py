"""Regenerate the forest plots in docs/ from the bundled registry (needs the `plots` extra).

Run from anywhere: `python docs/make_figures.py`. Each figure is made by the `evireg plot` command
printed next to it, so the README's command and the committed PNG cannot drift apart.
"""

from __future__ import annotations

import shlex
from pathlib import Path

from typer.testing import CliRunner

from evireg.cli.app import app

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"

FIGURES: dict[str, list[str]] = {
    "forest-live-birth.png": [
        "plot", "forest", "--outcome", "live_birth", "--review", "gao-2025",
        "--title", "Live birth: IVIG versus control",
    ],
    "forest-live-birth-by-rmc-type.png": [
        "plot", "forest", "--outcome", "live_birth", "--by", "rmc_type",
        "--title", "Live birth by type of recurrent miscarriage",
    ],
}  # fmt: skip


def main() -> None:
    runner = CliRunner()
    for name, args in FIGURES.items():
        out = DOCS / name
        full = [*args, "-o", str(out), "--registry", str(ROOT / "registry")]
        r = runner.invoke(app, full, env={"EVIREG_REGISTRY": ""})
        if r.exit_code != 0:
            raise SystemExit(f"evireg {shlex.join(args)} failed: {r.stderr or r.output}")
        print(f"evireg {shlex.join([*args, '-o', f'docs/{name}'])}")


if __name__ == "__main__":
    main()
