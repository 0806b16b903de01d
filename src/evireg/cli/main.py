"""The `evireg` program: the app of cli/app.py with every command group registered."""

from __future__ import annotations

import signal
import sys

from evireg.cli import extract  # noqa: F401  (registers compare and adjudicate)
from evireg.cli.app import _interrupt, _report_interrupt, app
from evireg.cli.plot import plot_app
from evireg.registry import interrupts

app.add_typer(plot_app, name="plot")


def main() -> None:
    """The `evireg` program. Ctrl-C exits 130 with one message wherever it lands: in a command
    (see handled), or while options are parsed, where typer exits 130 without a word."""
    _interrupt["reported"] = False
    interrupts.install()
    try:
        app(prog_name="evireg")
    except SystemExit as e:
        if e.code == 130:
            _quiet_exit()
        raise
    except KeyboardInterrupt:
        _quiet_exit()
        sys.exit(130)


def _quiet_exit() -> None:
    # A second Ctrl-C while the interpreter shuts down would print a traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _report_interrupt()
