"""The `evireg` program: the app of cli/app.py with every command group registered."""

from __future__ import annotations

from evireg.cli import extract  # noqa: F401  (registers compare and adjudicate)
from evireg.cli.app import app
from evireg.cli.plot import plot_app

app.add_typer(plot_app, name="plot")


def main() -> None:
    app(prog_name="evireg")
