"""The funnel plot of a pooled answer: each study's effect against its standard error.

The studies sit around the pooled estimate (fixed effect, or random effects when asked) inside
the pseudo 95% confidence region, with subgroups (``--by``) told apart by marker and a caption
giving Egger's regression test, worded as the Cochrane Handbook advises when there are fewer
than ten studies. Any data type: the x axis is the study effects (log scale for ratio measures,
linear for differences, with a mean difference's unit), the y axis the standard error of the
analysis-scale estimate.

Without ``ax`` the figure is made to measure, title on top and caption underneath. With ``ax``
(statsmodels' ``plot_forest(ax=...)`` habit) the caller's axes is the panel, and the title,
legend and caption are placed around it at the same distances, in points, as on a figure of
our own, so the caller leaves room for them as for tick labels.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from evireg.errors import UserError
from evireg.plots.style import (
    FONT_SIZE,
    INK,
    RULE,
    SQUARE,
    TITLE_SIZE,
    new_figure,
    root_figure,
    styled,
    tick_label,
)
from evireg.render import revman_format as rf
from evireg.render.columns import RATIO, measure_name

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from evireg.review.question import Answer

__all__ = ["funnel_figure"]

MARKERS = ("o", "s", "^", "D", "v", "P", "X")  # one per subgroup, in order of appearance


def funnel_figure(answer: Answer, title: str | None = None, ax: Axes | None = None) -> Figure:
    """Each study's effect against its standard error, around the pooled estimate (fixed effect,
    or random effects when the answer's model is random, which the caption then says).

    The dashed triangle is the pseudo 95% confidence region (estimate ± 1.96·SE); a caption gives
    Egger's regression test when at least three studies can be estimated.

    ``ax``: draw into this matplotlib Axes (it becomes the plot panel; title, legend and caption
    go around it) and return its figure, instead of a new one.
    """
    with styled():
        return _draw_funnel(answer, title, ax)


def _centre(answer: Answer) -> tuple[float, str]:
    """Where the funnel stands (analysis scale) and what that is: the pooled estimate of all the
    answer's studies under its model (fixed effect unless --model random: metafor's funnel()
    also centres on the model's estimate; HKSJ changes only the interval, not the estimate)."""
    from evireg.review.pooling import pool_inputs
    from evireg.stats import PoolResult

    q = answer.question
    if q.model == "random":
        res = pool_inputs(answer.inputs, replace(q, hksj=False, by=None), answer.data_type)
        assert isinstance(res, PoolResult)  # by=None pools without subgroups
        return res.log_estimate, f"random-effects ({q.tau2_method}) estimate"
    if not q.hksj and q.by is None and answer.overall is not None:
        return answer.overall.log_estimate, "fixed-effect estimate"
    res = pool_inputs(answer.inputs, replace(q, model="fixed", hksj=False, by=None), answer.data_type)
    assert isinstance(res, PoolResult)
    return res.log_estimate, "fixed-effect estimate"


def _egger_caption(answer: Answer) -> str:
    from evireg.review.pooling import kernel_args
    from evireg.stats.sensitivity import egger_data

    data, opts = kernel_args(answer.inputs, answer.question)
    eg = egger_data(data, opts.measure)
    if eg.reason is not None:
        return f"Egger's test not run: {eg.reason}."
    text = (
        f"Egger's test: intercept {eg.intercept:.2f} (SE {eg.se:.2f}), "
        f"t = {eg.t:.2f}, df = {eg.df}, {rf.fmt_p(eg.p)}"
    )
    if eg.caveat:  # the policy of stats/sensitivity.py, worded as the text report words it
        text += f"\n{eg.caveat[0].upper()}{eg.caveat[1:]}."
    return text


def _log_ticks(lo: float, hi: float) -> list[float]:
    cands = [m * 10.0**e for e in range(-4, 5) for m in (1.0, 2.0, 5.0)]
    ticks = [t for t in cands if lo <= t <= hi]
    if len(ticks) > 7:
        ticks = [
            t
            for t in ticks
            if math.isclose(math.log10(t) % 1, 0, abs_tol=1e-9)
            or math.isclose(math.log10(t) % 1, 1, abs_tol=1e-9)
        ]
    return ticks


def _nice_ceiling(x: float) -> float:
    """The next of 1, 1.5, 2, 2.5, 3, 4, 5, 6, 8 (times a power of ten) at or above ``x``."""
    if x <= 0 or not math.isfinite(x):
        return 1.0
    e = math.floor(math.log10(x))
    for m in (1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0):
        if m * 10.0**e >= x * (1 - 1e-12):
            return m * 10.0**e
    return 10.0 ** (e + 1)


