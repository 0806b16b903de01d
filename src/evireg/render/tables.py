"""Tabular output in the four formats every data command offers: table, csv, json, markdown.

The table of a query result is laid out for the terminal by render/table_layout.py.
"""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import io
import json
import math
from collections.abc import Sequence
from typing import Any

from rich.table import Table

from evireg.render.table_layout import ResultTable

FORMATS = ("table", "csv", "json", "markdown")


def plain(value: Any) -> Any:
    """A JSON-safe value: dates as ISO text, NaN as null, decimals as floats."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    return value


def cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, list | tuple):
        return ", ".join(cell(v) for v in value)
    return str(value)


def to_json(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    return json.dumps([dict(zip(columns, map(plain, r), strict=True)) for r in rows], indent=2)


def to_csv(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(columns)
    for r in rows:
        w.writerow(["" if v is None else cell(v) if isinstance(v, list | tuple) else v for v in r])
    return buf.getvalue()


def to_markdown(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    def esc(s: str) -> str:
        return s.replace("|", "\\|").replace("\n", " ")

    lines = [
        "| " + " | ".join(esc(c) for c in columns) + " |",
        "| " + " | ".join("---" for _ in columns) + " |",
    ]
    lines += ["| " + " | ".join(esc(cell(v)) for v in r) + " |" for r in rows]
    return "\n".join(lines) + "\n"


def to_table(columns: Sequence[str], rows: Sequence[Sequence[Any]], title: str | None = None) -> Table:
    t = Table(title=title, show_lines=False, header_style="bold")
    for c in columns:
        t.add_column(c, overflow="fold")
    for r in rows:
        t.add_row(*(cell(v) for v in r))
    return t


def tabular(
    fmt: str,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    title: str | None = None,
    layout: str = "auto",
) -> str | ResultTable:
    """The result in `fmt`; as a table, in `layout` (table_layout.LAYOUTS) at the console's width."""
    if fmt == "json":
        return to_json(columns, rows)
    if fmt == "csv":
        return to_csv(columns, rows)
    if fmt == "markdown":
        return to_markdown(columns, rows)
    return ResultTable(columns, rows, cell, title=title, layout=layout)
