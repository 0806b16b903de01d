"""The kernel: per-study effects in, fixed- or random-effects pooled results out, for a batch.

:func:`combine` takes :class:`~.effects.Effects` of shape ``(m, k)`` and returns a
:class:`Pooled` of ``m`` rows.  Rows are grouped by their number of estimable studies and each
group is gathered into a dense block (no padding, studies in their input order), so

* every branch that depends on k (heterogeneity for k = 1, HKSJ for k >= 2, the prediction
  interval for k >= 3, the t degrees of freedom) is taken once per group, and
* each analysis's sums run over exactly its own studies in its own order: a row's numbers do not
  depend on what else is in the batch, and a batch of one is a single analysis.

Conventions: a fixed-effect analysis uses the estimate of its method (MH, IV or Peto) and its
weights; a random-effects one inverse-variance weights ``1 / (v + tau2)``.  tau2 is reported for
both (estimated with ``tau2_method``).  ``level`` sets every interval.  Rows with no estimable
study are NaN throughout, with ``k = 0`` and ``df = 0``; with one study, Q = 0, df = 0, tau2 = 0
and the heterogeneity P, I2 and H are NaN, and HKSJ (no degrees of freedom) falls back to the
Wald interval.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .backends import Math
from .effects import Cells, Effects
from .fixed import inverse_variance, mantel_haenszel
from .heterogeneity import cochran_q, i2_from_tau2, i2_percent
from .options import Options
from .random_effects import hksj_se, prediction_half_width, random_effects
from .tau2 import between_study_variance
from .types import BoolArray, FloatArray, IntArray

__all__ = ["Pooled", "combine"]


@dataclass(frozen=True)
class Pooled:
    """Pooled results per row (shape ``(m,)``) on the analysis scale (log OR, log RR, RD).

    ``z`` is the test statistic (t with ``t_df`` degrees of freedom under HKSJ, ``t_df`` 0
    otherwise) and ``p`` its two-sided P; ``q_p`` is the P of Q; ``pi_low``/``pi_high`` the
    prediction interval (NaN when there is none) and ``pi_normal_low``/``pi_normal_high`` the
    normal-based one RevMan Web also offers (random effects, k >= 2); ``i2_tau2`` is I2 from tau2
    (see :func:`.heterogeneity.i2_from_tau2`); ``weight`` the percentage weight of each study
    (shape ``(m, k)``, NaN for studies not in the pooled estimate); ``wald_fallback`` marks rows
    where HKSJ was asked for but k = 1.
    """

    k: IntArray
    theta: FloatArray
    se: FloatArray
    ci_low: FloatArray
    ci_high: FloatArray
    z: FloatArray
    p: FloatArray
    t_df: IntArray
    q: FloatArray
    df: IntArray
    q_p: FloatArray
    i2: FloatArray
    h: FloatArray
    tau2: FloatArray
    pi_low: FloatArray
    pi_high: FloatArray
    weight: FloatArray
    wald_fallback: BoolArray
    i2_tau2: FloatArray
    pi_normal_low: FloatArray
    pi_normal_high: FloatArray


_ROW_FIELDS = (
    *("theta", "se", "ci_low", "ci_high", "z", "p"),
    *("q", "q_p", "i2", "h", "tau2", "pi_low", "pi_high"),
    *("i2_tau2", "pi_normal_low", "pi_normal_high"),
)


def combine(effects: Effects, opts: Options, m: Math, *, weights_only: bool = False) -> Pooled:
    """Pool every row of ``effects`` with ``opts`` (see the module docstring).  ``weights_only``
    skips the tail areas and quantiles of tests and prediction intervals (NaN there): the
    weights, estimates and tau2 of many candidate analyses, e.g. to infer a printed method."""
    inc = effects.included
    rows_n, cols_n = inc.shape
    k = inc.sum(axis=1).astype(np.int64)
    out: dict[str, FloatArray] = {}
    weight = np.full((rows_n, cols_n), np.nan)
    t_df = np.zeros(rows_n, dtype=np.int64)
    fallback = np.zeros(rows_n, dtype=bool)
    z_crit = m.norm_ppf(opts.z_quantile)
    for size in sorted(set(k.tolist()) - {0}):
        rows = np.flatnonzero(k == size)
        every_row = len(rows) == rows_n
        keep = inc if every_row else inc[rows]
        picked = None if every_row else rows
        yi, vi = (_gather(x, picked, keep, size) for x in (effects.yi, effects.vi))
        cells = effects.cells
        if cells is not None:
            cells = Cells(*(_gather(x, picked, keep, size) for x in (cells.a, cells.b, cells.c, cells.d)))
        block = _pool_block(yi, vi, cells, size, opts, m, z_crit, weights_only)
        scattered = np.full(keep.shape, np.nan)
        scattered[keep] = block.pop("weight").ravel()
        weight[rows] = scattered
        for name, values in block.items():
            if every_row:
                out[name] = values
            else:
                out.setdefault(name, np.full(rows_n, np.nan))[rows] = values
        if opts.hksj and opts.model == "random":
            if size >= 2:
                t_df[rows] = size - 1
            else:
                fallback[rows] = True
    for name in _ROW_FIELDS:  # fields no block defined (k = 0, no prediction interval, ...)
        out.setdefault(name, np.full(rows_n, np.nan))
    return Pooled(
        k=k,
        t_df=t_df,
        df=np.maximum(k - 1, 0),
        weight=weight,
        wald_fallback=fallback,
        **out,
    )


def _gather(x: FloatArray, rows: IntArray | None, keep: BoolArray, size: int) -> FloatArray:
    """The included studies of the chosen rows as a dense block, each row's studies in their
    input order (boolean indexing walks the rows one by one).  The block is a fresh C-ordered
    array, and that matters: numpy sums a contiguous row pairwise exactly as it sums the same
    numbers as a 1-D array, so a row's sums are those of its single analysis."""
    out: FloatArray = (x if rows is None else x[rows])[keep].reshape(keep.shape[0], size)
    return out


