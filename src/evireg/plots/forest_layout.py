"""Where everything on a forest plot goes, in points from the top-left corner.

Every text is measured first (:class:`~evireg.plots.style.Ruler`), the columns are placed from the
measured widths, and the plot panel shares the table's row coordinates, so rows line up and
nothing overlaps whatever the study labels are. The drawing (:mod:`evireg.plots.forest`) only
reads these positions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from evireg.plots.forest_rows import DataColumns, Row
from evireg.plots.style import FONT_SIZE, ROW, TITLE_SIZE, Ruler

PANEL_WIDTH = 180.0  # the forest panel, points (2.5 in)
TICK_LENGTH, TICK_PAD = 3.0, 2.5  # the panel's x ticks and the gap to their labels, points
TICK_TEXT = TICK_LENGTH + TICK_PAD + FONT_SIZE  # axis to the bottom of the tick labels
FAVOURS_GAP = 6.0  # tick labels to the "Favours ..." labels


@dataclass(frozen=True)
class Columns:
    """Horizontal positions in points from the figure's left edge."""

    label: float
    counts_right: tuple[float, ...]  # right edges of the arms' columns (DataColumns.heads)
    counts_width: tuple[float, ...]
    weight_right: float
    effect_left: float
    effect_split: float  # right edge of the point estimates
    effect_ci: float  # left edge of the "[lo, hi]" texts
    effect_right: float
    panel_left: float
    panel_right: float
    width: float


@dataclass(frozen=True)
class Lines:
    """Vertical positions in points from the figure's top edge, and the figure's size."""

    top: float  # the header's top (under the title, if any)
    header_bottom: float  # the rule under the header
    body_top: float  # the first row's top; row i is centred at body_top + (i + 0.5) * ROW
    axis_y: float  # the panel's axis, under the total's events row
    height: float
    width: float


def split_effect(text: str) -> tuple[str, str]:
    """ "1.23 [0.45, 6.78]" as ("1.23", "[0.45, 6.78]"); a text without an interval stays whole."""
    est, _, ci = text.partition(" ")
    return (est, ci) if ci.startswith("[") else (text, "")


def columns(
    rows: Sequence[Row],
    ruler: Ruler,
    data_cols: DataColumns,
    heading: str,
    method_text: str,
    labels: tuple[str, str],
    favours: tuple[str, str],
) -> Columns:
    """The table's columns from the widths of their texts, then the panel to their right.

    ``heading`` and ``method_text`` head the effect column ("Odds Ratio", "M-H, Fixed, 95% CI").
    """
    margin, gap, num_gap = 8.0, 16.0, 9.0
    label_w = max(
        [ruler.width(r.label, r.bold) for r in rows if r.in_table] + [ruler.width("Study or Subgroup", True)]
    )
    heads = data_cols.heads
    count_w = [
        max([ruler.width(r.counts[i], r.bold) for r in rows if i < len(r.counts)] + [ruler.width(head, True)])
        for i, head in enumerate(heads)
    ]
    # The arm label may be wider than its columns: widen the run, not the table.
    for (first, last), name in zip(data_cols.arms, labels, strict=False):
        run = count_w[first]
        for j in range(first + 1, last + 1):
            run = run + num_gap + count_w[j]
        if ruler.width(name, True) > run:
            count_w[first] += ruler.width(name, True) - run
    weight_w = max([ruler.width(r.weight, r.bold) for r in rows] + [ruler.width("Weight", True)])
    split = [(split_effect(r.effect), r.bold) for r in rows if r.effect]
    est_w = max([ruler.width(e, b) for (e, c), b in split if c] + [0.0])
    ci_w = max([ruler.width(c, b) for (_, c), b in split if c] + [0.0])
    lone_w = max([ruler.width(e, b) for (e, c), b in split if not c] + [0.0])  # "Not estimable"
    space = ruler.width(" ") + 1.0
    head_w = max(ruler.width(heading, True), ruler.width(method_text, True))
    effect_w = max(est_w + space + ci_w, lone_w, head_w)

    x = margin + label_w + gap
    counts_right = []
    # Within an arm the numbers sit close; a wide gap after each arm and after the last column.
    ends = {last for _, last in data_cols.arms} | {len(heads) - 1}
    for i, w in enumerate(count_w):
        x += w
        counts_right.append(x)
        x += gap if i in ends else num_gap
    weight_right = x + weight_w
    effect_left = weight_right + gap
    table_right = effect_left + effect_w
    # Notes run from the left margin under the columns; they must end before the panel.
    notes_w = max([ruler.width(r.label) for r in rows if r.kind == "note"] + [0.0])
    extra = max(0.0, margin + notes_w - table_right)
    if extra:  # widen the label column: the numbers keep their spacing
        counts_right = [c + extra for c in counts_right]
        weight_right += extra
        effect_left += extra
        table_right += extra
    # Centre the "est [lo, hi]" block in its column so the brackets align down the rows.
    pad = (effect_w - (est_w + space + ci_w)) / 2
    effect_split = effect_left + pad + est_w
    panel_left = table_right + gap
    # Each "Favours ..." label is centred in its half of the axis: widen the panel to hold it.
    fav_w = max(ruler.width(f"Favours {f}") for f in favours)
    panel_right = panel_left + max(PANEL_WIDTH, 2 * fav_w + 16.0)
    return Columns(
        margin,
        tuple(counts_right),
        tuple(count_w),
        weight_right,
        effect_left,
        effect_split,
        effect_split + space,
        table_right,
        panel_left,
        panel_right,
        panel_right + 14.0,
    )


def lines(rows: Sequence[Row], cols: Columns, ruler: Ruler, title: str | None) -> Lines:
    """Title, two header lines and a rule, then one ROW per row; the panel's axis sits under the
    total (under its events row, for 2x2 data), with the notes beside the tick and "Favours"
    labels below it."""
    top = 10.0 + (TITLE_SIZE * 1.9 if title else 0.0)
    header_bottom = top + 2 * ROW + 3.0
    body_top = header_bottom + 4.0
    last_events = max(i for i, r in enumerate(rows) if r.kind in ("total", "events", "pi"))
    axis_y = body_top + (last_events + 1) * ROW
    rows_below = len(rows) - last_events - 1
    below_axis = max(rows_below * ROW, TICK_TEXT + FAVOURS_GAP + FONT_SIZE * 1.2)
    height = axis_y + below_axis + 8.0
    width = max(cols.width, 2 * cols.label + ruler.width(title or "", True, TITLE_SIZE))
    return Lines(top, header_bottom, body_top, axis_y, height, width)
