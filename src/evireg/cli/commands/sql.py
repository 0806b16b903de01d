"""`evireg query`, `views` and `export`: the registry's SQL views, read-only.

The library checks and runs the SQL (evireg.api: `Registry.fetch`, `.views`, `.export`); these
commands parse options and choose the renderer (evireg.render.tables).
"""

from __future__ import annotations

import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from evireg import api
from evireg.cli.app import FormatOpt, RegistryOpt, command
from evireg.cli.output import Fmt, emit, err, fitted_console
from evireg.errors import InvalidOption, UserError


def _timeout_option(value: float) -> float:
    """A usage error (exit 2), before any work, for a cap that is no cap or none at all."""
    try:
        return api.check_timeout(value)
    except UserError as e:
        raise typer.BadParameter(e.message.removeprefix(f"--timeout {value!r}: ")) from None


@command()
def query(
    sql: Annotated[str, typer.Argument(metavar="SQL", help="One read-only SQL statement over the views.")],
    fmt: FormatOpt = Fmt.table,
    param: Annotated[
        list[str] | None,
        typer.Option("--param", "-p", metavar="NAME=VALUE", help="name=value, used as $name."),
    ] = None,
    max_rows: Annotated[int, typer.Option("--max-rows", min=1, metavar="N", help="Row cap.")] = 10_000,
    timeout: Annotated[
        float,
        typer.Option(
            "--timeout",
            envvar="EVIREG_QUERY_TIMEOUT",
            callback=_timeout_option,
            metavar="SECONDS",
            help="Seconds before giving up (0.1 to 3600).",
        ),
    ] = 30.0,
    wide: Annotated[
        bool, typer.Option("--wide", help="Table: every value whole, rows as long as they need.")
    ] = False,
    vertical: Annotated[
        bool, typer.Option("--vertical", help="Table: one record per block of `column: value` lines.")
    ] = False,
    registry: RegistryOpt = None,
) -> None:
    """Run read-only SQL over the registry views (see `evireg views`).

    The table fits the terminal: long text is cut with an ellipsis and a result wider than the
    terminal is shown in bands of columns; numbers are always whole.
    """
    if wide and vertical:
        raise InvalidOption("--wide and --vertical are two layouts; choose one")
    if (wide or vertical) and fmt is not Fmt.table:
        raise InvalidOption(f"--{'wide' if wide else 'vertical'} lays out --format table only")
    from evireg.render.tables import tabular

    reg = api.open(registry)
    res = reg.fetch(sql, api.query_params(param or []), max_rows=max_rows, timeout=timeout)
    # piped, with no COLUMNS to honour, there is no terminal width to fit: rows are not cut
    piped = not sys.stdout.isatty() and not os.environ.get("COLUMNS")
    layout = "vertical" if vertical else "wide" if wide or piped else "auto"
    _print_table(tabular(fmt.value, res.columns, res.rows, layout=layout))
    if res.truncated:
        err.print(f"note: showing the first {max_rows} rows; raise --max-rows for more", markup=False)


def _print_table(rendered: Any) -> None:
    """A string as it is; a query table at the terminal's width, or as wide as its rows if wide."""
    from evireg.render.table_layout import ResultTable

    if not isinstance(rendered, ResultTable):
        emit(rendered)
        return
    out = fitted_console(rendered)
    if rendered.layout == "wide":
        out = Console(emoji=False, width=max(out.width, rendered.natural_width()))
    elif rendered.cut_at(out.width):
        err.print(
            f"note: {len(rendered.columns)} columns fitted to {out.width} characters (long text cut "
            "with …); --wide or --vertical shows every value whole",
            markup=False,
            highlight=False,
        )
    out.print(rendered)


@command()
def views(
    name: Annotated[
        str | None, typer.Argument(metavar="VIEW", help="One view: what it holds and its columns.")
    ] = None,
    columns: Annotated[
        bool | None,
        typer.Option(
            "--columns/--no-columns",
            help="Every view's columns (default: for csv and json; table and markdown list the views).",
        ),
    ] = None,
    fmt: FormatOpt = Fmt.table,
    registry: RegistryOpt = None,
) -> None:
    """List the SQL views with what each holds, or show one view's columns and types."""
    from evireg.api.sql import VIEW_DESCRIPTIONS
    from evireg.render.tables import tabular

    with api.open(registry) as reg:
        cols = reg.views()
    if name is not None:
        if name not in cols:
            raise InvalidOption(f"no view {name!r}; the views are: {', '.join(cols)}", list(cols))
        _print_view(fmt, name, VIEW_DESCRIPTIONS.get(name, ""), cols[name])
        return
    if columns if columns is not None else fmt in (Fmt.csv, Fmt.json):
        # the column listing scripts read, as it has always been: one row per view and column
        rows: list[tuple[str, ...]] = [(v, c, t) for v, vcols in cols.items() for c, t in vcols]
        _print_table(tabular(fmt.value, ["view", "column", "type"], rows))
        return
    listing = [(v, VIEW_DESCRIPTIONS.get(v, "")) for v in cols]
    if fmt is Fmt.table:
        from rich.table import Table
        from rich.text import Text

        t = Table(header_style="bold")
        t.add_column("view", no_wrap=True)
        t.add_column("holds")  # wraps at words: a sentence, not a number
        for v, d in listing:
            t.add_row(Text(v), Text(d))
        emit(t)
        err.print("`evireg views NAME` shows a view's columns; --columns lists them all", markup=False)
    else:
        emit(tabular(fmt.value, ["view", "description"], listing))


def _print_view(fmt: Fmt, name: str, description: str, cols: list[tuple[str, str]]) -> None:
    """One view: the sentence on what it holds, then its columns with their DuckDB types."""
    import json

    from evireg.render.tables import tabular

    rows = [(c, t) for c, t in cols]
    if fmt is Fmt.json:
        columns = [{"column": c, "type": t} for c, t in cols]
        emit(json.dumps({"view": name, "description": description, "columns": columns}, indent=2))
    elif fmt is Fmt.csv:
        emit(tabular("csv", ["column", "type"], rows))
    elif fmt is Fmt.markdown:
        emit(f"**{name}**: {description}\n\n" + str(tabular("markdown", ["column", "type"], rows)))
    else:
        from rich.console import Group
        from rich.text import Text

        from evireg.render.tables import to_table

        emit(Group(Text(f"{name}: {description}"), to_table(["column", "type"], rows)))


class ExportFmt(StrEnum):
    """What `export` writes (its own choices: a folder of files, not a table on stdout)."""

    parquet = "parquet"
    csv = "csv"
    datapackage = "datapackage"


@command()
def export(
    out_dir: Annotated[Path, typer.Argument(metavar="DIR", help="Folder to write the files into.")],
    fmt: Annotated[
        ExportFmt, typer.Option("--format", "-f", case_sensitive=False, help="File format of the views.")
    ] = ExportFmt.parquet,
    registry: RegistryOpt = None,
) -> None:
    """Write every view as Parquet or CSV files, or a Frictionless data package."""
    res = api.open(registry).export(out_dir, fmt.value)
    err.print(
        f"wrote {len(res.files)} file(s) to {res.directory} ({sum(res.rows.values())} rows)", markup=False
    )
