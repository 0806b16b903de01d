"""Where the CLI's output goes: the consoles (the terminal's width, or the content's when
piped), the output formats, and the emit helpers every command renders through."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from enum import StrEnum
from typing import Any

from rich.console import Console

# What a shell reports for a program killed by SIGPIPE (128 + 13), as `yes | head -1` leaves it.
SIGPIPE_EXIT = 141


def silence_stdout() -> None:
    """Point stdout at /dev/null once its reader has closed the pipe, so that the interpreter's
    final flush does not raise (and print) BrokenPipeError a second time."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # stdout is not a real file (e.g. captured by a test runner)
        pass


def console(width: int | None = None) -> Console:
    """The console rich renderables are printed to, made per use: its width follows COLUMNS and
    the terminal as they are when a command runs, not when the CLI was imported."""
    return _Console(emoji=False, width=width)  # `file.yaml:100:` is a location, not the :100: emoji


# Piped output has no screen to fit: rich would assume 80 columns and wrap words mid-table
# (`not_recomputa` / `ble`). It is printed at the width its content needs instead, up to this.
PIPED_MAX_WIDTH = 4000
# Renderers that choose a layout by width (pool, report, sof) take their wide form when piped.
PIPED_LAYOUT_WIDTH = 160


def piped() -> bool:
    """stdout is a file or a pipe, and COLUMNS does not say how wide to print."""
    return not sys.stdout.isatty() and not os.environ.get("COLUMNS")


def layout_width() -> int:
    """The width a width-aware renderer lays out for: the terminal's, or its wide form when piped."""
    return PIPED_LAYOUT_WIDTH if piped() else console().width


def fitted_console(rendered: Any) -> Console:
    """The console to print `rendered` on: the terminal's, or, when piped, one as wide as the
    content's natural width (at least 80), so that no line is wrapped that need not be."""
    if not piped():
        return console()
    from rich.measure import Measurement

    wide = console(PIPED_MAX_WIDTH)
    need = Measurement.get(wide, wide.options, rendered).maximum
    return console(max(80, min(need, PIPED_MAX_WIDTH)))


class _Console(Console):
    """rich's console, exiting as every other output does when the pipe's reader goes away
    (rich's own answer is exit 1, which reads as a failure of the command)."""

    def on_broken_pipe(self) -> None:
        self.quiet = True
        silence_stdout()
        raise SystemExit(SIGPIPE_EXIT)


err = Console(stderr=True, soft_wrap=True, emoji=False)


class Fmt(StrEnum):
    """The formats of a command whose answer is a table: every row can be a CSV row."""

    table = "table"
    csv = "csv"
    json = "json"
    markdown = "markdown"


class DocFmt(StrEnum):
    """The formats of a command whose answer is a document (report, audit, sensitivity, sof):
    no csv, which --format therefore does not offer."""

    table = "table"
    json = "json"
    markdown = "markdown"


def emit(rendered: Any) -> None:
    """Machine formats go to stdout untouched; rich tables are rendered."""
    if isinstance(rendered, str):
        sys.stdout.write(rendered if rendered.endswith("\n") else rendered + "\n")
    else:
        fitted_console(rendered).print(rendered)


def emit_laid_out(make: Callable[[int], Any]) -> None:
    """A rendering that lays itself out for a width (forest tables, reports): the terminal's,
    or its wide form when piped, printed at that width (measuring it again would cost more than
    the layout)."""
    width = layout_width()
    console(width if piped() else None).print(make(width))


def emit_document(
    fmt: DocFmt,
    name: str,
    *,
    as_json: Callable[[], Any],
    markdown: Callable[[], str],
    table: Callable[[], Any] | None = None,
    laid_out: Callable[[int], Any] | None = None,
) -> None:
    """Reports that are documents rather than tables: JSON, Markdown or rich (from ``table``,
    or ``laid_out`` for the width it is printed at); no CSV (DocFmt does not offer it; `name`
    says whose document it is)."""
    import json

    if fmt is DocFmt.json:
        emit(json.dumps(as_json(), indent=2))
    elif fmt is DocFmt.markdown:
        emit(markdown())
    elif laid_out is not None:
        emit_laid_out(laid_out)
    elif table is not None:
        emit(table())
