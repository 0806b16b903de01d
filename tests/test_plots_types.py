"""Forest and funnel plots of continuous, generic inverse-variance and O - E answers (issue 14).

Each figure is inspected through matplotlib (its texts, the panel's scale and limits), as in
tests/test_plots.py; the answers are pooled from columns, as `evireg.pool` takes them.
"""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from evireg.review.question import Answer

pytestmark = pytest.mark.usefixtures("mpl")

# Birth weights in grams: mean differences of a few hundred grams, one interval past 500.
WEIGHTS: dict[str, list[Any]] = {
    "study": ["Alpha 2001", "Beta 2005", "Gamma 2010", "Delta 2015"],
    "mean_treat": [3200.0, 3100.0, 2950.0, 3400.0],
    "sd_treat": [400.0, 500.0, 450.0, 380.0],
    "n_treat": [50, 80, 12, 120],
    "mean_ctrl": [3050.0, 3120.0, 2800.0, 3150.0],
    "sd_ctrl": [420.0, 480.0, 500.0, 390.0],
    "n_ctrl": [52, 75, 10, 118],
}
HAZARDS: dict[str, list[Any]] = {  # log hazard ratios and their SEs
    "study": ["A", "B", "C", "D"],
    "estimate": [-0.2, 0.1, -0.4, -0.25],
    "se": [0.1, 0.2, 0.15, 0.3],
}
O_MINUS_E: dict[str, list[Any]] = {
    "study": ["A", "B", "C"],
    "o_minus_e": [-3.2, 1.1, -5.0],
    "variance": [10.0, 6.0, 14.0],
}


@pytest.fixture
def mpl() -> None:
    pytest.importorskip("matplotlib")


def answer_of(columns: dict[str, list[Any]], unit: str | None = None, **q: Any) -> Answer:
    from evireg.review.analysis import answer_from_rows
    from evireg.review.question import Labels, Question

    ans = answer_from_rows(columns, Question("x", **q))
    return replace(ans, labels=Labels("IVIG", "Placebo", "birth weight", "higher_is_better", unit))


def sheet_and_panel(fig: Figure) -> tuple[Axes, Axes]:
    sheet, panel = fig.axes
    return sheet, panel


def texts(ax: Axes) -> list[str]:
    return [t.get_text() for t in ax.texts]


def intervals(ans: Answer) -> list[float]:
    """Every study's and the total's CI limits, as the forest draws them."""
    res = ans.overall
    assert res is not None
    ends = [v for s in res.studies for v in (s.ci_low, s.ci_high)]
    return [*ends, res.ci_low, res.ci_high]


def assert_holds_every_interval(panel: Axes, ans: Answer) -> None:
    lo, hi = panel.get_xlim()
    for v in intervals(ans):
        assert lo <= v <= hi, (v, lo, hi)


def test_continuous_forest_has_mean_sd_total_per_arm_on_a_linear_axis() -> None:
    from evireg.plots import forest_figure

    ans = answer_of(WEIGHTS, unit="g", measure="MD", level=99)
    sheet, panel = sheet_and_panel(forest_figure(ans))
    shown = texts(sheet)
    assert shown.count("Mean Difference (g)") == 2  # over the numbers and over the panel
    assert shown.count("IV, Fixed, 99% CI") == 2
    assert "Total (99% CI)" in shown and "Total (95% CI)" not in shown
    assert "Total events" not in shown
    for head, n in (("Mean", 2), ("SD", 2), ("Total", 2), ("IVIG", 1), ("Placebo", 1), ("Weight", 1)):
        assert shown.count(head) == n, head
    assert {"3200", "400", "50", "3150", "390", "118"} <= set(shown)  # the arms' inputs
    assert str(sum(WEIGHTS["n_treat"])) in shown and str(sum(WEIGHTS["n_ctrl"])) in shown  # summed totals
    assert panel.get_xscale() == "linear"
    assert_holds_every_interval(panel, ans)
    lo, hi = panel.get_xlim()
    assert lo == -hi and hi == 1000.0  # the widest interval passes 500: the next 1, 2, 5 x 10^k
    assert [t.get_text() for t in panel.get_xticklabels()] == ["-1000", "-500", "0", "500", "1000"]
    assert {t.get_text() for t in panel.texts} == {"Favours Placebo", "Favours IVIG"}


