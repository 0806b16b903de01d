"""Many meta-analyses in one call, through the same kernel as :func:`.single.pool`: 2x2 tables
(:func:`pool_batch`), continuous arms (:func:`pool_batch_continuous`) and generic estimates with
their SEs (:func:`pool_batch_generic`).

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
from .continuous import generic_effects, md_effects, smd_effects
from .counts import as_batch, check_counts
from .effects import Effects, binary_effects
from .options import Options, normalise_options
from .types import BoolArray, FloatArray, IntArray

__all__ = ["BatchResult", "pool_batch", "pool_batch_continuous", "pool_batch_generic"]


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
    _dl_only(opts)
    names = ("events_treat", "total_treat", "events_ctrl", "total_ctrl")
    arrays, msk = _arrays(names, (events_t, total_t, events_c, total_c), mask)
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
    return _batch(binary_effects(a, n1, c, n2, opts.measure, opts.method), opts)


def _arrays(names: tuple[str, ...], values: tuple[Any, ...], mask: Any) -> tuple[list[FloatArray], BoolArray]:
    arrays = [as_batch(name, x) for name, x in zip(names, values, strict=True)]
    msk = np.asarray(mask)
    if msk.dtype != np.bool_:
        raise ValueError("mask must be a boolean array")
    shapes = {x.shape for x in arrays} | {msk.shape}
    if len(shapes) != 1:
        raise ValueError(f"{', '.join(names)} and mask must share one (m, k) shape; got {shapes}")
    return arrays, msk


def _check(
    names: tuple[str, ...],
    arrays: list[FloatArray],
    msk: BoolArray,
    positive: set[str],
    at_least_two: set[str],
) -> None:
    ncol = msk.shape[1]
    for name, x in zip(names, arrays, strict=True):
        bad = msk & ~np.isfinite(x)
        if name in positive:
            bad |= msk & ~(x > 0)
        if name in at_least_two:
            bad |= msk & ~((x >= 2) & (x == np.floor(x)))
        if bad.any():
            i = int(np.flatnonzero(bad.ravel())[0])
            need = (
                "a whole number >= 2"
                if name in at_least_two
                else "positive"
                if name in positive
                else "finite"
            )
            raise ValueError(
                f"meta-analysis {i // ncol}, study {i % ncol}: {name} must be {need}; got {x.ravel()[i]!r}"
            )


def pool_batch_continuous(
    mean_t: Any,
    sd_t: Any,
    n_t: Any,
    mean_c: Any,
    sd_c: Any,
    n_c: Any,
    mask: Any,
    *,
    measure: str = "MD",
    model: str = "fixed",
    tau2_method: str = "DL",
    hksj: bool = False,
    level: float = 0.95,
) -> BatchResult:
    """``m`` continuous meta-analyses at once (MD or RevMan's SMD), like :func:`pool_batch`."""
    opts = normalise_options(measure, "IV", model, tau2_method, hksj, level, "continuous")
    _dl_only(opts)
    names = ("mean_treat", "sd_treat", "n_treat", "mean_ctrl", "sd_ctrl", "n_ctrl")
    arrays, msk = _arrays(names, (mean_t, sd_t, n_t, mean_c, sd_c, n_c), mask)
    _check(names, arrays, msk, {"sd_treat", "sd_ctrl"}, {"n_treat", "n_ctrl"})
    cols = [np.where(msk, x, np.nan) for x in arrays]
    effects = (smd_effects if opts.measure == "SMD" else md_effects)(*cols)
    return _batch(effects, opts)


def pool_batch_generic(
    estimate: Any,
    se: Any,
    mask: Any,
    *,
    measure: str = "MD",
    model: str = "fixed",
    tau2_method: str = "DL",
    hksj: bool = False,
    level: float = 0.95,
) -> BatchResult:
    """``m`` generic inverse-variance meta-analyses at once: estimates and SEs on the analysis
    scale (log for ratio measures), like :func:`pool_batch`."""
    opts = normalise_options(measure, "IV", model, tau2_method, hksj, level, "generic")
    _dl_only(opts)
    names = ("estimate", "se")
    arrays, msk = _arrays(names, (estimate, se), mask)
    _check(names, arrays, msk, {"se"}, set())
    est, s = (np.where(msk, x, np.nan) for x in arrays)
    return _batch(generic_effects(est, s), opts)


def _dl_only(opts: Options) -> None:
    if opts.tau2_method != "DL":
        raise ValueError("batch pooling supports tau2_method='DL' only")


def _batch(effects: Effects, opts: Options) -> BatchResult:
    m = vector()
    pooled = combine(effects, opts, m)

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
