"""The command line: a thin layer over the library (see cli/app.py, one module per command group)."""

from evireg.cli.main import main

__all__ = ["main"]
