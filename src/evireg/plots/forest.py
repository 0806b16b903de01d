"""The RevMan-style forest plot of a pooled answer: the table of studies beside the plot panel.

The rows come from :mod:`evireg.plots.forest_rows`, the positions from
:mod:`evireg.plots.forest_layout`; this module draws them. A "sheet" axes spanning the drawing,
with data coordinates in points from the top-left corner, carries the table's texts; the panel,
an axes of its own with the data scale across and the sheet's row coordinates down, carries the
intervals and diamonds, so a study's square sits on its row's line of text.

Without ``ax`` the figure is sized to the layout, so it is exactly as large as its contents. With
``ax`` (statsmodels' ``plot_forest(ax=...)`` habit) the caller's axes becomes the sheet and the
panel an inset of it; texts keep their sizes in points, so the axes should be about as large as
the figure ``forest_figure`` makes on its own (``.get_size_inches()`` tells).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from evireg.plots.forest_layout import (
    FAVOURS_GAP,
    TICK_LENGTH,
    TICK_PAD,
    TICK_TEXT,
    columns,
    lines,
    split_effect,
)
from evireg.plots.forest_rows import Row, data_columns, forest_rows, scale
from evireg.plots.style import (
    FONT_SIZE,
    INK,
    ROW,
    RULE,
    SQUARE,
    TITLE_SIZE,
    Ruler,
    new_figure,
    root_figure,
    styled,
    tick_label,
)
from evireg.render.columns import RATIO, measure_name
from evireg.render.pool import rf_method

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from evireg.review.question import Answer

__all__ = ["forest_figure"]

ROB_COLUMN = 24.0  # points: the risk-of-bias column right of the panel, when there is one


def forest_figure(
    answer: Answer,
    title: str | None = None,
    labels: tuple[str, str] | None = None,
    favours: tuple[str, str] | None = None,
    ax: Axes | None = None,
) -> Figure:
    """A RevMan-style forest plot of ``answer``.

    The arms' columns are the answer's data type's, as RevMan 5 shows them (Events/Total, Mean/SD/
    Total, the estimate and its SE, or O-E and Variance); ratio measures are drawn on a log scale,
    differences on a linear one. ``labels`` head the intervention and control columns (2x2 and
    continuous data); ``favours`` names the side of
    the line of no effect each half of the axis favours (left, right). Both default to the
    answer's labels, which come from the registry's profile: its arm labels, and the outcome's
    direction for the sides (for a ratio of a good outcome the left side favours control; of a
    bad outcome, the intervention).

    ``ax``: draw into this matplotlib Axes (its limits are set and its axis hidden: it holds the
    whole table, with the plot panel as an inset) and return its figure, instead of a new one.
    """
    with styled():
        arms = labels or (answer.labels.intervention, answer.labels.control)
        return _draw_forest(answer, title, arms, favours or answer.labels.favours(), ax)


def _draw_forest(
    answer: Answer, title: str | None, labels: tuple[str, str], favours: tuple[str, str], ax: Axes | None
) -> Figure:
    q = answer.question
    ratio = q.measure in RATIO
    rows = forest_rows(answer)
    ruler = Ruler()
    method_text = rf_method(q)
    heading = measure_name(q.measure, answer.labels.unit)
    data_cols = data_columns(answer.data_type, q.measure, answer.labels.unit)
    cols = columns(rows, ruler, data_cols, heading, method_text, labels, favours)
    if answer.rob:  # a "RoB" column right of the panel; without assessments the figure is as it was
        cols = replace(cols, width=cols.width + ROB_COLUMN)
    at = lines(rows, cols, ruler, title)
    width, height = at.width, at.height
    (xmin, xmax), ticks = scale(rows, q.measure)
    null = 1.0 if ratio else 0.0

    if ax is None:
        fig = new_figure(width / 72.0, height / 72.0)
        sheet = fig.add_axes((0.0, 0.0, 1.0, 1.0))
    else:
        fig, sheet = root_figure(ax), ax
    sheet.set_xlim(0.0, width)
    sheet.set_ylim(height, 0.0)
    sheet.set_axis_off()

    def text(x: float, y: float, s: str, ha: str = "left", bold: bool = False) -> None:
        sheet.text(
            x,
            y,
            s,
            ha=ha,
            va="center_baseline",
            fontsize=FONT_SIZE,
            fontweight="bold" if bold else "normal",
            parse_math=False,
        )

    if title:
        sheet.text(
            cols.label,
            10.0 + TITLE_SIZE * 0.6,
            title,
            ha="left",
            va="center_baseline",
            fontsize=TITLE_SIZE,
            fontweight="bold",
            parse_math=False,
        )

    # Header: arm names over their columns, the measure over both effect columns.
    h1, h2 = at.top + ROW / 2, at.top + 1.5 * ROW
    c = cols.counts_right
    for (first, last), name in zip(data_cols.arms, labels, strict=False):
        left = c[first] - cols.counts_width[first]
        text((left + c[last]) / 2, h1, name, ha="center", bold=True)
    effect_mid = (cols.effect_left + cols.effect_right) / 2
    panel_mid = (cols.panel_left + cols.panel_right) / 2
    for x in (effect_mid, panel_mid):
        text(x, h1, heading, ha="center", bold=True)
        text(x, h2, method_text, ha="center", bold=True)
    text(cols.label, h2, "Study or Subgroup", bold=True)
    for x, head in zip(c, data_cols.heads, strict=True):
        text(x, h2, head, ha="right", bold=True)
    text(cols.weight_right, h2, "Weight", ha="right", bold=True)
    sheet.plot([cols.label, cols.panel_right], [at.header_bottom, at.header_bottom], color=RULE, lw=0.6)

    # Table.
    for i, r in enumerate(rows):
        y = at.body_top + (i + 0.5) * ROW
        if r.kind == "blank":
            continue
        text(cols.label, y, r.label, bold=r.bold)
        for x, s in zip(c, r.counts, strict=False):  # a row without cells has none
            if s:
                text(x, y, s, ha="right", bold=r.bold)
        if r.weight:
            text(cols.weight_right, y, r.weight, ha="right", bold=r.bold)
        if r.kind == "pi":  # "[lo, hi]" under the CIs, brackets aligned
            text(cols.effect_ci, y, r.effect)
        elif r.effect:
            est, ci = split_effect(r.effect)
            if ci:
                text(cols.effect_split, y, est, ha="right", bold=r.bold)
                text(cols.effect_ci, y, ci, bold=r.bold)
            else:
                text(effect_mid, y, est, ha="center", bold=r.bold)

    # Panel: same vertical coordinates as the sheet, data scale horizontally.
    bounds = (
        cols.panel_left / width,
        (height - at.axis_y) / height,
        (cols.panel_right - cols.panel_left) / width,
        (at.axis_y - at.body_top) / height,
    )
    # In a figure of our own the sheet fills it, so figure and sheet fractions are the same.
    panel = fig.add_axes(bounds) if ax is None else sheet.inset_axes(bounds)
    panel.set_ylim(at.axis_y, at.body_top)
    if ratio:
        panel.set_xscale("log")
    panel.set_xlim(xmin, xmax)
    _panel_axis(panel, ticks)
    panel.axvline(null, color=INK, lw=0.7, zorder=1)

    max_size = max([r.size for r in rows if r.size] or [1.0])
    for i, r in enumerate(rows):
        if r.est is None or r.lo is None or r.hi is None:
            continue
        y = at.body_top + (i + 0.5) * ROW
        if r.kind == "total":
            _diamond(panel, r.est, r.lo, r.hi, y, xmin, xmax)
        elif r.kind == "pi":
            _interval_line(panel, r.lo, r.hi, y, xmin, xmax)
        else:
            _study_mark(panel, r.est, r.lo, r.hi, y, r.size or 0.0, max_size, xmin, xmax)

    if answer.rob:
        _rob_column(sheet, answer.rob, rows, cols.panel_right + 20.0, h2, at.body_top)

    # "Favours ..." under the tick labels, each centred in its half of the axis.
    for side, name in enumerate(favours):
        edge = xmin if side == 0 else xmax
        mid = math.sqrt(edge * null) if ratio else (edge + null) / 2
        panel.annotate(
            f"Favours {name}",
            xy=(mid, 0.0),
            xycoords=("data", "axes fraction"),
            xytext=(0.0, -(TICK_TEXT + FAVOURS_GAP)),
            textcoords="offset points",
            ha="center",
            va="top",
            fontsize=FONT_SIZE,
            annotation_clip=False,
        )
    return fig


def _rob_column(
    sheet: Axes, rob: Mapping[str, str], rows: Sequence[Row], x: float, head_y: float, body_top: float
) -> None:
    """Each study's overall risk-of-bias judgement as a robvis circle with its symbol."""
    from matplotlib.patches import Circle

    from evireg.plots.rob import COLOURS
    from evireg.review.rob import symbol

    sheet.text(x, head_y, "RoB", ha="center", va="center_baseline", fontsize=FONT_SIZE, fontweight="bold")
    for i, r in enumerate(rows):
        judged = rob.get(r.label) if r.kind == "study" else None
        if judged is None:
            continue
        y = body_top + (i + 0.5) * ROW
        sheet.add_patch(Circle((x, y), ROW * 0.4, facecolor=COLOURS.get(judged, "#cccccc"), edgecolor=INK,
                               linewidth=0.5))
        sheet.text(x, y, symbol(judged), ha="center", va="center", fontsize=FONT_SIZE - 1,
                   fontweight="bold", color="black")