def _pool_block(
    yi: FloatArray,
    vi: FloatArray,
    cells: Cells | None,
    k: int,
    opts: Options,
    m: Math,
    z_crit: float,
    weights_only: bool = False,
) -> dict[str, FloatArray]:
    """Pool a dense block of analyses that all have ``k`` estimable studies; the prediction
    interval (k < 3) and the heterogeneity P, I2 and H (k = 1) are left out when undefined."""
    n = yi.shape[0]
    if opts.method == "MH":
        assert cells is not None, "Mantel-Haenszel needs 2x2 cells"
        theta_f, var_f, w_fixed = mantel_haenszel(cells, opts.measure, m)
    else:  # IV and Peto (yi = (O - E) / V, vi = 1 / V)
        theta_f, var_f, w_fixed = inverse_variance(yi, vi)
    q = cochran_q(yi, vi, theta_f) if k > 1 else np.zeros(n)
    tau2 = between_study_variance(opts.tau2_method, yi, vi, q)

    with np.errstate(divide="ignore", invalid="ignore"):
        if opts.model == "fixed":
            theta, se, w = theta_f, np.sqrt(var_f), w_fixed
            half = z_crit * se
            z = theta / se
            p = m.norm_two_sided_p(z)
        else:
            theta, se, w, sw = random_effects(yi, vi, tau2)
            if opts.hksj and k >= 2:
                se = hksj_se(yi, w, sw, theta)
                half = m.t_ppf(opts.z_quantile, k - 1) * se
                spread = se > 0
                z = np.where(spread, theta / se, np.copysign(np.inf, theta))
                p = np.where(spread, m.t_two_sided_p(z, k - 1), np.where(theta != 0, 0.0, 1.0))
            else:
                half = z_crit * se
                z = theta / se
                p = m.norm_two_sided_p(z)

        total = w.sum(axis=1)
        weight = np.where(total[:, None] > 0, 100.0 * (w / total[:, None]), np.nan)
        if weights_only:
            return {"theta": theta, "se": se, "weight": weight, "q": q, "tau2": tau2}
        block: dict[str, FloatArray] = {
            "theta": theta,
            "se": se,
            "ci_low": theta - half,
            "ci_high": theta + half,
            "z": z,
            "p": p,
            "weight": weight,
        }
        if opts.model == "random" and k >= 3:
            half_pi = prediction_half_width(m.t_ppf(opts.z_quantile, k - 2), tau2, se)
            block["pi_low"], block["pi_high"] = theta - half_pi, theta + half_pi
        if opts.model == "random" and k >= 2:
            half_pn = prediction_half_width(z_crit, tau2, se)
            block["pi_normal_low"], block["pi_normal_high"] = theta - half_pn, theta + half_pn
        if k > 1:
            df = k - 1
            block.update(q=q, q_p=m.chi2_sf(q, df), i2=i2_percent(q, df), h=np.sqrt(q / df), tau2=tau2)
            block["i2_tau2"] = i2_from_tau2(tau2, vi)
        else:
            block.update(q=np.zeros(n), tau2=np.zeros(n))
    return block
