"""Sensitivity analyses: leave-one-out, cumulative, Egger's test.

Leave-one-out and cumulative analyses are batches through the kernel (one row per step), with the
same options and RevMan 5 conventions as :func:`.single.pool`.

* :func:`leave_one_out` re-pools the studies with each study omitted in turn (every input study
  gets a step, even a non-estimable one, whose omission changes nothing).
* :func:`cumulative` adds studies one at a time in a chosen order (Lau et al. 1992).
* :func:`egger_test` is Egger's regression test for funnel-plot asymmetry (Egger, Davey Smith,
  Schneider and Minder 1997): ordinary least squares of ``y_i / s_i`` on ``1 / s_i``; the
  intercept measures asymmetry and is tested with a t statistic on k - 2 degrees of freedom.
  ``y_i``/``s_i`` are the per-study analysis-scale estimates and standard errors (log OR / log
  RR / RD, with RevMan's 0.5 correction; non-estimable studies left out).

The Egger policy lives here, once, for the text report, the JSON and the funnel plot: the test runs
from :data:`EGGER_MIN_K` estimable studies (the regression needs a residual degree of freedom),
and under :data:`EGGER_LOW_POWER_K` it carries a low-power caveat (Cochrane Handbook 13.3.5.4:
tests for funnel-plot asymmetry should be used only with at least 10 studies).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from . import distributions as dist
from .data import StudyData
from .options import Options, normalise_options
from .results import CumulativeStep, EggerResult, LeaveOneOut
from .single import pool_rows

__all__ = [
    "EGGER_LOW_POWER_K",
    "EGGER_MIN_K",
    "cumulative",
    "cumulative_data",
    "egger_caveat",
    "egger_data",
    "egger_test",
    "egger_too_few",
    "leave_one_out",
    "leave_one_out_data",
]

EGGER_MIN_K = 3  # k - 2 residual degrees of freedom: at least one
EGGER_LOW_POWER_K = 10  # Cochrane Handbook 13.3.5.4


def egger_too_few(k: int | None = None) -> str:
    """Why Egger's test was not run with ``k`` (< EGGER_MIN_K) estimable studies."""
    return f"Egger's test needs at least {EGGER_MIN_K} estimable studies" + (
        "" if k is None else f" (k = {k})"
    )


def egger_caveat(k: int) -> str | None:
    """The low-power caveat of a test run on ``k`` studies, None from EGGER_LOW_POWER_K up."""
    if k >= EGGER_LOW_POWER_K:
        return None
    return f"with fewer than {EGGER_LOW_POWER_K} studies the test has low power (k = {k})"

_NAN = math.nan


def leave_one_out(
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
) -> list[LeaveOneOut]:
    """One :class:`LeaveOneOut` per input study, in input order."""
    opts = normalise_options(measure, method, model, tau2_method, hksj, level)
    return leave_one_out_data(StudyData.dichotomous(events_t, total_t, events_c, total_c, labels), opts)


def leave_one_out_data(data: StudyData, opts: Options) -> list[LeaveOneOut]:
    """:func:`leave_one_out` for any data type."""
    k = len(data)
    if k == 0:
        return []
    results = pool_rows(data, opts, ~np.eye(k, dtype=bool))
    return [LeaveOneOut(omitted=data.labels[i], index=i, result=r) for i, r in enumerate(results)]


def cumulative(
    events_t: Any,
    total_t: Any,
    events_c: Any,
    total_c: Any,
    *,
    order: Sequence[Any] | None = None,
    measure: str = "OR",
    method: str = "MH",
    model: str = "fixed",
    tau2_method: str = "DL",
    hksj: bool = False,
    labels: Sequence[str] | None = None,
    level: float = 0.95,
) -> list[CumulativeStep]:
    """Cumulative meta-analysis.

    ``order`` holds one sort key per study (for example the publication years); studies are
    added in ascending key order, ties kept in input order (a stable sort, as metafor's
    ``cumul(order=...)``).  ``None`` keeps the input order.
    """
    opts = normalise_options(measure, method, model, tau2_method, hksj, level)
    data = StudyData.dichotomous(events_t, total_t, events_c, total_c, labels)
    return cumulative_data(data, opts, order)