def _panel_axis(ax: Axes, ticks: Sequence[float]) -> None:
    from matplotlib.ticker import FixedLocator, NullLocator

    for name in ("top", "right", "left"):
        ax.spines[name].set_visible(False)
    ax.patch.set_visible(False)
    ax.yaxis.set_major_locator(NullLocator())
    ax.yaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_major_locator(FixedLocator(list(ticks)))
    ax.set_xticks(list(ticks), [tick_label(t) for t in ticks])
    ax.tick_params(axis="x", direction="out", length=TICK_LENGTH, pad=TICK_PAD, labelsize=FONT_SIZE)


def _study_mark(
    ax: Axes,
    est: float,
    lo: float,
    hi: float,
    y: float,
    size: float,
    max_size: float,
    xmin: float,
    xmax: float,
) -> None:
    """CI line (an arrowhead where it leaves the scale) and a square of area ∝ weight."""
    _interval_line(ax, lo, hi, y, xmin, xmax)
    if xmin <= est <= xmax:
        side = max(3.0, 0.78 * ROW * math.sqrt(size / max_size))  # points; area ∝ weight
        ax.plot([est], [y], marker="s", ms=side, color=SQUARE, mew=0, zorder=3, clip_on=False)


def _interval_line(ax: Axes, lo: float, hi: float, y: float, xmin: float, xmax: float) -> None:
    """A study's CI or the prediction interval: a line, with an arrowhead where it leaves the scale."""
    a, b = max(lo, xmin), min(hi, xmax)
    if a < b:
        ax.plot([a, b], [y, y], color=INK, lw=0.8, solid_capstyle="butt", zorder=2, clip_on=False)
    for clipped, x, marker in ((lo < xmin, xmin, "<"), (hi > xmax, xmax, ">")):
        if clipped:
            ax.plot([x], [y], marker=marker, ms=4.0, color=INK, mew=0, zorder=2, clip_on=False)


def _diamond(ax: Axes, est: float, lo: float, hi: float, y: float, xmin: float, xmax: float) -> None:
    """The pooled estimate: a diamond spanning its CI (cut at the scale's ends)."""
    from matplotlib.patches import Polygon

    half = 0.36 * ROW
    lo, hi = max(lo, xmin), min(hi, xmax)
    est = min(max(est, lo), hi)
    ax.add_patch(
        Polygon(
            [(lo, y), (est, y - half), (hi, y), (est, y + half)],
            closed=True,
            facecolor=INK,
            edgecolor=INK,
            lw=0.5,
            zorder=3,
            clip_on=False,
        )
    )
