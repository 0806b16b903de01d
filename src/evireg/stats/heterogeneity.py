"""Heterogeneity: Cochran's Q, I2 and H (Higgins and Thompson 2002).

Q is ``sum((y_i - theta)^2 / v_i)`` around the fixed-effect estimate of the chosen method (the
MH estimate for a Mantel-Haenszel analysis, as RevMan 5 does; for Peto it equals the classic
``sum((O-E)^2/V) - (sum(O-E))^2 / sum(V)``).  ``I2 = max(0, (Q - df) / Q)`` in percent and
``H = sqrt(Q / df)``, always from Q whatever estimates tau2.
"""

from __future__ import annotations

import math

import numpy as np

from .types import FloatArray

__all__ = ["cochran_q", "i2_from_q", "i2_percent"]


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
