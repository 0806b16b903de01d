"""Publication figures of a pooled answer: a RevMan-style forest plot and a funnel plot.

Pure library code: an :class:`~evireg.review.analysis.Answer` in, a matplotlib ``Figure`` out; :func:`save`
writes it.  matplotlib is an optional dependency (the ``plots`` extra) and is imported only when a
figure is drawn.  Figures are built on a bare ``Figure`` with an Agg canvas, never through pyplot,
so drawing one changes no global backend or state of the caller.

The forest plot is laid out in points: every text is measured first, the columns are placed from
the measured widths, and the plot panel shares the table's row coordinates, so rows line up and
nothing overlaps whatever the study labels are.
"""

from __future__ import annotations

import contextlib
import math
import os
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evireg.errors import UserError
from evireg.render import revman_format as rf
from evireg.render.pool import (
    MEASURE_NAMES,
    difference_text,
    fmt_est,
    heterogeneity_text,
    overall_text,
    rf_method,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties

    from evireg.review.question import Answer
    from evireg.stats import PoolResult

__all__ = ["forest_figure", "funnel_figure", "require_matplotlib", "save"]

FORMATS = {".svg": "svg", ".png": "png", ".pdf": "pdf"}
PNG_DPI = 200

FONT_SIZE = 8.0  # points; one size for every text keeps the figure calm
TITLE_SIZE = 9.5
ROW = 13.0  # row pitch in points (1.6 x the font size)
PANEL_WIDTH = 180.0  # the forest panel, points (2.5 in)
INK = "#1a1a1a"
SQUARE = "#27466e"  # study squares: a dark blue that prints as dark grey
RULE = "#7a7a7a"

# Symmetric scales as RevMan offers them; the smallest that holds every interval is used.
RATIO_SCALES: tuple[tuple[float, tuple[float, ...]], ...] = (
    (2.0, (0.5, 0.7, 1.0, 1.5, 2.0)),
    (5.0, (0.2, 0.5, 1.0, 2.0, 5.0)),
    (10.0, (0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0)),
    (20.0, (0.05, 0.2, 1.0, 5.0, 20.0)),
    (50.0, (0.02, 0.1, 1.0, 10.0, 50.0)),
    (100.0, (0.01, 0.1, 1.0, 10.0, 100.0)),
)
DIFFERENCE_SCALES = (0.1, 0.2, 0.5, 1.0)

# Arial/Helvetica or a metric-compatible clone, so an SVG opened elsewhere keeps its widths.
FONT_PREFERENCE = ("Arial", "Helvetica", "Liberation Sans", "Nimbus Sans", "DejaVu Sans")


# --- matplotlib, lazily --------------------------------------------------------------------------


def require_matplotlib() -> None:
    """Raise a UserError saying how to install matplotlib when it is missing."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise UserError("matplotlib is not installed; pip install 'evireg[plots]'") from None


@contextlib.contextmanager
def _styled() -> Iterator[None]:
    """The figure style, for drawing and for saving (the file formats read their settings then)."""
    require_matplotlib()
    import matplotlib as mpl

    # Given inline so that type checkers match each key against matplotlib's known settings.
    with mpl.rc_context(
        {
            # A generic family: matplotlib draws with the first installed name, and an SVG lists
            # them all (then `sans-serif`), so a viewer without the first still finds a close match.
            "font.family": "sans-serif",
            "font.sans-serif": list(FONT_PREFERENCE),
            "font.size": FONT_SIZE,
            "text.color": INK,
            "axes.edgecolor": INK,
            "axes.labelcolor": INK,
            "xtick.color": INK,
            "ytick.color": INK,
            "axes.linewidth": 0.7,
            "xtick.major.width": 0.7,
            "ytick.major.width": 0.7,
            "xtick.major.size": 3.0,
            "ytick.major.size": 3.0,
            "axes.unicode_minus": False,  # hyphen-minus, like the numbers in the table text
            "svg.fonttype": "none",  # text stays text: searchable, editable
            "svg.hashsalt": "evireg",  # stable element ids, reproducible files
            "pdf.fonttype": 42,  # TrueType, not Type 3: what journals ask for
            "ps.fonttype": 42,
        }
    ):
        yield


def _new_figure(width_in: float, height_in: float) -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width_in, height_in), facecolor="white")
    FigureCanvasAgg(fig)
    return fig


class _Ruler:
    """Text widths in points, for the fonts the figure uses."""

    def __init__(self) -> None:
        from matplotlib.font_manager import FontProperties
        from matplotlib.textpath import TextToPath

        self._t2p = TextToPath()
        self.normal: FontProperties = FontProperties(size=FONT_SIZE)
        self.bold: FontProperties = FontProperties(size=FONT_SIZE, weight="bold")

    def width(self, text: str, bold: bool = False, size: float = FONT_SIZE) -> float:
        if not text:
            return 0.0
        prop = self.bold if bold else self.normal
        if size != FONT_SIZE:
            prop = prop.copy()
            prop.set_size(size)
        w, _, _ = self._t2p.get_text_width_height_descent(text, prop, False)
        return float(w)


# --- forest plot: rows ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Row:
    """One line of the forest plot. ``kind``: heading, study, total, events, note or blank."""

    kind: str
    label: str = ""
    counts: tuple[str, str, str, str] = ("", "", "", "")
    weight: str = ""
    effect: str = ""
    est: float | None = None
    lo: float | None = None
    hi: float | None = None
    size: float | None = None  # the study's percent weight in the total analysis (square area)

    @property
    def bold(self) -> bool:
        return self.kind in ("heading", "total")

    @property
    def in_table(self) -> bool:
        """Rows whose label stays inside the first column (notes may run across the columns)."""
        return self.kind in ("heading", "study", "total", "events")


def _finite(*xs: float | None) -> bool:
    return all(x is not None and math.isfinite(x) for x in xs)


def _study_rows(res: PoolResult, sizes: dict[str, float | None]) -> list[_Row]:
    rows = []
    for s in res.studies:
        ok = s.excluded is None and _finite(s.estimate, s.ci_low, s.ci_high)
        rows.append(
            _Row(
                "study",
                s.label,
                (str(s.events_t), str(s.total_t), str(s.events_c), str(s.total_c)),
                rf.fmt_weight(s.weight),
                fmt_est(res.measure, s.estimate, s.ci_low, s.ci_high) if ok else rf.NOT_ESTIMABLE,
                s.estimate if ok else None,
                s.ci_low if ok else None,
                s.ci_high if ok else None,
                sizes.get(s.label, s.weight) if ok else None,
            )
        )
    return rows


def _total_rows(label: str, res: PoolResult) -> list[_Row]:
    """The subtotal/total row, its events and the two tests RevMan prints under it."""
    inc = [s for s in res.studies if s.excluded is None]
    ok = res.k > 0 and _finite(res.estimate, res.ci_low, res.ci_high)
    return [
        _Row(
            "total",
            label,
            ("", str(sum(s.total_t for s in inc)), "", str(sum(s.total_c for s in inc))),
            rf.fmt_weight(100.0) if ok else "",
            fmt_est(res.measure, res.estimate, res.ci_low, res.ci_high) if ok else rf.NOT_ESTIMABLE,
            res.estimate if ok else None,
            res.ci_low if ok else None,
            res.ci_high if ok else None,
        ),
        _Row(
            "events",
            "Total events",
            (str(sum(s.events_t for s in inc)), "", str(sum(s.events_c for s in inc)), ""),
        ),
        _Row("note", heterogeneity_text(res)),
        _Row("note", overall_text(res)),
    ]


def _forest_rows(answer: Answer) -> list[_Row]:
    from evireg.stats import SubgroupResult

    r = answer.result
    if r is None:
        raise UserError("nothing to plot: no study in scope has data for this outcome")
    overall = answer.overall
    assert overall is not None
    # Squares are scaled by the weight in the total analysis so that sizes compare across
    # subgroups; the Weight column keeps the within-subgroup percentages the tables print.
    sizes_by_group: dict[str | None, dict[str, float | None]] = {}
    for inp, s in zip(answer.inputs, overall.studies, strict=False):
        sizes_by_group.setdefault(inp.subgroup, {})[s.label] = s.weight
    rows: list[_Row] = []
    if isinstance(r, SubgroupResult):
        for name, sub in r.subgroups:
            rows.append(_Row("heading", name))
            rows += _study_rows(sub, sizes_by_group.get(name, {}))
            rows += _total_rows("Subtotal (95% CI)", sub)
            rows.append(_Row("blank"))
        rows += _total_rows("Total (95% CI)", r.overall)
        diff = difference_text(answer)
        if diff:
            rows.append(_Row("note", diff))
    else:
        merged = {k: v for d in sizes_by_group.values() for k, v in d.items()}
        rows += _study_rows(r, merged)
        rows += _total_rows("Total (95% CI)", r)
    return rows


# --- forest plot: scale --------------------------------------------------------------------------


def _scale(rows: Sequence[_Row], ratio: bool) -> tuple[tuple[float, float], tuple[float, ...]]:
    """The smallest symmetric scale holding every interval (wider ones end in arrows)."""
    values = [v for r in rows for v in (r.lo, r.hi) if v is not None and math.isfinite(v)]
    if ratio:
        need = max([max(v, 1.0 / v) for v in values if v > 0] or [1.0])
        top, ticks = next(((t, ts) for t, ts in RATIO_SCALES if need <= t * 1.0001), RATIO_SCALES[-1])
        return (1.0 / top, top), ticks
    need = max([abs(v) for v in values] or [0.0])
    top = next((t for t in DIFFERENCE_SCALES if need <= t * 1.0001), DIFFERENCE_SCALES[-1])
    return (-top, top), (-top, -top / 2, 0.0, top / 2, top)


def _tick_label(t: float) -> str:
    return f"{t:g}"


# --- forest plot: drawing ------------------------------------------------------------------------


def forest_figure(
    answer: Answer,
    title: str | None = None,
    labels: tuple[str, str] = ("IVIG", "Control"),
    favours: tuple[str, str] = ("control", "IVIG"),
) -> Figure:
    """A RevMan-style forest plot of ``answer``.

    ``labels`` head the intervention and control count columns; ``favours`` names the side of
    the line of no effect each half of the axis favours (left, right): for the odds ratio of a
    good outcome such as live birth the left side favours control.
    """
    with _styled():
        return _draw_forest(answer, title, labels, favours)


@dataclass(frozen=True)
class _Columns:
    """Horizontal positions in points from the figure's left edge."""

    label: float
    counts_right: tuple[float, float, float, float]
    counts_width: tuple[float, float, float, float]
    weight_right: float
    effect_left: float
    effect_split: float  # right edge of the point estimates
    effect_ci: float  # left edge of the "[lo, hi]" texts
    effect_right: float
    panel_left: float
    panel_right: float
    width: float


def _split_effect(text: str) -> tuple[str, str]:
    est, _, ci = text.partition(" ")
    return (est, ci) if ci.startswith("[") else (text, "")


def _columns(
    rows: Sequence[_Row],
    ruler: _Ruler,
    q_measure: str,
    method_text: str,
    labels: tuple[str, str],
    favours: tuple[str, str],
) -> _Columns:
    margin, gap, num_gap = 8.0, 16.0, 9.0
    label_w = max(
        [ruler.width(r.label, r.bold) for r in rows if r.in_table] + [ruler.width("Study or Subgroup", True)]
    )
    heads = ("Events", "Total", "Events", "Total")
    count_w = [
        max([ruler.width(r.counts[i], r.bold) for r in rows] + [ruler.width(heads[i], True)])
        for i in range(4)
    ]
    # The arm label may be wider than its two columns: widen the pair, not the table.
    for i, name in enumerate(labels):
        pair = count_w[2 * i] + num_gap + count_w[2 * i + 1]
        if ruler.width(name, True) > pair:
            count_w[2 * i] += ruler.width(name, True) - pair
    weight_w = max([ruler.width(r.weight, r.bold) for r in rows] + [ruler.width("Weight", True)])
    split = [(_split_effect(r.effect), r.bold) for r in rows if r.effect]
    est_w = max([ruler.width(e, b) for (e, c), b in split if c] + [0.0])
    ci_w = max([ruler.width(c, b) for (_, c), b in split if c] + [0.0])
    lone_w = max([ruler.width(e, b) for (e, c), b in split if not c] + [0.0])  # "Not estimable"
    space = ruler.width(" ") + 1.0
    head_w = max(ruler.width(MEASURE_NAMES[q_measure], True), ruler.width(method_text, True))
    effect_w = max(est_w + space + ci_w, lone_w, head_w)

    x = margin + label_w + gap
    counts_right = []
    for i, w in enumerate(count_w):
        x += w
        counts_right.append(x)
        x += gap if i in (1, 3) else num_gap
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
    return _Columns(
        margin,
        (counts_right[0], counts_right[1], counts_right[2], counts_right[3]),
        (count_w[0], count_w[1], count_w[2], count_w[3]),
        weight_right,
        effect_left,
        effect_split,
        effect_split + space,
        table_right,
        panel_left,
        panel_right,
        panel_right + 14.0,
    )


def _draw_forest(
    answer: Answer, title: str | None, labels: tuple[str, str], favours: tuple[str, str]
) -> Figure:
    q = answer.question
    ratio = q.measure != "RD"
    rows = _forest_rows(answer)
    ruler = _Ruler()
    method_text = rf_method(q)
    cols = _columns(rows, ruler, q.measure, method_text, labels, favours)
    (xmin, xmax), ticks = _scale(rows, ratio)
    null = 1.0 if ratio else 0.0

    # Vertical layout in points from the top edge.
    top = 10.0 + (TITLE_SIZE * 1.9 if title else 0.0)
    header_bottom = top + 2 * ROW + 3.0
    body_top = header_bottom + 4.0
    last_events = max(i for i, r in enumerate(rows) if r.kind == "events")
    axis_y = body_top + (last_events + 1) * ROW  # the axis sits under the total's events row
    rows_below = len(rows) - last_events - 1
    tick_text, favours_gap = 3.0 + 2.5 + FONT_SIZE, 6.0
    below_axis = max(rows_below * ROW, tick_text + favours_gap + FONT_SIZE * 1.2)
    height = axis_y + below_axis + 8.0
    width = max(cols.width, 2 * cols.label + ruler.width(title or "", True, TITLE_SIZE))

    fig = _new_figure(width / 72.0, height / 72.0)
    sheet = fig.add_axes((0.0, 0.0, 1.0, 1.0))
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

    # Header: arm names over their Events/Total pairs, the measure over both effect columns.
    h1, h2 = top + ROW / 2, top + 1.5 * ROW
    c = cols.counts_right
    for i, name in enumerate(labels):
        left = c[2 * i] - cols.counts_width[2 * i]
        text((left + c[2 * i + 1]) / 2, h1, name, ha="center", bold=True)
    effect_mid = (cols.effect_left + cols.effect_right) / 2
    panel_mid = (cols.panel_left + cols.panel_right) / 2
    for x in (effect_mid, panel_mid):
        text(x, h1, MEASURE_NAMES[q.measure], ha="center", bold=True)
        text(x, h2, method_text, ha="center", bold=True)
    text(cols.label, h2, "Study or Subgroup", bold=True)
    for i, head in enumerate(("Events", "Total", "Events", "Total")):
        text(c[i], h2, head, ha="right", bold=True)
    text(cols.weight_right, h2, "Weight", ha="right", bold=True)
    sheet.plot([cols.label, cols.panel_right], [header_bottom, header_bottom], color=RULE, lw=0.6)

    # Table.
    for i, r in enumerate(rows):
        y = body_top + (i + 0.5) * ROW
        if r.kind == "blank":
            continue
        text(cols.label, y, r.label, bold=r.bold)
        for x, s in zip(c, r.counts, strict=True):
            if s:
                text(x, y, s, ha="right", bold=r.bold)
        if r.weight:
            text(cols.weight_right, y, r.weight, ha="right", bold=r.bold)
        if r.effect:
            est, ci = _split_effect(r.effect)
            if ci:
                text(cols.effect_split, y, est, ha="right", bold=r.bold)
                text(cols.effect_ci, y, ci, bold=r.bold)
            else:
                text(effect_mid, y, est, ha="center", bold=r.bold)

    # Panel: same vertical coordinates as the sheet, data scale horizontally.
    ax = fig.add_axes(
        (
            cols.panel_left / width,
            (height - axis_y) / height,
            (cols.panel_right - cols.panel_left) / width,
            (axis_y - body_top) / height,
        )
    )
    ax.set_ylim(axis_y, body_top)
    if ratio:
        ax.set_xscale("log")
    ax.set_xlim(xmin, xmax)
    _panel_axis(ax, ticks)
    ax.axvline(null, color=INK, lw=0.7, zorder=1)

    max_size = max([r.size for r in rows if r.size] or [1.0])
    for i, r in enumerate(rows):
        if r.est is None or r.lo is None or r.hi is None:
            continue
        y = body_top + (i + 0.5) * ROW
        if r.kind == "total":
            _diamond(ax, r.est, r.lo, r.hi, y, xmin, xmax)
        else:
            _study_mark(ax, r.est, r.lo, r.hi, y, r.size or 0.0, max_size, xmin, xmax)

    # "Favours ..." under the tick labels, each centred in its half of the axis.
    for side, name in enumerate(favours):
        edge = xmin if side == 0 else xmax
        mid = math.sqrt(edge * null) if ratio else (edge + null) / 2
        ax.annotate(
            f"Favours {name}",
            xy=(mid, 0.0),
            xycoords=("data", "axes fraction"),
            xytext=(0.0, -(tick_text + favours_gap)),
            textcoords="offset points",
            ha="center",
            va="top",
            fontsize=FONT_SIZE,
            annotation_clip=False,
        )
    return fig


def _panel_axis(ax: Axes, ticks: Sequence[float]) -> None:
    from matplotlib.ticker import FixedLocator, NullLocator

    for name in ("top", "right", "left"):
        ax.spines[name].set_visible(False)
    ax.patch.set_visible(False)
    ax.yaxis.set_major_locator(NullLocator())
    ax.yaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_major_locator(FixedLocator(list(ticks)))
    ax.set_xticks(list(ticks), [_tick_label(t) for t in ticks])
    ax.tick_params(axis="x", direction="out", length=3.0, pad=2.5, labelsize=FONT_SIZE)


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
    a, b = max(lo, xmin), min(hi, xmax)
    if a < b:
        ax.plot([a, b], [y, y], color=INK, lw=0.8, solid_capstyle="butt", zorder=2, clip_on=False)
    for clipped, x, marker in ((lo < xmin, xmin, "<"), (hi > xmax, xmax, ">")):
        if clipped:
            ax.plot([x], [y], marker=marker, ms=4.0, color=INK, mew=0, zorder=2, clip_on=False)
    if xmin <= est <= xmax:
        side = max(3.0, 0.78 * ROW * math.sqrt(size / max_size))  # points; area ∝ weight
        ax.plot([est], [y], marker="s", ms=side, color=SQUARE, mew=0, zorder=3, clip_on=False)


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


# --- funnel plot ---------------------------------------------------------------------------------


def funnel_figure(answer: Answer, title: str | None = None) -> Figure:
    """Each study's effect against its standard error, around the fixed-effect estimate.

    The dashed triangle is the pseudo 95% confidence region (estimate ± 1.96·SE); a caption gives
    Egger's regression test when at least three studies can be estimated.
    """
    with _styled():
        return _draw_funnel(answer, title)


def _fixed_estimate(answer: Answer) -> float:
    """The pooled fixed-effect estimate (analysis scale) of all the answer's studies."""
    from evireg.review.analysis import pool_inputs
    from evireg.stats import PoolResult

    q = answer.question
    if q.model == "fixed" and not q.hksj and answer.overall is not None:
        return answer.overall.log_estimate
    res = pool_inputs(answer.inputs, replace(q, model="fixed", hksj=False, by=None))
    assert isinstance(res, PoolResult)  # by=None pools without subgroups
    return res.log_estimate


def _egger_caption(answer: Answer) -> str:
    from evireg.stats import egger_test

    ins = answer.inputs
    eg = egger_test(
        [i.events_treat for i in ins],
        [i.total_treat for i in ins],
        [i.events_ctrl for i in ins],
        [i.total_ctrl for i in ins],
        measure=answer.question.measure,
        labels=[i.study for i in ins],
    )
    if eg.reason is not None:
        return f"Egger's test not run: {eg.reason}."
    text = (
        f"Egger's test: intercept {eg.intercept:.2f} (SE {eg.se:.2f}), "
        f"t = {eg.t:.2f}, df = {eg.df}, {rf.fmt_p(eg.p)}"
    )
    if eg.k < 10:  # Cochrane Handbook 13.3.5.4: tests for asymmetry need at least 10 studies
        text += f"\nk = {eg.k}: with fewer than 10 studies the test has low power."
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


def _draw_funnel(answer: Answer, title: str | None) -> Figure:
    from matplotlib.lines import Line2D
    from matplotlib.ticker import FixedLocator, FuncFormatter, MaxNLocator, NullLocator

    q = answer.question
    overall = answer.overall
    if overall is None:
        raise UserError("nothing to plot: no study in scope has data for this outcome")
    ratio = q.measure != "RD"
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
    theta = _fixed_estimate(answer)
    se_top = _nice_ceiling(max(se for _, se, _ in pts) * 1.08)
    half = 1.96 * se_top
    lo = min(theta - half, min(y for y, _, _ in pts)) - 0.05 * half
    hi = max(theta + half, max(y for y, _, _ in pts)) + 0.05 * half

    def fwd(v: float) -> float:
        return math.exp(v) if ratio else v

    names = list(dict.fromkeys(g for _, _, g in pts))
    legend = q.by is not None and any(n is not None for n in names)
    caption = _egger_caption(answer)
    line = FONT_SIZE * 1.45 / 72.0  # caption line pitch, inches
    # Vertical stack in inches: title, legend, panel, tick labels + axis label, caption.
    head = 0.12 + (0.3 if title else 0.0) + (0.42 if legend else 0.0)
    panel_h, under = 3.0, 0.55
    foot = (caption.count("\n") + 1) * line + 0.12
    w_in, left, right = 4.6, 0.75, 0.25
    h_in = head + panel_h + under + foot
    fig = _new_figure(w_in, h_in)
    ax = fig.add_axes(((left / w_in), (under + foot) / h_in, (w_in - left - right) / w_in, panel_h / h_in))
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

    markers = ["o", "s", "^", "D", "v", "P", "X"]
    handles = []
    for n, name in enumerate(names):
        mine = [(y, se) for y, se, g in pts if g == name]
        style: dict[str, Any] = {
            "marker": markers[n % len(markers)],
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
    measure_name = MEASURE_NAMES[q.measure]
    if ratio:
        ticks = _log_ticks(fwd(lo), fwd(hi))
        ax.xaxis.set_major_locator(FixedLocator(ticks))
        ax.xaxis.set_minor_locator(NullLocator())
        ax.set_xticks(ticks, [_tick_label(t) for t in ticks])
        ax.set_xlabel(f"{measure_name} (log scale)")
        ax.set_ylabel(f"SE(log[{q.measure}])")
    else:
        ax.set_xlabel(measure_name)
        ax.set_ylabel(f"SE({q.measure})")
    ax.yaxis.set_major_locator(MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10]))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:g}"))
    ax.tick_params(labelsize=FONT_SIZE, direction="out")
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
    return fig


