"""`evireg query`, `views` and `export`: the registry's SQL views, read-only.

The library checks and runs the SQL (evireg.api: `Registry.fetch`, `.views`, `.export`); these
commands parse options and choose the renderer (evireg.render.tables).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from evireg import api
from evireg.cli.app import Fmt, FormatOpt, RegistryOpt, command, emit, err
from evireg.errors import UserError


def _timeout_option(value: float) -> float:
    """A usage error (exit 2), before any work, for a cap that is no cap or none at all."""
    try:
        return api.check_timeout(value)
    except UserError as e:
        raise typer.BadParameter(e.message.removeprefix(f"--timeout {value!r}: ")) from None


@command()
def query(
    sql: Annotated[str, typer.Argument(help="One read-only SQL statement over the views.")],
    fmt: FormatOpt = Fmt.table,
    param: Annotated[
        list[str] | None, typer.Option("--param", "-p", help="name=value, used as $name.")
    ] = None,
    max_rows: Annotated[int, typer.Option("--max-rows", min=1, help="Row cap.")] = 10_000,
    timeout: Annotated[
        float,
        typer.Option(
            "--timeout",
            envvar="EVIREG_QUERY_TIMEOUT",
            callback=_timeout_option,
            help="Seconds before giving up (0.1 to 3600).",
        ),
    ] = 30.0,
    registry: RegistryOpt = None,
) -> None:
    """Run read-only SQL over the registry views (see `evireg views`)."""
    from evireg.render.tables import tabular

    reg = api.open(registry)
    res = reg.fetch(sql, api.query_params(param or []), max_rows=max_rows, timeout=timeout)
    emit(tabular(fmt.value, res.columns, res.rows))
    if res.truncated:
        err.print(f"note: showing the first {max_rows} rows; raise --max-rows for more", markup=False)


@command()
def views(fmt: FormatOpt = Fmt.table, registry: RegistryOpt = None) -> None:
    """List the SQL views and their columns."""
    from evireg.render.tables import tabular

    with api.open(registry) as reg:
        rows = [(v, c, t) for v, cols in reg.views().items() for c, t in cols]
    emit(tabular(fmt.value, ["view", "column", "type"], rows))


@command()
def export(
    out_dir: Annotated[Path, typer.Argument(help="Folder to write the files into.")],
    fmt: Annotated[str, typer.Option("--format", "-f", help="parquet, csv or datapackage.")] = "parquet",
    registry: RegistryOpt = None,
) -> None:
    """Write every view as Parquet or CSV files, or a Frictionless data package."""
    res = api.open(registry).export(out_dir, fmt)
    err.print(
        f"wrote {len(res.files)} file(s) to {res.directory} ({sum(res.rows.values())} rows)", markup=False
    )
