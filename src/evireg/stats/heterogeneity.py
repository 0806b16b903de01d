"""Heterogeneity: Cochran's Q, I2 and H (Higgins and Thompson 2002).

Q is ``sum((y_i - theta)^2 / v_i)`` around the fixed-effect estimate of the chosen method (the
MH estimate for a Mantel-Haenszel analysis, as RevMan 5 does; for Peto it equals the classic
``sum((O-E)^2/V) - (sum(O-E))^2 / sum(V)``).  ``I2 = max(0, (Q - df) / Q)`` in percent and
``H = sqrt(Q / df)``, always from Q whatever estimates tau2.

RevMan Web (and metafor) also report I2 from tau2 (Higgins and Thompson 2002, eq. 9):
``I2 = tau2 / (tau2 + s2)`` in percent, with the typical within-study variance
``s2 = (k - 1) sum(w) / ((sum(w))^2 - sum(w^2))``, ``w = 1 / v``.  Under DL it equals the I2 from
Q when all variances are equal; under REML or PM it differs, and that is the number RevMan Web
prints for them.
"""

from __future__ import annotations

import math

import numpy as np

from .types import FloatArray

__all__ = ["cochran_q", "i2_from_q", "i2_from_tau2", "i2_percent", "typical_variance"]


def cochran_q(yi: FloatArray, vi: FloatArray, theta: FloatArray) -> FloatArray:
    """Q of each row of a dense ``(n, k)`` block around ``theta`` (shape ``(n,)``)."""
    out: FloatArray = (((yi - theta[:, None]) ** 2) / vi).sum(axis=1)
    return out


def i2_percent(q: FloatArray, df: int) -> FloatArray:
    """I2 in percent, floored at 0; NaN when df < 1 or Q is not finite."""
    if df < 1:
        return np.full(q.shape, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = (q - df) / q
    # where(share > 0, ...) rather than maximum: it floors NaN and -0.0 to 0.0 as Python's max does
    out: FloatArray = np.where(
        ~np.isfinite(q), np.nan, np.where(q <= 0.0, 0.0, np.where(share > 0.0, share, 0.0) * 100.0)
    )
    return out


def i2_from_q(q: float, df: int) -> float:
    """I2 in percent of one Q, floored at 0; NaN when df < 1."""
    if df < 1 or not math.isfinite(q):
        return math.nan
    return float(i2_percent(np.array([q]), df)[0])


def typical_variance(vi: FloatArray) -> FloatArray:
    """The typical within-study variance ``s2`` of each row of a dense ``(n, k)`` block."""
    k = vi.shape[1]
    w = 1.0 / vi
    sw = w.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        out: FloatArray = (k - 1) * sw / (sw * sw - (w * w).sum(axis=1))
    return out


def i2_from_tau2(tau2: FloatArray, vi: FloatArray) -> FloatArray:
    """I2 in percent from tau2 (shape ``(n,)``) and the variances of a dense ``(n, k)`` block;
    NaN when k < 2."""
    if vi.shape[1] < 2:
        return np.full(tau2.shape, np.nan)
    s2 = typical_variance(vi)
    with np.errstate(divide="ignore", invalid="ignore"):
        out: FloatArray = 100.0 * tau2 / (tau2 + s2)
    return out
