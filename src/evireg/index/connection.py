"""The one module that opens DuckDB connections to the index, and runs evireg's own SQL files.

Readers get `open_locked`: read-only, cut off from files, network and extensions, memory
capped, its configuration locked (the index may have come with someone else's registry, so its
views are not trusted). The build opens the index being written with `connect_writable` and
checks an existing one with `read_meta`. Fresh-or-rebuilt reading is fresh.connect_readonly.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evireg.errors import UserError

if TYPE_CHECKING:
    import duckdb


def sql_text(name: str) -> str:
    return (resources.files("evireg") / "sql" / name).read_text(encoding="utf-8")


def execute_script(con: duckdb.DuckDBPyConnection, name: str, params: dict[str, Any]) -> None:
    """Run each statement of a .sql file with the parameters it names (DuckDB binds parameters
    to one statement at a time)."""
    for statement in sql_text(name).split(";"):
        body = "\n".join(ln for ln in statement.splitlines() if not ln.strip().startswith("--")).strip()
        if body:
            used = set(re.findall(r"\$(\w+)", body))
            con.execute(body, {k: v for k, v in params.items() if k in used})


def connect_writable(path: Path) -> duckdb.DuckDBPyConnection:
    """A read-write connection to an index being built (a temp file no reader sees yet)."""
    import duckdb

    return duckdb.connect(str(path))


def read_meta(path: Path) -> dict[str, Any] | None:
    """The meta table of the index at `path`, or None if there is none or it cannot be read."""
    import duckdb

    if not path.exists():
        return None
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error:
        return None  # unreadable or locked mid-write elsewhere: rebuild
    try:
        return meta_of(con)
    finally:
        con.close()


def meta_of(con: duckdb.DuckDBPyConnection) -> dict[str, Any] | None:
    """The meta table on an open connection, or None if it cannot be read."""
    import duckdb

    try:
        return dict(con.execute(sql_text("meta.sql")).fetchall())
    except duckdb.Error:
        return None


# Settings that keep a query inside the registry: no files, no network, no extensions.
SAFE_CONFIG = {
    "enable_external_access": False,
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "allow_community_extensions": False,
}


@contextlib.contextmanager
def open_locked(path: Path, write_dir: Path | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to the index at `path` that can reach no file, network or
    extension (only `write_dir`, if given, for export), has a memory cap and no spilling to
    disk, and whose configuration is locked so no statement can undo any of that.

    The index may have come with a registry from someone else, so its views are not trusted:
    this is how every command reads it.
    """
    import duckdb

    from evireg.index import sqlguard

    # the limit is read at call time (not imported by value) so that a test can lower it
    limits = {"memory_limit": sqlguard.QUERY_MEMORY_LIMIT, "temp_directory": ""}
    config: dict[str, Any] = {**SAFE_CONFIG, **limits}
    if write_dir is not None:
        # DuckDB takes allowed_directories only on a running database, before access is cut.
        del config["enable_external_access"]
    try:
        con = duckdb.connect(str(path), read_only=True, config=config)
    except duckdb.Error as e:
        raise UserError(f"{path}: cannot open the registry index ({e}); run `evireg build`") from None
    try:
        if write_dir is not None:
            con.execute("SET allowed_directories = $dirs", {"dirs": [f"{write_dir}{os.sep}"]})
            con.execute("SET enable_external_access = false")
        # A second connection to an index this process already has open shares that database,
        # whose configuration is already safe and locked; setting the lock again would fail.
        locked = con.execute("SELECT current_setting('lock_configuration')").fetchone()
        if not (locked and locked[0]):
            con.execute("SET lock_configuration = true")
        yield con
    finally:
        con.close()


@dataclass(frozen=True)
class QueryResult:
    columns: list[str]
    types: list[str]
    rows: list[tuple[Any, ...]]
    truncated: bool


def fetch(
    con: duckdb.DuckDBPyConnection,
    sql: str,
    params: dict[str, Any] | None = None,
    max_rows: int | None = None,
) -> QueryResult:
    cur = con.execute(sql, params or {})
    desc = cur.description or []
    columns = [d[0] for d in desc]
    types = [str(d[1]) for d in desc]
    if max_rows is None:
        return QueryResult(columns, types, cur.fetchall(), False)
    rows = cur.fetchmany(max_rows + 1)
    return QueryResult(columns, types, rows[:max_rows], len(rows) > max_rows)


def sql_for_outcomes(name: str) -> str:
    """A query of one outcome's rows (``outcome = $outcome``) asked of a list of outcomes at once
    (``$outcomes``): each query's planning costs more than its rows, so many questions share one."""
    sql = sql_text(name)
    if sql.count("outcome = $outcome") != 1:
        raise AssertionError(f"{name}: expected one `outcome = $outcome` filter")
    return sql.replace("outcome = $outcome", "outcome IN (SELECT unnest($outcomes))")


def records(
    con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    """Rows of a query as dicts keyed by column name."""
    cur = con.execute(sql, params or {})
    cols = [d[0] for d in cur.description or []]
    return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]


def view_columns(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple[str, str]]]:
    out: dict[str, list[tuple[str, str]]] = {}
    for view, col, typ in con.execute(sql_text("view_columns.sql")).fetchall():
        out.setdefault(view, []).append((col, typ))
    return out
