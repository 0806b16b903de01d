"""Sensitivity analyses for binary-outcome meta-analysis: leave-one-out, cumulative, Egger.

Pure functions over 2x2 counts, built on :mod:`evireg.pooling` (same options, same RevMan 5
conventions for zero cells and heterogeneity).

* :func:`leave_one_out` re-pools the studies with each study omitted in turn (every input
  study gets a step, even a non-estimable one, whose omission changes nothing).
* :func:`cumulative` adds studies one at a time in a chosen order (Lau et al. 1992).
* :func:`egger_test` is Egger's regression test for funnel-plot asymmetry (Egger, Davey
  Smith, Schneider and Minder 1997): ordinary least squares of ``y_i / s_i`` on ``1 / s_i``;
  the intercept measures asymmetry and is tested with a t statistic on k - 2 degrees of
  freedom.  ``y_i``/``s_i`` are the per-study analysis-scale estimates and standard errors
  (log OR / log RR / RD, with RevMan's 0.5 correction; non-estimable studies left out).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from evireg import distributions as dist
from evireg.pooling import (
    PoolResult,
    normalise_options,
    pool_tables,
    study_tables,
    validate_tables,
)

__all__ = [
    "CumulativeStep",
    "EggerResult",
    "LeaveOneOut",
    "cumulative",
    "egger_test",
    "leave_one_out",
]

_NAN = float("nan")


def _jf(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


@dataclass(frozen=True)
class LeaveOneOut:
    """The analysis with study ``omitted`` (input position ``index``) left out."""

    omitted: str
    index: int
    result: PoolResult

    def to_dict(self) -> dict[str, Any]:
        return {"omitted": self.omitted, "index": self.index, "result": self.result.to_dict()}


@dataclass(frozen=True)
class CumulativeStep:
    """Step ``step`` (1-based) of a cumulative analysis: study ``added`` (input position
    ``index``) joined the studies before it; ``result`` pools all of them."""

    step: int
    added: str
    index: int
    result: PoolResult

    def to_dict(self) -> dict[str, Any]:
        return {
            "step": self.step,
            "added": self.added,
            "index": self.index,
            "result": self.result.to_dict(),
        }


@dataclass(frozen=True)
class EggerResult:
    """Egger's regression test.  When the test cannot be run (k < 3, or all standard errors
    equal) the numbers are NaN and ``reason`` says why; otherwise ``reason`` is None.

    ``intercept`` is the asymmetry coefficient, ``se`` its standard error, ``t = intercept /
    se`` with ``df = k - 2`` and ``p`` its two-sided P; ``slope`` estimates the effect
    adjusted for small-study effects (analysis scale).
    """

    measure: str
    k: int
    intercept: float
    se: float
    t: float
    df: int
    p: float
    slope: float
    slope_se: float
    reason: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "measure": self.measure,
            "k": self.k,
            "intercept": _jf(self.intercept),
            "se": _jf(self.se),
            "t": _jf(self.t),
            "df": self.df,
            "p": _jf(self.p),
            "slope": _jf(self.slope),
            "slope_se": _jf(self.slope_se),
            "reason": self.reason,
        }


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
    a, n1, c, n2, labs = validate_tables(events_t, total_t, events_c, total_c, labels)
    out: list[LeaveOneOut] = []
    k = len(a)
    for i in range(k):
        keep = np.arange(k) != i
        res = pool_tables(
            a[keep], n1[keep], c[keep], n2[keep], [labs[j] for j in range(k) if j != i], opts
        )
        out.append(LeaveOneOut(omitted=labs[i], index=i, result=res))
    return out


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
    a, n1, c, n2, labs = validate_tables(events_t, total_t, events_c, total_c, labels)
    k = len(a)
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
    out: list[CumulativeStep] = []
    for step in range(1, k + 1):
        idx = np.array(perm[:step], dtype=np.intp)
        res = pool_tables(a[idx], n1[idx], c[idx], n2[idx], [labs[j] for j in idx], opts)
        j = perm[step - 1]
        out.append(CumulativeStep(step=step, added=labs[j], index=j, result=res))
    return out


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
    a, n1, c, n2, _ = validate_tables(events_t, total_t, events_c, total_c, labels)
    t = study_tables(a, n1, c, n2, opts.measure, "IV")
    yi, vi = t.yi[t.included], t.vi[t.included]
    k = len(yi)

    def fail(reason: str) -> EggerResult:
        return EggerResult(
            measure=opts.measure,
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

    if k < 3:
        return fail(f"Egger's test needs at least 3 estimable studies (k = {k})")
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
        measure=opts.measure,
        k=k,
        intercept=intercept,
        se=se_int,
        t=tval,
        df=df,
        p=p,
        slope=slope,
        slope_se=se_slope,
        reason=None,
    )
