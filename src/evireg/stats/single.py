"""One meta-analysis, of any data type: :func:`pool_data` is a batch of one through the kernel.

:func:`pool` (2x2 tables), :func:`pool_continuous` (MD/SMD) and :func:`pool_oe` (O - E) build the
:class:`~.data.StudyData` and call it.  A pure module: data in, frozen result objects out, no
I/O.  The formulas, RevMan 5's zero-cell rules and the degenerate cases are described in
:mod:`.effects`, :mod:`.continuous`, :mod:`.fixed`, :mod:`.tau2`, :mod:`.heterogeneity` and
:mod:`.combine`.  Single analyses evaluate logarithms, exponentials and tail areas with
:data:`.backends.SCALAR` (no scipy).

Invalid input (mismatched lengths, non-finite, non-integer or negative counts, events above the
total) and invalid options raise ``ValueError`` naming the study or the option.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from .backends import SCALAR
from .combine import Pooled, combine
from .data import StudyData
from .effects import Effects, exclusion_reason, study_intervals
from .options import Options, normalise_options
from .results import Heterogeneity, PoolResult, StudyResult
from .tau2 import tau2_qprofile_ci
from .types import BoolArray, FloatArray

__all__ = ["pool", "pool_continuous", "pool_data", "pool_oe", "pool_rows", "pool_tables"]

_NAN = math.nan


def pool(
    events_t: Any,
    total_t: Any,
    events_c: Any,
    total_c: Any,
    *,
    measure: str = "OR",
    method: str = "MH",
    model: str = "fixed",
    tau2_method: str = "DL",
    hksj: bool = False,
    labels: Sequence[str] | None = None,
    level: float = 0.95,
) -> PoolResult:
    """Pool k 2x2 tables (treatment events/total, control events/total)."""
    opts = normalise_options(measure, method, model, tau2_method, hksj, level)
    return pool_data(StudyData.dichotomous(events_t, total_t, events_c, total_c, labels), opts)


def pool_continuous(
    mean_t: Any,
    sd_t: Any,
    n_t: Any,
    mean_c: Any,
    sd_c: Any,
    n_c: Any,
    *,
    measure: str = "MD",
    model: str = "fixed",
    tau2_method: str = "DL",
    hksj: bool = False,
    labels: Sequence[str] | None = None,
    level: float = 0.95,
) -> PoolResult:
    """Pool k continuous comparisons (mean, SD and n of each arm) as MD or SMD (RevMan's
    Hedges' adjusted g), by inverse variance."""
    opts = normalise_options(measure, "IV", model, tau2_method, hksj, level, "continuous")
    return pool_data(StudyData.continuous(mean_t, sd_t, n_t, mean_c, sd_c, n_c, labels), opts)


def pool_oe(
    o_minus_e: Any,
    variance: Any,
    *,
    method: str = "Peto",
    model: str = "fixed",
    tau2_method: str = "DL",
    hksj: bool = False,
    labels: Sequence[str] | None = None,
    level: float = 0.95,
) -> PoolResult:
    """Pool O - E statistics and their variances as Peto log hazard ratios (shown as HR)."""
    opts = normalise_options("HR", method, model, tau2_method, hksj, level, "o-e")
    return pool_data(StudyData.o_minus_e(o_minus_e, variance, labels), opts)


def pool_data(data: StudyData, opts: Options) -> PoolResult:
    """Pool one analysis's studies (any data type) with normalised options."""
    return pool_rows(data, opts, np.ones((1, len(data)), dtype=bool))[0]


def pool_tables(
    a_raw: FloatArray,
    n1_raw: FloatArray,
    c_raw: FloatArray,
    n2_raw: FloatArray,
    labels: list[str],
    opts: Options,
) -> PoolResult:
    """Pool already-validated tables with normalised options."""
    return pool_data(StudyData("dichotomous", (a_raw, n1_raw, c_raw, n2_raw), labels), opts)


def pool_rows(data: StudyData, opts: Options, keep: BoolArray) -> list[PoolResult]:
    """One analysis per row of ``keep`` (shape ``(r, k)``) over the studies it selects, pooled in
    one kernel call: subgroups, leave-one-out and cumulative analyses."""
    effects = data.effects(opts.measure, opts.method).subsets(keep)
    pooled = combine(effects, opts, SCALAR)
    return [_result(effects, pooled, i, data, opts) for i in range(keep.shape[0])]


def _back(ratio: bool, x: float) -> float:
    # math.exp, as SCALAR does: single analyses keep the C library's exponential
    return math.exp(x) if ratio and math.isfinite(x) else x


def effect_label(opts: Options) -> str:
    """How the studies' effect is named in notes: the Peto OR is not the MH/IV OR."""
    if opts.method == "Peto":
        return "Peto OR" if opts.data_type == "dichotomous" else "Peto HR"
    return opts.measure


def _studies(
    effects: Effects,
    pooled: Pooled,
    row: int,
    cols: list[int],
    data: StudyData,
    opts: Options,
) -> list[StudyResult]:
    label = effect_label(opts)
    yi, vi = effects.yi[row, cols], effects.vi[row, cols]
    lo, hi = study_intervals(yi, vi, SCALAR.norm_ppf(opts.z_quantile))
    columns = zip(
        cols,
        effects.status[row, cols].tolist(),
        effects.corrected[row, cols].tolist(),
        *(x.tolist() for x in (yi, vi, lo, hi, pooled.weight[row, cols])),
        strict=True,
    )
    out: list[StudyResult] = []
    for col, status, corrected, y, v, low, high, w in columns:
        reason = exclusion_reason(status, label)
        if reason is None:
            est, low, high = _back(opts.ratio, y), _back(opts.ratio, low), _back(opts.ratio, high)
        else:
            est = low = high = _NAN
        out.append(
            StudyResult(
                label=data.labels[col],
                estimate=est,
                ci_low=low,
                ci_high=high,
                weight=None if math.isnan(w) else w,
                yi=y,
                vi=v,
                excluded=reason,
                corrected=corrected,
                data_type=data.kind,
                inputs=data.inputs(col),
            )
        )
    return out


def _result(
    effects: Effects,
    pooled: Pooled,
    row: int,
    data: StudyData,
    opts: Options,
) -> PoolResult:
    cols = np.flatnonzero(effects.present[row]).tolist()
    studies = _studies(effects, pooled, row, cols, data, opts)
    notes: list[str] = []
    corrected = [s.label for s in studies if s.corrected]
    if corrected:
        where = "their estimates and weights"
        if opts.method == "MH":
            where += " and inside the Mantel-Haenszel sums"
        if opts.measure == "RD":  # RevMan: the RD itself stays the raw-count difference
            where = "their variances only (the RD from the raw counts)"
        notes.append(
            "0.5 added to every cell of studies with a zero cell (RevMan 5), used for "
            f"{where}: {', '.join(corrected)}"
        )
    notes += [f"{s.label} excluded: {s.excluded}" for s in studies if s.excluded is not None]
    return assemble_result(pooled, row, opts, studies, notes, measure=opts.measure, method=opts.method,
                           ratio=opts.ratio, data_type=data.kind)


def assemble_result(
    pooled: Pooled,
    row: int,
    opts: Options,
    studies: list[StudyResult],
    notes: list[str],
    *,
    measure: str,
    method: str,
    ratio: bool,
    data_type: str = "dichotomous",
) -> PoolResult:
    """One analysis's result from its row of the kernel: heterogeneity (with the Q-profile CI for
    tau2 under random effects, from the pooled studies' effects), prediction intervals and the
    notes every analysis shares. Counts-based and generic pooling both end here."""
    k = int(pooled.k[row])

    def at(name: str) -> float:
        return float(getattr(pooled, name)[row])

    if k == 0:  # the kernel's row is NaN throughout, df 0
        notes.append("no estimable study: nothing to pool")
    if bool(pooled.wald_fallback[row]):
        notes.append("HKSJ needs k >= 2: Wald (normal) interval reported for k = 1")
    if k == 1:
        notes.append("k = 1: heterogeneity not applicable (Q = 0, df = 0)")
    tau2_ci = tau_ci = None
    if opts.model == "random" and k >= 2:  # RevMan Web reports it with random effects
        used = [s for s in studies if s.excluded is None and math.isfinite(s.vi)]
        tau2_ci = tau2_qprofile_ci(
            np.array([s.yi for s in used]), np.array([s.vi for s in used]), opts.level
        )
        tau_ci = (math.sqrt(tau2_ci[0]), math.sqrt(tau2_ci[1]))
    het = Heterogeneity(
        q=at("q"), df=int(pooled.df[row]), p=at("q_p"), i2=at("i2"), tau2=at("tau2"), h=at("h"),
        tau2_ci=tau2_ci, tau_ci=tau_ci, i2_tau2=at("i2_tau2") if k >= 2 else math.nan,
    )
    pi = pi_normal = None
    if opts.model == "random" and k >= 3:
        pi = (_back(ratio, at("pi_low")), _back(ratio, at("pi_high")))
    if opts.model == "random" and k >= 2:
        pi_normal = (_back(ratio, at("pi_normal_low")), _back(ratio, at("pi_normal_high")))
    t_df = int(pooled.t_df[row])
    return PoolResult(
        data_type=data_type,
        measure=measure,
        method=method,
        model=opts.model,
        tau2_method=opts.tau2_method,
        hksj=opts.hksj,
        level=opts.level,
        k=k,
        estimate=_back(ratio, at("theta")),
        ci_low=_back(ratio, at("ci_low")),
        ci_high=_back(ratio, at("ci_high")),
        log_estimate=at("theta"),
        se=at("se"),
        z=at("z"),
        p=at("p"),
        heterogeneity=het,
        prediction_interval=pi,
        studies=studies,
        t_df=t_df or None,
        notes=notes,
        prediction_interval_normal=pi_normal,
    )
