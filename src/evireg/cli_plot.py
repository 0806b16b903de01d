"""`evireg plot ...`: figures (forest, funnel). Registered on the main app by cli.py."""

from __future__ import annotations

import typer

plot_app = typer.Typer(help="Draw figures (needs the `plots` extra: pip install 'evireg[plots]').",
                       no_args_is_help=True)
