"""Many binary-outcome meta-analyses in one call, through the same kernel as :func:`.single.pool`.

``pool_batch`` takes ``(m, k)`` count arrays and a boolean ``mask`` (``True`` where a study is
present; ``k`` is the largest number of studies) and returns ``(m,)`` arrays.  Each row gets
exactly the arithmetic of :func:`.single.pool`; only the logarithms, exponentials and tail areas
come from numpy and scipy's ufuncs instead of the C library one number at a time, so a row can
differ from ``pool`` in the last bits.  ``tau2_method`` is DerSimonian-Laird only: REML and
Paule-Mandel solve an equation per analysis, which would forfeit the point of a batch.

Rows with no estimable study give NaN everywhere except ``k = 0`` and ``df = 0``; rows with one
study give ``q = 0``, ``df = 0`` and NaN heterogeneity P / I2, like ``pool``.  Masked-out entries
are ignored (they may hold anything, NaN included).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .backends import vector
from .combine import combine
from .counts import as_batch, check_counts
from .effects import binary_effects
from .options import normalise_options
from .types import FloatArray, IntArray

__all__ = ["BatchResult", "pool_batch"]


@dataclass(frozen=True)
class BatchResult:
    """Per-meta-analysis results, each an array of shape ``(m,)``.

    ``estimate``/``ci_low``/``ci_high`` (and ``pi_low``/``pi_high``, the prediction interval,
    NaN unless random effects with k >= 3) are on the natural scale for OR/RR (raw for RD);
    ``log_estimate``/``se`` on the analysis scale; ``z`` is a t statistic on ``t_df`` degrees of
    freedom under HKSJ (``t_df`` 0 otherwise); ``q``/``df``/``q_p``/``i2`` (percent)/``h``/
    ``tau2`` (DerSimonian-Laird) describe heterogeneity; ``k`` counts the estimable studies.
    """

    measure: str
    method: str
    model: str
    tau2_method: str
    k: IntArray
    estimate: FloatArray
    ci_low: FloatArray
    ci_high: FloatArray
    log_estimate: FloatArray
    se: FloatArray
    z: FloatArray
    p: FloatArray
    q: FloatArray
    df: IntArray
    q_p: FloatArray
    i2: FloatArray
    tau2: FloatArray
    h: FloatArray
    t_df: IntArray
    pi_low: FloatArray
    pi_high: FloatArray

    def __len__(self) -> int:
        return int(self.estimate.shape[0])


def pool_batch(
    events_t: Any,
    total_t: Any,
    events_c: Any,
    total_c: Any,
    mask: Any,
    *,
    measure: str = "OR",
    method: str = "MH",
    model: str = "fixed",
    tau2_method: str = "DL",
    hksj: bool = False,
    level: float = 0.95,
) -> BatchResult:
    """Pool ``m`` meta-analyses at once (see the module docstring)."""
    opts = normalise_options(measure, method, model, tau2_method, hksj, level)
    if opts.tau2_method != "DL":
        raise ValueError("pool_batch supports tau2_method='DL' only")
    arrays = [
        as_batch(name, x)
        for name, x in (
            ("events_treat", events_t),
            ("total_treat", total_t),
            ("events_ctrl", events_c),
            ("total_ctrl", total_c),
        )
    ]
    msk = np.asarray(mask)
    if msk.dtype != np.bool_:
        raise ValueError("mask must be a boolean array")
    shapes = {x.shape for x in arrays} | {msk.shape}
    if len(shapes) != 1:
        raise ValueError(f"events, totals and mask must share one (m, k) shape; got {shapes}")
    ncol = msk.shape[1]
    a0, n10, c0, n20 = arrays
    check_counts(
        a0,
        n10,
        c0,
        n20,
        msk,
        lambda i: f"meta-analysis {i // ncol}, study {i % ncol}" if ncol else "study",
    )
    a, n1, c, n2 = (np.where(msk, x, np.nan) for x in (a0, n10, c0, n20))
    m = vector()
    pooled = combine(binary_effects(a, n1, c, n2, opts.measure, opts.method), opts, m)

    def natural(x: FloatArray) -> FloatArray:
        if not opts.ratio:
            return x
        with np.errstate(over="ignore"):
            out: FloatArray = np.where(np.isfinite(x), m.exp(x), x)
        return out

    return BatchResult(
        measure=opts.measure,
        method=opts.method,
        model=opts.model,
        tau2_method=opts.tau2_method,
        k=pooled.k,
        estimate=natural(pooled.theta),
        ci_low=natural(pooled.ci_low),
        ci_high=natural(pooled.ci_high),
        log_estimate=pooled.theta,
        se=pooled.se,
        z=pooled.z,
        p=pooled.p,
        q=pooled.q,
        df=pooled.df,
        q_p=pooled.q_p,
        i2=pooled.i2,
        tau2=pooled.tau2,
        h=pooled.h,
        t_df=pooled.t_df,
        pi_low=natural(pooled.pi_low),
        pi_high=natural(pooled.pi_high),
    )