def test_smd_forest_is_linear_without_a_unit() -> None:
    from evireg.plots import forest_figure

    ans = answer_of(WEIGHTS, unit="g", measure="SMD", model="random")
    sheet, panel = sheet_and_panel(forest_figure(ans))
    shown = texts(sheet)
    assert "Std. Mean Difference" in shown and "IV, Random, 95% CI" in shown
    assert not any("(g)" in t for t in shown)  # standardised: no unit
    assert panel.get_xscale() == "linear"
    assert_holds_every_interval(panel, ans)
    assert panel.get_xlim() == (-2.0, 2.0)


def test_generic_hazard_ratio_forest_shows_the_log_estimate_and_se() -> None:
    from evireg.plots import forest_figure

    ans = answer_of(HAZARDS, measure="HR")
    sheet, panel = sheet_and_panel(forest_figure(ans))
    shown = texts(sheet)
    assert "log[Hazard Ratio]" in shown and "SE" in shown
    assert "Hazard Ratio" in shown and "IV, Fixed, 95% CI" in shown
    assert {"-0.2", "0.1", "-0.4", "0.15", "0.3"} <= set(shown)
    assert "IVIG" not in shown and "Mean" not in shown and "Events" not in shown  # no arm columns
    assert panel.get_xscale() == "log"
    assert_holds_every_interval(panel, ans)


def test_generic_mean_difference_is_headed_plainly_on_a_linear_axis() -> None:
    from evireg.plots import forest_figure

    cols: dict[str, list[Any]] = {
        "study": ["A", "B", "C"],
        "estimate": [-2.0, 1.0, -4.0],
        "se": [1.0, 2.0, 1.5],
    }
    ans = answer_of(cols, unit="kg", measure="MD")
    sheet, panel = sheet_and_panel(forest_figure(ans))
    shown = texts(sheet)
    assert shown.count("Mean Difference (kg)") == 3  # the estimate's column and the two headings
    assert not any(t.startswith("log[") for t in shown)
    assert panel.get_xscale() == "linear" and panel.get_xlim() == (-10.0, 10.0)
    assert_holds_every_interval(panel, ans)


def test_o_minus_e_forest_shows_o_e_and_variance() -> None:
    from evireg.plots import forest_figure

    ans = answer_of(O_MINUS_E)
    sheet, panel = sheet_and_panel(forest_figure(ans))
    shown = texts(sheet)
    for head in ("O-E", "Variance", "Hazard Ratio", "Peto, Fixed, 95% CI", "Total (95% CI)"):
        assert head in shown, head
    assert {"-3.2", "10", "1.1", "6"} <= set(shown)
    assert panel.get_xscale() == "log"
    assert_holds_every_interval(panel, ans)


def test_subgroups_of_continuous_data_total_their_arms() -> None:
    from evireg.plots import forest_figure

    cols = {**WEIGHTS, "subgroup": ["early", "early", "late", "late"]}
    ans = answer_of(cols, measure="MD", level=90)
    sheet, _ = sheet_and_panel(forest_figure(ans))
    shown = texts(sheet)
    assert shown.count("Subtotal (90% CI)") == 2 and "Total (90% CI)" in shown
    assert {"130", "127", "132", "128"} <= set(shown)  # each subgroup's arm totals
    assert any(t.startswith("Test for subgroup differences") for t in shown)