def _nice_ceiling(x: float) -> float:
    """The next of 1, 1.5, 2, 2.5, 3, 4, 5, 6, 8 (times a power of ten) at or above ``x``."""
    if x <= 0 or not math.isfinite(x):
        return 1.0
    e = math.floor(math.log10(x))
    for m in (1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0):
        if m * 10.0**e >= x * (1 - 1e-12):
            return m * 10.0**e
    return 10.0 ** (e + 1)


# --- saving --------------------------------------------------------------------------------------


def save(fig: Figure, path: str | os.PathLike[str]) -> Path:
    """Write ``fig`` as SVG, PNG (200 dpi) or PDF, chosen by the suffix; atomically."""
    p = Path(path)
    fmt = FORMATS.get(p.suffix.lower())
    if fmt is None:
        raise UserError(f"{p}: unknown figure format {p.suffix or '(no suffix)'!r}; use .svg, .png or .pdf")
    folder = p.parent if str(p.parent) else Path(".")
    if not folder.is_dir():
        raise UserError(f"{p}: folder {folder} does not exist")
    # Reproducible files: no timestamps, so regenerated figures only change when the data do.
    metadata: dict[str, Any] = {"svg": {"Date": None}, "pdf": {"CreationDate": None}, "png": {}}[fmt]
    tmp: str | None = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=p.suffix, dir=folder)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the file the usual mode
        with os.fdopen(fd, "wb") as fh, _styled():
            fig.savefig(
                fh, format=fmt, dpi=PNG_DPI if fmt == "png" else 72, metadata=metadata, facecolor="white"
            )
        os.replace(tmp, p)
    except BaseException as e:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        if isinstance(e, OSError):
            raise UserError(f"{p}: cannot write the figure: {e.strerror or e}") from None
        raise
    return p


def _umask() -> int:
    """The process umask (only readable by setting it; it is put straight back)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask
