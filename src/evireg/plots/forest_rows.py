"""What a forest plot shows: its rows (studies, subtotals, totals, the tests under them), the arms'
columns of its data type, and its scale.

Kept apart from the drawing so the content of the plot follows the RevMan tables of
:mod:`evireg.render.pool` line for line, whatever matplotlib later does with it: the texts come
from the same formatters, so a figure and the printed analysis never disagree.

The arms' columns follow RevMan 5 by data type: Events and Total per arm for 2x2 data, Mean, SD
and Total per arm for continuous data, the estimate (log scale for ratios) and its SE for generic
inverse-variance data, O-E and Variance for O - E data. Ratio measures get RevMan's symmetric log
scales; differences a linear scale symmetric about 0.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from evireg.errors import UserError
from evireg.render import revman_format as rf
from evireg.render.columns import (
    INPUT_COLUMNS,
    MEASURE_NAMES,
    RATIO,
    level_text,
    measure_name,
    number,
    study_cells,
)
from evireg.render.totals import difference_text, fmt_est, heterogeneity_text, overall_text, prediction_row

if TYPE_CHECKING:
    from evireg.review.question import Answer
    from evireg.stats import PoolResult, StudyResult

# Symmetric scales as RevMan offers them; the smallest that holds every interval is used.
RATIO_SCALES: tuple[tuple[float, tuple[float, ...]], ...] = (
    (2.0, (0.5, 0.7, 1.0, 1.5, 2.0)),
    (5.0, (0.2, 0.5, 1.0, 2.0, 5.0)),
    (10.0, (0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0)),
    (20.0, (0.05, 0.2, 1.0, 5.0, 20.0)),
    (50.0, (0.02, 0.1, 1.0, 10.0, 50.0)),
    (100.0, (0.01, 0.1, 1.0, 10.0, 100.0)),
)
DIFFERENCE_SCALES = (0.1, 0.2, 0.5, 1.0)  # then 2, 5, 10, 20, ... (a risk difference stops at 1)


@dataclass(frozen=True)
class DataColumns:
    """The columns between the study label and the weight: their headings, and the runs of
    columns (first, last index) that an arm's label heads; no runs: no arm headings (generic and
    O - E data give one estimate per study, not one number per arm)."""

    heads: tuple[str, ...]
    arms: tuple[tuple[int, int], ...]


def data_columns(data_type: str, measure: str | None, unit: str | None = None) -> DataColumns:
    """RevMan 5's columns of a data type (a generic ratio's estimate is headed log[Odds Ratio])."""
    if data_type == "continuous":
        return DataColumns(("Mean", "SD", "Total") * 2, ((0, 2), (3, 5)))
    if data_type == "generic":
        name = MEASURE_NAMES.get(measure or "", measure or "")
        return DataColumns((f"log[{name}]" if measure in RATIO else measure_name(measure, unit), "SE"), ())
    if data_type == "o-e":
        return DataColumns(("O-E", "Variance"), ())
    return DataColumns(("Events", "Total") * 2, ((0, 1), (2, 3)))


@dataclass(frozen=True)
class Row:
    """One line of the forest plot. ``kind``: heading, study, total, events, pi (the prediction
    interval under a random-effects total), note or blank."""

    kind: str
    label: str = ""
    counts: tuple[str, ...] = ()  # the arms' cells, as DataColumns heads them ("" or none: blank)
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
        return self.kind in ("heading", "study", "total", "events", "pi")


def _finite(*xs: float | None) -> bool:
    return all(x is not None and math.isfinite(x) for x in xs)


def _study_rows(res: PoolResult, sizes: dict[str, float | None]) -> list[Row]:
    rows = []
    for s in res.studies:
        ok = s.excluded is None and _finite(s.estimate, s.ci_low, s.ci_high)
        cells: tuple[str, ...]
        if res.data_type == "dichotomous":
            cells = (str(s.events_t), str(s.total_t), str(s.events_c), str(s.total_c))
        else:
            values = study_cells(s)
            cells = tuple(number(values.get(name)) for name in INPUT_COLUMNS[res.data_type])
        rows.append(
            Row(
                "study",
                s.label,
                cells,
                rf.fmt_weight(s.weight),
                fmt_est(res.measure, s.estimate, s.ci_low, s.ci_high) if ok else rf.NOT_ESTIMABLE,
                s.estimate if ok else None,
                s.ci_low if ok else None,
                s.ci_high if ok else None,
                sizes.get(s.label, s.weight) if ok else None,
            )
        )
    return rows


def _total_cells(res: PoolResult, inc: Sequence[StudyResult]) -> tuple[str, ...]:
    """The arms' totals under their Total columns (generic and O - E data have none)."""
    if res.data_type == "dichotomous":
        return ("", str(sum(s.total_t for s in inc)), "", str(sum(s.total_c for s in inc)))
    if res.data_type == "continuous":
        nt, nc = (str(sum(int(s.inputs[f"n_{arm}"]) for s in inc)) for arm in ("treat", "ctrl"))
        return ("", "", nt, "", "", nc)
    return ()