@pytest.mark.parametrize(
    ("columns", "q", "scale", "xlabel", "ylabel"),
    [
        (WEIGHTS, {"measure": "MD"}, "linear", "Mean Difference (g)", "SE(MD)"),
        (WEIGHTS, {"measure": "SMD"}, "linear", "Std. Mean Difference", "SE(SMD)"),
        (HAZARDS, {"measure": "HR"}, "log", "Hazard Ratio (log scale)", "SE(log[HR])"),
        (O_MINUS_E, {}, "log", "Hazard Ratio (log scale)", "SE(log[HR])"),
    ],
)
def test_funnel_of_every_data_type(
    columns: dict[str, list[Any]], q: dict[str, Any], scale: str, xlabel: str, ylabel: str
) -> None:
    import numpy as np

    from evireg.plots import funnel_figure
    from evireg.review.pooling import kernel_args
    from evireg.stats.sensitivity import egger_data

    ans = answer_of(columns, unit="g", **q)
    fig = funnel_figure(ans)
    (ax,) = fig.axes
    assert ax.get_xscale() == scale
    assert ax.get_xlabel() == xlabel and ax.get_ylabel() == ylabel
    res = ans.overall
    assert res is not None
    marks = [line for line in ax.lines if line.get_linestyle() == "None"]
    xs = [float(x) for line in marks for x in np.asarray(line.get_xdata(), dtype=float)]
    ses = [float(y) for line in marks for y in np.asarray(line.get_ydata(), dtype=float)]
    assert sorted(ses) == pytest.approx(sorted(math.sqrt(s.vi) for s in res.studies))  # SE of yi
    shown = [s.estimate if scale == "log" else s.yi for s in res.studies]
    assert sorted(xs) == pytest.approx(sorted(shown))  # the study effects, natural scale
    lo, hi = ax.get_xlim()
    assert all(lo <= x <= hi for x in xs)
    data, opts = kernel_args(ans.inputs, ans.question)
    eg = egger_data(data, opts.measure)
    caption = next(t.get_text() for t in fig.texts if t.get_text().startswith("Egger"))
    if len(res.studies) >= 3:
        assert caption.startswith(f"Egger's test: intercept {eg.intercept:.2f} (SE {eg.se:.2f})")


def test_svg_of_continuous_figures_is_reproducible(tmp_path: Path) -> None:
    from evireg.plots import forest_figure, funnel_figure, save

    ans = answer_of(WEIGHTS, unit="g", measure="MD", level=99)
    for draw in (forest_figure, funnel_figure):
        one = save(draw(ans), tmp_path / "one.svg").read_bytes()
        two = save(draw(ans), tmp_path / "two.svg").read_bytes()
        assert one == two
        assert b">Mean Difference (g)<" in one  # a heading, or the funnel's x label


def test_forest_from_evireg_pool_of_a_continuous_csv(tmp_path: Path) -> None:
    import evireg
    from evireg.plots import forest_figure

    csv = tmp_path / "weights.csv"
    names = list(WEIGHTS)
    rows = [",".join(names)] + [",".join(str(WEIGHTS[n][i]) for n in names) for i in range(4)]
    csv.write_text("\n".join(rows) + "\n")
    ans = evireg.pool(csv, measure="MD", method="IV")
    assert ans.data_type == "continuous"
    sheet, panel = sheet_and_panel(forest_figure(ans))
    assert "Mean Difference" in texts(sheet) and "Alpha 2001" in texts(sheet)
    assert panel.get_xscale() == "linear"


@pytest.mark.parametrize(
    ("measure", "need", "top"),
    [("MD", 0.3, 0.5), ("MD", 1.0, 1.0), ("MD", 3.0, 5.0), ("MD", 150.0, 200.0), ("MD", 1000.0, 1000.0),
     ("SMD", 1.2, 2.0), ("RD", 0.07, 0.1), ("RD", 1.3, 1.0)],
)  # fmt: skip
def test_difference_scales_are_1_2_5_times_a_power_of_ten(measure: str, need: float, top: float) -> None:
    from evireg.plots.forest_rows import Row, scale

    (lo, hi), ticks = scale([Row("study", lo=-need / 3, hi=need)], measure)
    assert (lo, hi) == (-top, top)
    assert ticks == (-top, -top / 2, 0.0, top / 2, top)
