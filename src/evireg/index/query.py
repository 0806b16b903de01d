"""Read-only SQL over the registry views: one read statement, bound parameters, row and time caps."""

from __future__ import annotations

import threading
from typing import Any

from evireg.errors import UserError
from evireg.index.store import QueryResult, connect_readonly, fetch, view_columns
from evireg.registry.files import Registry

READ_STATEMENTS = {"SELECT", "EXPLAIN"}  # DESCRIBE, SHOW, SUMMARIZE and WITH parse as SELECT
DEFAULT_MAX_ROWS = 10_000
DEFAULT_TIMEOUT_S = 30.0
_FILE_HINTS = ("external access", "file system", "Permission Error", "disabled by configuration")


def check_read_only(sql: str) -> None:
    import duckdb

    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error as e:
        raise UserError(f"query: {_first_line(e)}") from None
    if len(statements) != 1:
        raise UserError(f"query: give exactly one statement (got {len(statements)})")
    kind = str(statements[0].type).rsplit(".", 1)[-1]
    if kind not in READ_STATEMENTS:
        raise UserError(
            f"query: {kind} statements are not allowed; evireg query is read-only "
            "(SELECT, WITH, EXPLAIN, DESCRIBE, SHOW, SUMMARIZE). Edit the registry files to change data."
        )


def _first_line(e: BaseException) -> str:
    return str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__


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

    check_read_only(sql)
    with connect_readonly(reg) as con:
        timer = threading.Timer(timeout_s, con.interrupt)
        timer.start()
        try:
            return fetch(con, sql, params, max_rows=max_rows)
        except duckdb.InterruptException:
            raise UserError(f"query: stopped after {timeout_s:g} s; narrow it or raise --timeout") from None
        except duckdb.Error as e:
            msg = _first_line(e)
            if any(h.lower() in msg.lower() for h in _FILE_HINTS):
                raise UserError(
                    "query: reading or writing files, the network or extensions is not allowed; "
                    f"query the registry views instead ({msg})"
                ) from None
            raise UserError(f"query: {msg}") from None
        finally:
            timer.cancel()


def list_views(reg: Registry) -> dict[str, list[tuple[str, str]]]:
    with connect_readonly(reg) as con:
        return view_columns(con)