def _total_rows(label: str, res: PoolResult) -> list[Row]:
    """The subtotal/total row, its events (2x2 data), its prediction interval (random effects, as
    RevMan Web draws it) and the two tests RevMan prints under it."""
    inc = [s for s in res.studies if s.excluded is None]
    ok = res.k > 0 and _finite(res.estimate, res.ci_low, res.ci_high)
    events = [
        Row(
            "events",
            "Total events",
            (str(sum(s.events_t for s in inc)), "", str(sum(s.events_c for s in inc)), ""),
        )
    ]
    return [
        Row(
            "total",
            label,
            _total_cells(res, inc),
            rf.fmt_weight(100.0) if ok else "",
            fmt_est(res.measure, res.estimate, res.ci_low, res.ci_high) if ok else rf.NOT_ESTIMABLE,
            res.estimate if ok else None,
            res.ci_low if ok else None,
            res.ci_high if ok else None,
        ),
        *(events if res.data_type == "dichotomous" else []),
        *_prediction_rows(res),
        Row("note", heterogeneity_text(res)),
        Row("note", overall_text(res)),
    ]


def _prediction_rows(res: PoolResult) -> list[Row]:
    pi = prediction_row(res) if res.k else None
    if pi is None:
        return []
    label, lo, hi = pi
    return [Row("pi", label, effect=rf.fmt_ci(lo, hi), est=res.estimate, lo=lo, hi=hi)]


def forest_rows(answer: Answer) -> list[Row]:
    """Every line of the plot, top to bottom: each subgroup's studies and subtotal, then the total."""
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
    level = level_text(answer.question.level)
    rows: list[Row] = []
    if isinstance(r, SubgroupResult):
        for name, sub in r.subgroups:
            rows.append(Row("heading", name))
            rows += _study_rows(sub, sizes_by_group.get(name, {}))
            rows += _total_rows(f"Subtotal ({level} CI)", sub)
            rows.append(Row("blank"))
        rows += _total_rows(f"Total ({level} CI)", r.overall)
        diff = difference_text(answer)
        if diff:
            rows.append(Row("note", diff))
    else:
        merged = {k: v for d in sizes_by_group.values() for k, v in d.items()}
        rows += _study_rows(r, merged)
        rows += _total_rows(f"Total ({level} CI)", r)
    return rows


def scale(rows: Sequence[Row], measure: str | None) -> tuple[tuple[float, float], tuple[float, ...]]:
    """The smallest symmetric scale holding every interval: for ratio measures one of RevMan's log
    scales up to 0.01-100 (wider intervals end in arrows); for differences -x..x with x 1, 2 or 5
    times a power of ten (a risk difference at most -1..1), ticked at 0, ±x/2 and ±x."""
    # the prediction interval does not set the scale (it would squeeze every study): it ends in
    # arrows when wider
    values = [
        v for r in rows if r.kind != "pi" for v in (r.lo, r.hi) if v is not None and math.isfinite(v)
    ]
    if measure in RATIO:
        need = max([max(v, 1.0 / v) for v in values if v > 0] or [1.0])
        top, ticks = next(((t, ts) for t, ts in RATIO_SCALES if need <= t * 1.0001), RATIO_SCALES[-1])
        return (1.0 / top, top), ticks
    top = _difference_top(max([abs(v) for v in values] or [0.0]), measure)
    return (-top, top), (-top, -top / 2, 0.0, top / 2, top)


def _difference_top(need: float, measure: str | None) -> float:
    """The least of 1, 2, 5 times a power of ten at or above ``need``, from 0.1 up (at most 1 for
    a risk difference, which cannot pass it: a wider interval ends in an arrow)."""
    small = next((t for t in DIFFERENCE_SCALES if need <= t * 1.0001), None)
    if small is not None or measure == "RD":
        return small or DIFFERENCE_SCALES[-1]
    power = 10.0 ** math.floor(math.log10(need))
    return next(f * power for f in (1.0, 2.0, 5.0, 10.0) if need <= f * power * 1.0001)