def _draw_funnel(answer: Answer, title: str | None, ax: Axes | None) -> Figure:
    from matplotlib.lines import Line2D
    from matplotlib.ticker import FixedLocator, FuncFormatter, MaxNLocator, NullLocator

    q = answer.question
    overall = answer.overall
    if overall is None:
        raise UserError("nothing to plot: no study in scope has data for this outcome")
    ratio = q.measure in RATIO
    groups: list[str | None] = [i.subgroup for i in answer.inputs]
    if len(groups) != len(overall.studies):
        groups = [None] * len(overall.studies)
    pts = [
        (s.yi, math.sqrt(s.vi), g)
        for s, g in zip(overall.studies, groups, strict=True)
        if s.excluded is None and math.isfinite(s.yi) and math.isfinite(s.vi) and s.vi > 0
    ]
    if not pts:
        raise UserError("nothing to plot: no study in scope has an estimable effect")
    theta, centre = _centre(answer)
    se_top = _nice_ceiling(max(se for _, se, _ in pts) * 1.08)
    half = 1.96 * se_top
    lo = min(theta - half, min(y for y, _, _ in pts)) - 0.05 * half
    hi = max(theta + half, max(y for y, _, _ in pts)) + 0.05 * half

    def fwd(v: float) -> float:
        return math.exp(v) if ratio else v

    names = list(dict.fromkeys(g for _, _, g in pts))
    legend = q.by is not None and any(n is not None for n in names)
    caption = _egger_caption(answer)
    if q.model == "random":  # RevMan's funnel stands on the fixed effect; say when this one does not
        caption = f"Centre: {centre}; dashed: pseudo 95% limits.\n{caption}"
    line = FONT_SIZE * 1.45 / 72.0  # caption line pitch, inches
    # Vertical stack in inches: title, legend, panel, tick labels + axis label, caption.
    head = 0.12 + (0.3 if title else 0.0) + (0.42 if legend else 0.0)
    panel_h, under = 3.0, 0.55
    foot = (caption.count("\n") + 1) * line + 0.12
    w_in, left, right = 4.6, 0.75, 0.25
    h_in = head + panel_h + under + foot
    own = ax is None
    if ax is None:
        fig = new_figure(w_in, h_in)
        ax = fig.add_axes(
            ((left / w_in), (under + foot) / h_in, (w_in - left - right) / w_in, panel_h / h_in)
        )
    else:
        fig = root_figure(ax)
    if ratio:
        ax.set_xscale("log")
    ax.set_xlim(fwd(lo), fwd(hi))
    ax.set_ylim(se_top, 0.0)  # precise studies at the top
    ax.plot(
        [fwd(theta - half), fwd(theta), fwd(theta + half)],
        [se_top, 0.0, se_top],
        color=INK,
        lw=0.8,
        ls=(0, (4, 3)),
        zorder=1,
    )
    ax.axvline(fwd(theta), color=INK, lw=0.8, zorder=1)
    ax.axvline(1.0 if ratio else 0.0, color=RULE, lw=0.6, ls=":", zorder=0)

    handles = []
    for n, name in enumerate(names):
        mine = [(y, se) for y, se, g in pts if g == name]
        style: dict[str, Any] = {
            "marker": MARKERS[n % len(MARKERS)],
            "ms": 5.0,
            "ls": "none",
            "mec": SQUARE,
            "mew": 1.0,
            "mfc": SQUARE if n == 0 else "white",
        }
        ax.plot([fwd(y) for y, _ in mine], [se for _, se in mine], zorder=3, clip_on=False, **style)
        handles.append(Line2D([], [], label=str(name), **style))
    if legend:
        # Above the panel: inside it, the legend would cover the funnel's edges or a study.
        ax.legend(
            handles=handles,
            loc="lower left",
            bbox_to_anchor=(0.0, 1.02),
            ncol=len(handles),
            frameon=False,
            fontsize=FONT_SIZE,
            title=q.by,
            title_fontsize=FONT_SIZE,
            alignment="left",
            handletextpad=0.3,
            columnspacing=1.2,
            borderaxespad=0.0,
            borderpad=0.0,
        )

    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    name = measure_name(q.measure, answer.labels.unit)
    # A caller's axes made its labels before our style applied: size them like the rest.
    label_font: dict[str, Any] = {} if own else {"fontsize": FONT_SIZE}
    if ratio:
        ticks = _log_ticks(fwd(lo), fwd(hi))
        ax.xaxis.set_major_locator(FixedLocator(ticks))
        ax.xaxis.set_minor_locator(NullLocator())
        ax.set_xticks(ticks, [tick_label(t) for t in ticks])
        ax.set_xlabel(f"{name} (log scale)", **label_font)
        ax.set_ylabel(f"SE(log[{q.measure}])", **label_font)
    else:
        ax.set_xlabel(name, **label_font)
        ax.set_ylabel(f"SE({q.measure})", **label_font)
    ax.yaxis.set_major_locator(MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10]))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:g}"))
    ax.tick_params(labelsize=FONT_SIZE, direction="out")
    if own:
        _figure_texts(fig, title, caption, w_in, h_in)
    else:
        # The same places relative to the panel's corners as on a figure of our own.
        inset = -(left - 0.12) * 72.0
        _axes_texts(ax, title, caption, (inset, (head - 0.12) * 72.0), (inset, -(under + foot - 0.1) * 72.0))
    return fig


def _figure_texts(fig: Figure, title: str | None, caption: str, w_in: float, h_in: float) -> None:
    """Title at the top left of a figure of our own, the caption at its bottom left."""
    if title:
        fig.text(
            0.12 / w_in,
            1 - 0.12 / h_in,
            title,
            ha="left",
            va="top",
            fontsize=TITLE_SIZE,
            fontweight="bold",
            parse_math=False,
        )
    fig.text(
        0.12 / w_in,
        0.1 / h_in,
        caption,
        ha="left",
        va="bottom",
        fontsize=FONT_SIZE,
        linespacing=1.45,
        parse_math=False,
    )


def _axes_texts(
    ax: Axes, title: str | None, caption: str, title_at: tuple[float, float], caption_at: tuple[float, float]
) -> None:
    """Title and caption on the caller's axes, offset in points from its top and bottom left corners."""
    if title:
        ax.annotate(
            title,
            xy=(0.0, 1.0),
            xycoords="axes fraction",
            xytext=title_at,
            textcoords="offset points",
            ha="left",
            va="top",
            fontsize=TITLE_SIZE,
            fontweight="bold",
            parse_math=False,
            annotation_clip=False,
        )
    ax.annotate(
        caption,
        xy=(0.0, 0.0),
        xycoords="axes fraction",
        xytext=caption_at,
        textcoords="offset points",
        ha="left",
        va="bottom",
        fontsize=FONT_SIZE,
        linespacing=1.45,
        parse_math=False,
        annotation_clip=False,
    )
