"""Read-only SQL over the registry views: one read statement, bound parameters, row and time caps."""

from __future__ import annotations

import re
from typing import Any

from evireg.errors import QueryRefused, UserError
from evireg.index.connection import QueryResult, fetch, view_columns
from evireg.index.fresh import connect_readonly
from evireg.index.sqlguard import DEFAULT_TIMEOUT_S, check_timeout, describe_error, first_line, run_capped
from evireg.registry.paths import Registry

READ_STATEMENTS = {"SELECT", "EXPLAIN"}  # DESCRIBE, SHOW, SUMMARIZE and WITH parse as SELECT
DEFAULT_MAX_ROWS = 10_000


def check_read_only(sql: str) -> None:
    import duckdb

    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error as e:
        raise QueryRefused(f"query: {first_line(e)}") from None
    if len(statements) != 1:
        raise QueryRefused(f"query: give exactly one statement (got {len(statements)})")
    kind = str(statements[0].type).rsplit(".", 1)[-1]
    if kind not in READ_STATEMENTS:
        # DuckDB files INSTALL under LOAD and CREATE VIEW under CREATE; name the word the user typed.
        typed = _first_keyword(statements[0].query) or kind
        raise QueryRefused(
            f"query: {typed} is not allowed: {_WHY.get(kind, 'it would change the registry')}. "
            "evireg query only reads (SELECT, WITH, EXPLAIN, DESCRIBE, SHOW, SUMMARIZE); "
            "edit the registry files to change data."
        )


_WHY = {
    "LOAD": "it installs or loads a DuckDB extension",
    "ATTACH": "it opens another database",
    "DETACH": "it closes a database",
    "COPY": "it reads or writes files",
    "EXPORT": "it writes files",
    "PRAGMA": "it changes database settings",
    "SET": "it changes database settings",
    "VARIABLE_SET": "it changes database settings",
}


def _first_keyword(sql: str) -> str:
    """The statement's first word as typed, after comments and whitespace."""
    text = re.sub(r"^(\s+|--[^\n]*\n?|/\*.*?\*/)+", "", sql, flags=re.S)
    match = re.match(r"[A-Za-z_]+", text)
    return match.group(0).upper() if match else ""


def parse_params(pairs: list[str]) -> dict[str, Any]:
    """`name=value` pairs; integers and decimals become numbers, everything else stays text."""
    out: dict[str, Any] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.isidentifier():
            raise UserError(f"--param {pair!r}: write it as name=value and use $name in the SQL")
        val: Any = value
        for conv in (int, float):
            try:
                val = conv(value)
                break
            except ValueError:
                continue
        out[name] = val
    return out


def run_query(
    reg: Registry,
    sql: str,
    params: dict[str, Any] | None = None,
    *,
    max_rows: int = DEFAULT_MAX_ROWS,
    timeout_s: float = DEFAULT_TIMEOUT_S,
) -> QueryResult:
    import duckdb

    check_timeout(timeout_s)
    check_read_only(sql)
    with connect_readonly(reg) as con:
        try:
            return run_capped(
                con,
                lambda: fetch(con, sql, params, max_rows=max_rows),
                timeout_s,
                stopped=f"query: stopped after {timeout_s:g} s; narrow it or raise --timeout",
            )
        except duckdb.Error as e:
            raise QueryRefused(f"query: {describe_error(e)}") from None


def list_views(reg: Registry) -> dict[str, list[tuple[str, str]]]:
    with connect_readonly(reg) as con:
        return view_columns(con)
