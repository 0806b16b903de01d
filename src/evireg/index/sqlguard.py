"""Limits on SQL a user supplies: a filter is one condition, and every statement is capped.

Two kinds of user SQL reach DuckDB: `evireg query` statements and the `--where` filters of
`pool`, `sensitivity` and `plot` (and the filters that `sensitivity` adds to them). Both run
on the locked-down read-only connection of :func:`evireg.index.fresh.connect_readonly` and through
:func:`run_capped`, which gives them a time cap and makes Ctrl-C stop them at once.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar, cast

from evireg.errors import QueryRefused

if TYPE_CHECKING:
    import duckdb

T = TypeVar("T")

ENV_TIMEOUT = "EVIREG_QUERY_TIMEOUT"
DEFAULT_TIMEOUT_S = 30.0
# An hour is far beyond any query over a registry; a larger value is a typo (and above about
# 9e9 s the thread wait itself overflows).
MAX_TIMEOUT_S = 3600.0
MIN_TIMEOUT_S = 0.1
# Far above what any query over a registry needs, far below what a runaway cross join takes.
QUERY_MEMORY_LIMIT = "2GB"
_FILE_HINTS = ("external access", "file system", "Permission Error", "disabled by configuration")
WORKER_NAME = "evireg-query"
_LOCATION_KEYS = frozenset({"query_location", "query_location_length"})


def check_timeout(value: float, name: str = "--timeout") -> float:
    if not (math.isfinite(value) and MIN_TIMEOUT_S <= value <= MAX_TIMEOUT_S):
        raise QueryRefused(
            f"{name} {value!r}: give a number of seconds from {MIN_TIMEOUT_S:g} to {MAX_TIMEOUT_S:g}"
        )
    return value


def timeout_from_env() -> float:
    """The cap for `--where` filters: EVIREG_QUERY_TIMEOUT seconds, by default 30."""
    raw = os.environ.get(ENV_TIMEOUT)
    if raw is None or not raw.strip():
        return DEFAULT_TIMEOUT_S
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    return check_timeout(value, ENV_TIMEOUT)


def run_capped(
    con: duckdb.DuckDBPyConnection, work: Callable[[], T], timeout_s: float, *, stopped: str
) -> T:
    """Run `work` (statements on `con`) with a time cap; Ctrl-C interrupts it at once.

    DuckDB runs a statement in C++ in the calling thread: Python's SIGINT handler cannot run
    until it returns, and a Ctrl-C that DuckDB notices itself comes back as a bare RuntimeError.
    The work therefore runs in a worker thread while this (the main) thread waits, where a
    signal is delivered at once: a timeout or a KeyboardInterrupt here interrupts the
    connection, waits for the worker to let go of it, and then raises UserError(`stopped`) or
    the KeyboardInterrupt.
    """
    check_timeout(timeout_s)
    outcome: dict[str, Any] = {}
    done = threading.Event()

    def target() -> None:
        try:
            outcome["value"] = work()
        except BaseException as e:  # handed to the waiting thread, which re-raises it
            outcome["error"] = e
        finally:
            done.set()

    worker = threading.Thread(target=target, name=WORKER_NAME, daemon=True)
    try:
        worker.start()
        finished = done.wait(timeout_s)
    except KeyboardInterrupt:
        _stop(con, worker)
        raise
    if not finished:
        _stop(con, worker)
        if "value" not in outcome:
            raise QueryRefused(stopped)
    if "error" in outcome:
        raise outcome["error"]
    return cast(T, outcome["value"])


def _stop(con: duckdb.DuckDBPyConnection, worker: threading.Thread) -> None:
    """Interrupt the worker's statement and wait for it: the caller closes the connection next,
    which must not happen under a running statement."""
    con.interrupt()
    while worker.is_alive():
        # already stopping; a second Ctrl-C must not close the connection under the worker
        with contextlib.suppress(KeyboardInterrupt):
            worker.join(0.05)
        con.interrupt()


def describe_error(e: BaseException) -> str:
    """One line for a DuckDB error, naming what the user can change."""
    import duckdb

    msg = first_line(e)
    if isinstance(e, duckdb.OutOfMemoryException) or "out of memory" in msg.lower():
        return f"needs more than the {QUERY_MEMORY_LIMIT} of memory a query may use; narrow it ({msg})"
    if any(h.lower() in msg.lower() for h in _FILE_HINTS):
        return (
            "reading or writing files, the network or extensions is not allowed; "
            f"query the registry views instead ({msg})"
        )
    return msg


def first_line(e: BaseException) -> str:
    return str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__


# --- filters -----------------------------------------------------------------------------------


def combine(first: str | None, second: str) -> str:
    """Both filters; the newline ends a `--` comment the first may close with."""
    return f"({first}\n) AND ({second})" if first is not None else second


def filtered_sql(con: duckdb.DuckDBPyConnection, scope_sql: str, where: str) -> str:
    """`scope_sql` filtered by `where`, refused unless `where` is exactly one condition.

    The filter is spliced into SQL text (DuckDB cannot bind an expression as a parameter), so
    text such as `1=1) UNION ALL (SELECT ...` could close evireg's parenthesis and add rows.
    DuckDB's own parser decides instead, through `json_serialize_sql` (the parse tree as JSON):

    1. `SELECT <filter>` must parse as one statement whose tree equals that of `SELECT 42` apart
       from its single, unaliased select item: no second item, FROM, WHERE, GROUP BY, ORDER BY,
       LIMIT, UNION, CTE, parameter or second statement. The filter is parsed alone first so
       that a syntax error points into the user's own text, not at a parenthesis evireg added.
    2. The filtered query, `SELECT * FROM (<scope>) AS scope WHERE (<filter>\\n)`, must parse to
       the tree of the unfiltered query plus a WHERE clause equal to the tree of step 1. So the
       text cannot have escaped its parentheses, whatever the parser accepted in step 1. (The
       newline ends a trailing `--` comment, which would otherwise hide the closing parenthesis.)

    A WHERE clause can only remove rows of the scope. Subqueries inside the condition may read
    other views (e.g. `study_id IN (SELECT study_id FROM review_studies ...)`): they run on the
    same read-only, locked-down and time-capped connection and cannot add rows either.
    """
    label = f"--where {where!r}"
    if not where.strip():
        raise QueryRefused(f'{label}: the filter is empty; give a condition such as "year >= 2000"')
    prefix = "SELECT "
    alone = _parse(con, prefix + where)
    if alone.get("error"):
        raise QueryRefused(f"{label}: {_parse_problem(alone, len(prefix))}")
    expression = _single_expression(con, alone)
    if expression is None:
        raise QueryRefused(
            f"{label}: give one condition on the study columns, such as "
            "\"year >= 2000 and randomised\"; a filter cannot hold clauses such as FROM, UNION or "
            "ORDER BY, a second statement, an alias or a $parameter"
        )
    unfiltered = f"SELECT * FROM ({scope_sql}) AS scope"
    sql = f"{unfiltered} WHERE ({where}\n)"
    whole = _parse(con, sql)
    base = _parse(con, unfiltered)
    if not (whole.get("error") is False and len(whole["statements"]) == 1 and base.get("error") is False):
        raise QueryRefused(f"{label}: not a condition evireg can apply; simplify it")
    node = whole["statements"][0]["node"]
    rest = {**node, "where_clause": None}
    if _bare(node.get("where_clause")) != expression or _bare(rest) != _bare(base["statements"][0]["node"]):
        raise QueryRefused(f"{label}: not a condition evireg can apply on its own; simplify it")
    return sql


def _parse(con: duckdb.DuckDBPyConnection, sql: str) -> dict[str, Any]:
    row = con.execute("SELECT json_serialize_sql($sql)", {"sql": sql}).fetchone()
    tree: dict[str, Any] = json.loads(row[0]) if row else {"error": True, "error_message": "no parse"}
    return tree


def _parse_problem(tree: dict[str, Any], offset: int) -> str:
    if tree.get("error_type") != "parser":
        return "not one condition; give a single condition such as \"year >= 2000\""
    msg = str(tree.get("error_message", "syntax error")).strip().splitlines()[0]
    position = tree.get("position")
    if position is not None and str(position).isdigit() and int(position) >= offset:
        msg += f", at character {int(position) - offset + 1} of the filter"
    return f"not a valid condition: {msg}"


def _single_expression(con: duckdb.DuckDBPyConnection, tree: dict[str, Any]) -> Any:
    """The bare tree of the one expression `tree` selects, or None if it holds anything else."""
    statements = tree.get("statements") or []
    if len(statements) != 1 or statements[0]["node"].get("type") != "SELECT_NODE":
        return None
    node = statements[0]["node"]
    items = node.get("select_list") or []
    if len(items) != 1 or items[0].get("alias"):
        return None
    template = _parse(con, "SELECT 42")["statements"][0]
    shape = {**statements[0], "node": {**node, "select_list": []}}
    blank = {**template, "node": {**template["node"], "select_list": []}}
    expression = _bare(items[0])
    if _bare(shape) != _bare(blank) or _has_parameter(expression):
        return None
    return expression


def _bare(tree: Any) -> Any:
    """The tree without source positions, which differ between the two parses."""
    if isinstance(tree, dict):
        return {k: _bare(v) for k, v in tree.items() if k not in _LOCATION_KEYS}
    if isinstance(tree, list):
        return [_bare(v) for v in tree]
    return tree


def _has_parameter(tree: Any) -> bool:
    if isinstance(tree, dict):
        return tree.get("class") == "PARAMETER" or any(_has_parameter(v) for v in tree.values())
    if isinstance(tree, list):
        return any(_has_parameter(v) for v in tree)
    return False
