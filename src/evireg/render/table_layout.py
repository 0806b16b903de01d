"""The `--format table` of a query result, laid out for the width it is printed at.

A number is never broken or cut: it is shown whole (floats to 6 significant digits). A result
wider than the terminal keeps one line per row: long text is cut with an ellipsis and, when the
columns still do not fit side by side, they are split into bands printed one after another (as R
prints a wide data frame), so every column is shown and ten rows fit in a screen. `wide` prints
every value whole on rows as long as needed; `vertical` prints one record per block of
`column: value` lines (psql's \\x, sqlite-utils' --vertical).
"""

from __future__ import annotations

import decimal
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from rich import box
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

LAYOUTS = ("auto", "wide", "vertical")
TEXT_MIN = 11  # a text cell cut to fit keeps at least this many characters (ellipsis included)


def _overhead(n_columns: int, banded: bool = False) -> int:
    """Characters a table spends on borders and padding: the default box, or the bands' light one
    (no edges, two spaces between columns), which leaves more of a narrow terminal to the values."""
    return 2 * n_columns if banded else 3 * n_columns + 1


def is_number(value: Any) -> bool:
    return isinstance(value, int | float | decimal.Decimal) and not isinstance(value, bool)


def number_text(value: int | float | decimal.Decimal) -> str:
    if isinstance(value, int):
        return str(value)
    return f"{float(value):.6g}"


def _header_lines(name: str, width: int) -> str:
    """The column name wrapped to `width`, at underscores where it can be (`events_` / `treat`)."""
    return fill_pieces(re.findall(r"[^_]*_|[^_]+", name) or [name], width)


def fill_pieces(pieces: list[str], width: int) -> str:
    """Pieces of a name joined into lines of at most `width`, breaking only between pieces
    (a piece longer than the width is cut where it must be)."""
    lines: list[str] = []
    for piece in pieces:
        while len(piece) > width:
            lines.append(piece[:width])
            piece = piece[width:]
        if lines and len(lines[-1]) + len(piece) <= width:
            lines[-1] += piece
        elif piece:
            lines.append(piece)
    return "\n".join(lines)


@dataclass
class _Column:
    name: str
    cells: list[str]
    numeric: bool

    @property
    def natural(self) -> int:
        return max([len(self.name), *(len(c) for c in self.cells)])

    @property
    def least(self) -> int:
        """The narrowest this column gets: its numbers whole, its name's longest piece."""
        name_piece = max(len(p) for p in re.findall(r"[^_]*_|[^_]+", self.name) or [""])
        widest = max([0, *(len(c) for c in self.cells)])
        body = widest if self.numeric else min(widest, TEXT_MIN)
        return max(1, min(name_piece, 20), body)


class ResultTable:
    """A query result that chooses its layout from the width of the console it is printed to."""

    def __init__(
        self,
        columns: Sequence[str],
        rows: Sequence[Sequence[Any]],
        cell: Callable[[Any], str],
        *,
        title: str | None = None,
        layout: str = "auto",
    ) -> None:
        self.title = title
        self.layout = layout
        self.rows = rows
        self.columns = [
            _Column(
                name,
                [number_text(r[i]) if is_number(r[i]) else cell(r[i]) for r in rows],
                any(is_number(r[i]) for r in rows) and all(r[i] is None or is_number(r[i]) for r in rows),
            )
            for i, name in enumerate(columns)
        ]

    def natural_width(self) -> int:
        """The width at which every value is whole, each row on one line."""
        return sum(c.natural for c in self.columns) + _overhead(len(self.columns))

    def cut_at(self, width: int) -> bool:
        """Whether the auto layout at `width` cuts text or splits the columns into bands."""
        return self.layout == "auto" and self.natural_width() > width

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        # Piped output is printed at this width, where nothing is cut (the CLI's fitted console).
        return Measurement(min(options.max_width, 40), self.natural_width())

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = options.max_width
        if self.layout == "vertical":
            yield from self._vertical(width)
        elif not self.cut_at(width):
            yield self._table(self.columns, [c.natural for c in self.columns], self.title)
        else:
            bands = list(self._bands(width))
            for cols, widths in bands:
                first = self.columns.index(cols[0]) + 1
                label = f"columns {first}-{first + len(cols) - 1} of {len(self.columns)}"
                title = f"{self.title}: {label}" if self.title else label
                yield self._table(cols, widths, title if len(bands) > 1 else self.title, banded=True)

    def _table(
        self, cols: Sequence[_Column], widths: Sequence[int], title: str | None, banded: bool = False
    ) -> Table:
        if banded:
            t = Table(
                title=title,
                header_style="bold",
                box=box.SIMPLE_HEAD,
                show_edge=False,
                padding=(0, 1, 0, 0),
                title_justify="left",
            )
        else:
            t = Table(title=title, show_lines=False, header_style="bold")
        for c, w in zip(cols, widths, strict=True):
            t.add_column(
                Text(_header_lines(c.name, w)),
                width=w,
                min_width=w,
                no_wrap=True,
                overflow="ellipsis",
                justify="right" if c.numeric else "left",
            )
        for i in range(len(self.rows)):
            t.add_row(*(Text(c.cells[i].replace("\n", " ")) for c in cols))
        return t

    def _bands(self, width: int) -> Iterator[tuple[list[_Column], list[int]]]:
        """Columns in order, as many to a band as fit at their least width; then each band's spare
        width goes back to the text it cut, up to each column's natural width."""
        band: list[_Column] = []
        for c in self.columns:
            if band and sum(b.least for b in band) + c.least + _overhead(len(band) + 1, True) > width:
                yield band, self._widen(band, width)
                band = []
            band.append(c)
        if band:
            yield band, self._widen(band, width)

    @staticmethod
    def _widen(band: list[_Column], width: int) -> list[int]:
        widths = [c.least for c in band]
        spare = width - sum(widths) - _overhead(len(band), True)
        while spare > 0:
            short = [i for i, c in enumerate(band) if widths[i] < c.natural]
            if not short:
                break
            for i in short:
                if spare == 0:
                    break
                widths[i] += 1
                spare -= 1
        return widths

    def _vertical(self, width: int) -> Iterator[RenderableType]:
        name_width = max([0, *(len(c.name) for c in self.columns)]) + 1
        if self.title:
            yield Text(self.title, style="bold")
        for i in range(len(self.rows)):
            head = f"-[ row {i + 1} ]"
            grid = Table.grid(padding=(0, 1))
            grid.add_column(width=name_width, no_wrap=True)
            grid.add_column(overflow="fold")
            for c in self.columns:
                grid.add_row(Text(c.name + ":", style="bold"), Text(c.cells[i]))
            yield Group(Text(head + "-" * max(0, min(width, 40) - len(head))), grid)
