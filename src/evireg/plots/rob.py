"""Risk-of-bias figures in the style of R's robvis (McGuinness & Higgins, Res Synth Methods 2021):
the traffic-light plot and the summary bar chart of one outcome's assessments with one tool.

Traffic light: a row per study, a column per domain (D1, D2, ...) and the overall, each cell a
circle coloured by the judgement with its symbol (+ low, ! some concerns or moderate, − high or
serious, × critical, ? no information); the domains' names are listed under it. Summary: a
horizontal bar per domain (and the overall), split by the share of studies at each judgement,
each study counted by its weight in the outcome's pooled analysis when ``weights`` are given.
Colours are robvis's "cochrane" scheme. The file is reproducible (see plots/save.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from evireg.plots.style import FONT_SIZE, INK, TITLE_SIZE, new_figure, styled
from evireg.review.rob import WORDS, study_weights, symbol

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from evireg.review.question import Answer
    from evireg.review.rob import RobTable

__all__ = ["COLOURS", "rob_figure"]

COLOURS = {
    "low": "#02C100",
    "some_concerns": "#E2DF07",
    "moderate": "#E2DF07",
    "high": "#BF0000",
    "serious": "#BF0000",
    "critical": "#820000",
    "no_information": "#4EA1F7",
}
ORDER = ("low", "some_concerns", "moderate", "no_information", "serious", "high", "critical")
CELL = 22.0  # points between circle centres
RADIUS = 9.0
OVERALL_GAP = 14.0  # the overall column stands apart from the domains (its heading is wider)


def rob_figure(
    table: RobTable,
    weights: Mapping[str, float] | Answer | None = None,
    title: str | None = None,
) -> Figure:
    """The traffic-light plot over the summary bar chart of ``table``; ``weights``: study id ->
    its percentage weight, or the outcome's pooled answer to take them from (None: every study
    counts the same)."""
    if weights is not None and not isinstance(weights, Mapping):
        weights = study_weights(weights)
    with styled():
        return _draw(table, weights, title)


def _draw(table: RobTable, weights: Mapping[str, float] | None, title: str | None) -> Figure:
    from matplotlib.patches import Circle, Rectangle

    domains = table.domains
    n_cols = len(domains) + 1
    studies = table.studies
    label_w = max([len(s.study_id) for s in studies] + [5]) * FONT_SIZE * 0.6 + 12.0
    grid_w = n_cols * CELL + OVERALL_GAP
    legend_h = (len(domains) + 1) * (FONT_SIZE + 3.0)
    top = 12.0 + (TITLE_SIZE * 1.8 if title else 0.0)
    grid_top = top + 2 * CELL
    grid_h = len(studies) * CELL
    bars_top = grid_top + grid_h + legend_h + 24.0
    bar_h, bar_gap = 12.0, 6.0
    bars_h = n_cols * (bar_h + bar_gap) + 3 * FONT_SIZE + 20.0
    width = max(label_w + grid_w + 200.0, 460.0)
    height = bars_top + bars_h
    fig = new_figure(width / 72.0, height / 72.0)
    ax: Axes = fig.add_axes((0.0, 0.0, 1.0, 1.0))
    ax.set_xlim(0.0, width)
    ax.set_ylim(height, 0.0)
    ax.set_axis_off()

    def text(x: float, y: float, s: str, ha: str = "left", bold: bool = False, size: float = FONT_SIZE,
             colour: str = INK) -> None:
        ax.text(x, y, s, ha=ha, va="center", fontsize=size, fontweight="bold" if bold else "normal",
                color=colour, parse_math=False)

    if title:
        text(8.0, 12.0, title, bold=True, size=TITLE_SIZE)
    text(8.0, top + 0.5 * CELL, f"{table.outcome_label}: risk of bias ({table.tool_name})", bold=True)
    heads = [f"D{i}" for i in range(1, len(domains) + 1)] + ["Overall"]
    x0 = label_w + CELL / 2
    def col_x(j: int) -> float:
        return x0 + j * CELL + (OVERALL_GAP if j == len(domains) else 0.0)

    for j, h in enumerate(heads):
        text(col_x(j), top + 1.5 * CELL, h, ha="center", bold=True)
    text(8.0, top + 1.5 * CELL, "Study", bold=True)
    for i, s in enumerate(studies):
        y = grid_top + (i + 0.5) * CELL
        text(8.0, y, s.study_id)
        for j, judged in enumerate([d.judgement for d in s.domains] + [s.overall.judgement]):
            x = col_x(j)
            ax.add_patch(Circle((x, y), RADIUS, facecolor=COLOURS.get(judged, "#cccccc"), edgecolor=INK,
                                linewidth=0.5))
            text(x, y, symbol(judged), ha="center", bold=True, colour="black")
    ax.add_patch(Rectangle((label_w, grid_top), grid_w, grid_h, fill=False, edgecolor=INK, linewidth=0.6))
    y = grid_top + grid_h + FONT_SIZE + 4.0
    for h, (_, label) in zip(heads, domains, strict=False):
        text(8.0, y, f"{h}: {label}", size=FONT_SIZE - 1)
        y += FONT_SIZE + 3.0
    present = [j for j in ORDER if any(j in ([d.judgement for d in s.domains] + [s.overall.judgement])
                                            for s in studies)]
    x = 8.0
    for judged in present:
        ax.add_patch(Circle((x + 5.0, y + 2.0), 5.0, facecolor=COLOURS[judged], edgecolor=INK, linewidth=0.5))
        text(x + 13.0, y + 2.0, WORDS[judged], size=FONT_SIZE - 1)
        x += 13.0 + len(WORDS[judged]) * (FONT_SIZE - 1) * 0.6 + 10.0

    _summary(ax, table, weights, bars_top, label_w, width, bar_h, bar_gap, text)
    return fig


def _summary(ax: Axes, table: RobTable, weights: Mapping[str, float] | None, top: float, left: float,
             width: float, bar_h: float, bar_gap: float, text: Any) -> None:
    from matplotlib.patches import Rectangle

    weighted = weights is not None
    text(8.0, top, "Share of studies" + (" (weighted by their weight in the analysis)" if weighted else ""),
         bold=True)
    rows = [(label, [s.domains[k].judgement for s in table.studies]) for k, (_, label) in
            enumerate(table.domains)]
    rows.append(("Overall risk of bias", [s.overall.judgement for s in table.studies]))
    w = [float((weights or {}).get(s.study_id, 0.0)) if weighted else 1.0 for s in table.studies]
    total = sum(w)
    bar_left = 8.0 + 48 * (FONT_SIZE - 1) * 0.55
    bar_w = width - bar_left - 16.0
    y = top + FONT_SIZE + 8.0
    for label, judged in rows:
        short = label if len(label) <= 48 else label[:47] + "…"
        text(8.0, y + bar_h / 2, short, size=FONT_SIZE - 1)
        x = bar_left
        for j in ORDER:
            share = sum(wi for wi, jj in zip(w, judged, strict=True) if jj == j) / total if total else 0.0
            if share <= 0:
                continue
            ax.add_patch(Rectangle((x, y), share * bar_w, bar_h, facecolor=COLOURS[j], edgecolor=INK,
                                   linewidth=0.4))
            x += share * bar_w
        y += bar_h + bar_gap
    for pct in (0, 25, 50, 75, 100):
        text(bar_left + pct / 100 * bar_w, y + FONT_SIZE / 2, f"{pct}%", ha="center", size=FONT_SIZE - 1)
