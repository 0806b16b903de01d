"""Between-study variance tau2 over dense blocks (shape ``(n, k)``, every study estimable).

* ``DL``: DerSimonian and Laird (1986), ``max(0, (Q - df) / (sum(w) - sum(w^2) / sum(w)))`` with
  ``w = 1 / v`` and the Q of the chosen method (so an MH random-effects analysis matches RevMan 5).
  Vectorised.
* ``REML``: restricted maximum likelihood (Viechtbauer 2005), the global maximiser over
  ``tau2 >= 0``.
* ``PM``: Paule and Mandel (1982; DerSimonian and Kacker 2007), the tau2 at which the generalised
  Q equals k - 1, truncated at 0.

The Q-profile confidence interval for tau2 (Viechtbauer 2007; metafor's ``confint``) is the set
of tau2 whose generalised Q, ``sum(w (y - mu(tau2))^2)`` with ``w = 1 / (v + tau2)``, lies
between the ``alpha / 2`` and ``1 - alpha / 2`` quantiles of chi-squared on k - 1 df; the
generalised Q falls as tau2 grows, so each bound is one root, found by bisection to the last
bit, and a bound whose equation has no root above 0 is 0.  It does not depend on the tau2
estimator.

REML and PM solve an equation per analysis, so they loop over rows (scipy's Brent root finder,
imported only when one of them runs).  Every estimator gives 0 for k < 2.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from . import distributions as dist
from .types import FloatArray

__all__ = ["between_study_variance", "generalised_q", "tau2_dl", "tau2_pm", "tau2_qprofile_ci", "tau2_reml"]


def tau2_dl(vi: FloatArray, q: FloatArray) -> FloatArray:
    """DerSimonian-Laird tau2 of each row of ``vi`` from its Q."""
    n, k = vi.shape
    if k < 2:
        return np.zeros(n)
    w = 1.0 / vi
    sw = w.sum(axis=1)
    denom = sw - (w * w).sum(axis=1) / sw
    with np.errstate(divide="ignore", invalid="ignore"):
        t2 = (q - (k - 1)) / denom
    out: FloatArray = np.where(denom <= 0.0, 0.0, np.where(t2 > 0.0, t2, 0.0))
    return out


def _upper_bracket(f: Callable[[float], float], start: float) -> float | None:
    hi = max(start, 1e-8)
    for _ in range(200):
        if f(hi) < 0.0:
            return hi
        hi *= 2.0
    return None


def _solve_root(f: Callable[[float], float], yi: FloatArray) -> float:
    if f(0.0) <= 0.0:
        return 0.0
    spread = float(np.var(yi)) if len(yi) > 1 else 1.0
    hi = _upper_bracket(f, max(spread, 1e-4))
    if hi is None:  # pragma: no cover - the generalised Q falls below k - 1 for large tau2
        return math.nan
    from scipy import optimize

    return float(optimize.brentq(f, 0.0, hi, xtol=1e-15, rtol=1e-14, maxiter=1000))


def _reml_score_grid(yi: FloatArray, vi: FloatArray, t2: FloatArray) -> FloatArray:
    """REML score (times 2) at each tau2 of ``t2``, vectorised over the grid."""
    w = 1.0 / (vi[None, :] + t2[:, None])
    sw = w.sum(axis=1)
    mu = (w * yi[None, :]).sum(axis=1) / sw
    w2 = w * w
    out: FloatArray = (w2 * (yi[None, :] - mu[:, None]) ** 2).sum(axis=1) - (sw - w2.sum(axis=1) / sw)
    return out


def _reml_loglik(yi: FloatArray, vi: FloatArray, t2: float) -> float:
    """Restricted log-likelihood of the random-effects model, up to a constant."""
    w = 1.0 / (vi + t2)
    sw = float(w.sum())
    mu = float((w * yi).sum()) / sw
    return -0.5 * (float(np.log(vi + t2).sum()) + math.log(sw) + float((w * (yi - mu) ** 2).sum()))


def tau2_reml(yi: FloatArray, vi: FloatArray) -> float:
    """REML tau2 of one analysis (1-D ``yi``, ``vi``).

    The score is ``sum(w^2 (y - mu)^2) - (sum(w) - sum(w^2) / sum(w))`` with
    ``w = 1 / (v + tau2)``.  The likelihood can have more than one local maximum (including one
    on the boundary at 0), so the score is scanned on a grid, every downward sign change is
    refined with Brent's method, and the candidate (boundary included) with the largest
    restricted likelihood wins.
    """
    if len(yi) < 2:
        return 0.0

    def score(t2: float) -> float:
        return float(_reml_score_grid(yi, vi, np.array([t2]))[0])

    hi = 10.0 * (float(np.var(yi, ddof=1)) + float(vi.max())) + 1e-12
    for _ in range(200):
        if score(hi) < 0.0:
            break
        hi *= 2.0
    grid = np.concatenate(([0.0], np.geomspace(hi * 1e-10, hi, 400)))
    s = _reml_score_grid(yi, vi, grid)
    candidates: list[float] = [0.0] if s[0] <= 0.0 else []
    for j in np.flatnonzero((s[:-1] > 0.0) & (s[1:] <= 0.0)):
        lo_t, hi_t = float(grid[j]), float(grid[j + 1])
        if s[j + 1] == 0.0:
            candidates.append(hi_t)
            continue
        from scipy import optimize

        root = optimize.brentq(score, lo_t, hi_t, xtol=1e-15, rtol=1e-14, maxiter=1000)
        candidates.append(float(root))
    if not candidates:  # pragma: no cover - the score is negative at hi by construction
        return math.nan
    return max(candidates, key=lambda t: _reml_loglik(yi, vi, t))


def generalised_q(yi: FloatArray, vi: FloatArray, t2: float) -> float:
    """The generalised Q of one analysis at ``t2``: ``sum(w (y - mu)^2)``, ``w = 1 / (v + t2)``."""
    w = 1.0 / (vi + t2)
    mu = float((w * yi).sum()) / float(w.sum())
    return float((w * (yi - mu) ** 2).sum())


def _bisect(f: Callable[[float], float], lo: float, hi: float) -> float:
    """The root of a decreasing ``f`` in ``[lo, hi]`` (``f(lo) > 0 >= f(hi)``), halving until
    the bracket cannot shrink in floating point: no tolerance to tune."""
    while True:
        mid = 0.5 * (lo + hi)
        if not lo < mid < hi:
            return hi if abs(f(hi)) <= abs(f(lo)) else lo
        if f(mid) > 0.0:
            lo = mid
        else:
            hi = mid


def chi2_quantile(p: float, df: int) -> float:
    """The ``p``-quantile of chi-squared on ``df`` degrees of freedom, inverting the pure-Python
    tail area by bisection (no scipy on the single-analysis path)."""
    hi = max(1.0, float(df))
    while 1.0 - dist.chi2_sf(hi, df) < p:
        hi *= 2.0
    return _bisect(lambda x: p - (1.0 - dist.chi2_sf(x, df)), 0.0, hi)


def _qprofile_bound(yi: FloatArray, vi: FloatArray, target: float) -> float:
    """The tau2 >= 0 at which the generalised Q equals ``target`` (0 if it is already below)."""

    def f(t2: float) -> float:
        return generalised_q(yi, vi, t2) - target

    if f(0.0) <= 0.0:
        return 0.0
    hi = max(float(np.var(yi)), float(vi.max()), 1e-8)
    for _ in range(2000):  # Q falls like 1 / tau2, so doubling reaches any target > 0
        if f(hi) <= 0.0:
            break
        hi *= 2.0
    else:  # pragma: no cover - unreachable for finite data and target > 0
        return math.inf
    return _bisect(f, 0.0, hi)


def tau2_qprofile_ci(yi: FloatArray, vi: FloatArray, level: float) -> tuple[float, float]:
    """The Q-profile ``level`` confidence interval for tau2 of one analysis (1-D ``yi``, ``vi``);
    NaN for k < 2."""
    k = len(yi)
    if k < 2:
        return math.nan, math.nan
    alpha = 1.0 - level
    upper_q = chi2_quantile(1.0 - alpha / 2.0, k - 1)
    lower_q = chi2_quantile(alpha / 2.0, k - 1)
    return _qprofile_bound(yi, vi, upper_q), _qprofile_bound(yi, vi, lower_q)


def tau2_pm(yi: FloatArray, vi: FloatArray) -> float:
    """Paule-Mandel tau2 of one analysis (1-D ``yi``, ``vi``)."""
    k = len(yi)
    if k < 2:
        return 0.0

    def gen_q(t2: float) -> float:
        w = 1.0 / (vi + t2)
        mu = float((w * yi).sum()) / float(w.sum())
        return float((w * (yi - mu) ** 2).sum()) - (k - 1)

    return _solve_root(gen_q, yi)


def between_study_variance(method: str, yi: FloatArray, vi: FloatArray, q: FloatArray) -> FloatArray:
    """tau2 of each row of a dense block by ``method`` (DL uses ``q``)."""
    if method == "DL":
        return tau2_dl(vi, q)
    one = tau2_reml if method == "REML" else tau2_pm
    return np.array([one(yi[i], vi[i]) for i in range(yi.shape[0])], dtype=np.float64)