def cumulative_data(
    data: StudyData, opts: Options, order: Sequence[Any] | None = None
) -> list[CumulativeStep]:
    """:func:`cumulative` for any data type."""
    k = len(data)
    labs = data.labels
    if order is None:
        perm = list(range(k))
    else:
        keys = list(order)
        if len(keys) != k:
            raise ValueError(f"order has {len(keys)} entries for {k} studies")
        try:
            perm = sorted(range(k), key=lambda i: keys[i])
        except TypeError as exc:
            raise ValueError(f"order keys are not mutually comparable ({exc})") from None
    if k == 0:
        return []
    # studies in the order they are added, so each step lists and sums them in that order
    idx = np.array(perm, dtype=np.intp)
    prefixes = np.tri(k, dtype=bool)
    results = pool_rows(data.take(idx.tolist()), opts, prefixes)
    return [
        CumulativeStep(step=step, added=labs[perm[step - 1]], index=perm[step - 1], result=r)
        for step, r in enumerate(results, start=1)
    ]


def egger_test(
    events_t: Any,
    total_t: Any,
    events_c: Any,
    total_c: Any,
    *,
    measure: str = "OR",
    labels: Sequence[str] | None = None,
) -> EggerResult:
    """Egger's regression test on the per-study estimates of ``measure``."""
    opts = normalise_options(measure, "IV", "fixed", "DL", False, 0.95)
    return egger_data(StudyData.dichotomous(events_t, total_t, events_c, total_c, labels), opts.measure)


def egger_data(data: StudyData, measure: str) -> EggerResult:
    """:func:`egger_test` for any data type (``measure`` canonical for it); the per-study
    estimates are the inverse-variance ones (for 2x2 data: with RevMan's 0.5 correction)."""
    method = "IV" if data.kind != "o-e" else "Peto"
    eff = data.effects(measure, method)
    inc = eff.included[0]
    yi, vi = eff.yi[0][inc], eff.vi[0][inc]
    k = len(yi)

    def fail(reason: str) -> EggerResult:
        return EggerResult(
            measure=measure,
            k=k,
            intercept=_NAN,
            se=_NAN,
            t=_NAN,
            df=max(k - 2, 0),
            p=_NAN,
            slope=_NAN,
            slope_se=_NAN,
            reason=reason,
        )

    if k < EGGER_MIN_K:
        return fail(egger_too_few(k))
    sei = np.sqrt(vi)
    x = 1.0 / sei
    z = yi / sei
    xbar = float(x.mean())
    sxx = float(((x - xbar) ** 2).sum())
    if not sxx > 1e-12 * float((x * x).sum()):
        return fail("all studies have the same standard error: the regression is undefined")
    slope = float(((x - xbar) * (z - z.mean())).sum()) / sxx
    intercept = float(z.mean()) - slope * xbar
    resid = z - intercept - slope * x
    df = k - 2
    sigma2 = float((resid * resid).sum()) / df
    se_int = math.sqrt(sigma2 * (1.0 / k + xbar * xbar / sxx))
    se_slope = math.sqrt(sigma2 / sxx)
    if se_int > 0:
        tval = intercept / se_int
        p = dist.t_two_sided_p(tval, df)
    else:
        tval = math.copysign(math.inf, intercept) if intercept != 0 else _NAN
        p = 0.0 if intercept != 0 else _NAN
    return EggerResult(
        measure=measure,
        k=k,
        intercept=intercept,
        se=se_int,
        t=tval,
        df=df,
        p=p,
        slope=slope,
        slope_se=se_slope,
        reason=None,
        caveat=egger_caveat(k),
    )
