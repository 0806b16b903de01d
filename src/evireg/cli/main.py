"""The `evireg` program: the app of cli/app.py with every command group registered.

Importing a module of cli/commands registers its commands; they are then put in the order
`evireg --help` has always listed them, which interleaves the groups.
"""

from __future__ import annotations

import signal
import sys

from typer.models import CommandInfo

from evireg.cli.app import _interrupt, _report_interrupt, app
from evireg.cli.commands import analysis, extraction, interop, plot, records, rob, site, sof, sql  # noqa: F401  (registers them)
from evireg.cli.output import SIGPIPE_EXIT, silence_stdout
from evireg.registry import interrupts

ORDER = (
    "init", "add", "validate", "build", "query", "views", "schema", "pool", "export", "sensitivity", "report",
    "audit", "rob", "sof", "site", "compare", "adjudicate",
)  # fmt: skip


def _position(c: CommandInfo) -> int:
    return ORDER.index(c.name or getattr(c.callback, "__name__", ""))


app.registered_commands.sort(key=_position)  # the plot group comes after every command


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
        _flush_stdout()
        raise
    except KeyboardInterrupt:
        _quiet_exit()
        sys.exit(130)
    except BrokenPipeError:  # written outside a command (e.g. --help into `| head -1`)
        silence_stdout()
        sys.exit(SIGPIPE_EXIT)


def _flush_stdout() -> None:
    """Flush what is still buffered while BrokenPipeError can be caught: at the interpreter's
    exit it would be printed as an ignored exception."""
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        silence_stdout()
        sys.exit(SIGPIPE_EXIT)
    except (OSError, ValueError):
        pass


def _quiet_exit() -> None:
    # A second Ctrl-C while the interpreter shuts down would print a traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _report_interrupt()
