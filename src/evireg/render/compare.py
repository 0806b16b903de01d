"""Two extractions of one study side by side (`evireg compare`): a table for the terminal, and the
rows, summary and JSON the other formats are made from.

The table never hides a column. When the six columns (field, A, B, agree, provenance A,
provenance B) fit the console they are shown side by side; when they do not, each value carries
its provenance on a dim line beneath it and the field path breaks at its dots and brackets, so
that the values, the agreement mark and where each value was read all stay on screen at 80
columns. A number is never broken: a value column is at least as wide as its longest number.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from rich.console import Console, ConsoleOptions, Group, RenderResult
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

from evireg.render.table_layout import fill_pieces

if TYPE_CHECKING:
    from evireg.extraction import Comparison, FieldComparison

Row = tuple[str, str, str, str, str, str]
UNBOUNDED = 100_000
AGREE = {True: Text("✓", style="green"), False: Text("✗", style="bold red")}


def provenance(p: tuple[str, str] | None) -> str:
    return f"{p[0]}: {p[1]}" if p else ""


def rows(fields: list[FieldComparison]) -> list[Row]:
    """field path, value A, value B, agree (yes/no), provenance A, provenance B."""
    from evireg.extraction import show

    return [
        (
            f.path,
            show(f.a) if f.in_a else "",
            show(f.b) if f.in_b else "",
            "yes" if f.agree else "no",
            provenance(f.provenance_a),
            provenance(f.provenance_b),
        )
        for f in fields
    ]


def summary(c: Comparison) -> str:
    n = len(c.disagreements)
    return (
        f"{c.study_id}: {c.a.extractor} and {c.b.extractor} agree on {c.agreeing} of {c.compared} fields "
        f"({c.rate:.1%}); {n} disagreement{'' if n == 1 else 's'}"
    )


def as_dict(c: Comparison, fields: list[FieldComparison]) -> dict[str, Any]:
    from evireg.render.tables import plain

    return {
        "study_id": c.study_id,
        "extractor_a": c.a.extractor,
        "extractor_b": c.b.extractor,
        "file_a": str(c.a.file),
        "file_b": str(c.b.file),
        "fields_compared": c.compared,
        "fields_agreeing": c.agreeing,
        "agreement_rate": c.rate,
        "fields": [
            {
                "field_path": f.path,
                "value_a": plain(f.a),
                "value_b": plain(f.b),
                "in_a": f.in_a,
                "in_b": f.in_b,
                "agree": f.agree,
                "provenance_a": {"source": f.provenance_a[0], "locator": f.provenance_a[1]}
                if f.provenance_a
                else None,
                "provenance_b": {"source": f.provenance_b[0], "locator": f.provenance_b[1]}
                if f.provenance_b
                else None,
            }
            for f in fields
        ],
    }


def path_lines(path: str, width: int) -> str:
    """A field path broken after its dots and before its brackets to fit ``width``
    (`outcomes[OUTCOME].` / `arms[ARM].events`); a piece longer than the width is cut."""
    return fill_pieces(re.findall(r"[^.\[]+\.?|\[[^\]]*\]\.?", path) or [path], width)


class ComparisonTable:
    """The comparison laid out for the width it is printed at (see the module notes)."""

    def __init__(self, c: Comparison, fields: list[FieldComparison]) -> None:
        self.title = Text(f"{c.study_id}: {c.a.extractor} (A) vs {c.b.extractor} (B)")
        self.a, self.b = c.a.extractor, c.b.extractor
        self.fields = fields
        self.rows = rows(fields)

    def _side_by_side(self) -> Table:
        # Text, not markup, throughout: field paths such as arms[placebo] would read as style tags
        t = Table(title=self.title, header_style="bold")
        t.add_column("field", no_wrap=True)
        heads = (
            f"A: {self.a}",
            f"B: {self.b}",
            "agree",
            f"provenance A: {self.a}",
            f"provenance B: {self.b}",
        )
        for col in heads:
            t.add_column(Text(col), no_wrap=True)
        for f, row in zip(self.fields, self.rows, strict=True):
            cells = [Text(row[0]), Text(row[1] or "—"), Text(row[2] or "—")]
            t.add_row(*cells, AGREE[f.agree], Text(row[4]), Text(row[5]), style=None if f.agree else "red")
        return t

    def _stacked(self, width: int) -> Table:
        longest = max((len(r[0]) for r in self.rows), default=5)
        numbers = [len(v) for r in self.rows for v in r[1:3] if re.fullmatch(r"-?[\d.,]+%?", v)]
        field_w = max(12, min(longest, width // 3))
        value_min = max([8, *numbers])
        t = Table(title=self.title, header_style="bold")
        t.add_column("field", width=field_w, no_wrap=True)
        t.add_column(Text(f"A: {self.a}"), min_width=value_min, overflow="fold", ratio=1)
        t.add_column(Text(f"B: {self.b}"), min_width=value_min, overflow="fold", ratio=1)
        t.add_column("agree", width=5, no_wrap=True)
        for f, row in zip(self.fields, self.rows, strict=True):
            cells = [self._value(row[1], row[4]), self._value(row[2], row[5])]
            style = None if f.agree else "red"
            t.add_row(Text(path_lines(row[0], field_w)), *cells, AGREE[f.agree], style=style)
        return t

    @staticmethod
    def _value(value: str, source: str) -> Text:
        text = Text(value or "—")
        if source:
            text.append(f"\n↳ {source}", style="dim")
        return text

    def _natural(self, console: Console, options: ConsoleOptions) -> int:
        """The side-by-side table's width with nothing cut (rich clamps a measurement to the
        width it is given, so it is measured on an unbounded one)."""
        unbounded = options.update(max_width=UNBOUNDED)
        return Measurement.get(console, unbounded, self._side_by_side()).maximum

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement(min(options.max_width, 40), self._natural(console, options))

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        if self._natural(console, options) <= options.max_width:
            yield self._side_by_side()
        else:
            yield self._stacked(options.max_width)


def rich(c: Comparison, fields: list[FieldComparison]) -> Group:
    return Group(ComparisonTable(c, fields), Text(summary(c)))
