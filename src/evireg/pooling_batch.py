"""Vectorised pooling of many binary-outcome meta-analyses in one call.

``pool_batch`` takes ``(m, k)`` count arrays and a boolean ``mask`` (``True`` where a study is
present; ``k`` is the largest number of studies) and returns ``(m,)`` arrays.  It is a
separate, fully vectorised implementation of the same formulas as :func:`evireg.pooling.pool`
(RevMan 5 zero-cell rules, MH/IV/Peto fixed effect, DerSimonian-Laird random effects with Q
around the fixed estimate of the chosen method); the test-suite checks that it equals the
one-at-a-time path.  Only ``tau2_method="DL"`` is offered, and no HKSJ or prediction interval.

Rows with no estimable study give NaN everywhere except ``k = 0`` and ``df = 0``; rows with
one study give ``q = 0``, ``df = 0`` and NaN heterogeneity P / I2, like ``pool``.
Masked-out entries are ignored (they may hold anything, NaN included).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import special

from evireg.pooling import check_counts, normalise_options

__all__ = ["BatchResult", "pool_batch"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class BatchResult:
    """Per-meta-analysis results, each an array of shape ``(m,)``.

    ``estimate``/``ci_low``/``ci_high`` are on the natural scale for OR/RR (raw for RD);
    ``log_estimate``/``se`` on the analysis scale; ``q``/``df``/``q_p``/``i2`` (percent)/
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

    def __len__(self) -> int:
        return int(self.estimate.shape[0])


def _as2d(name: str, x: Any) -> FloatArray:
    try:
        arr = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name}: counts must be numbers ({exc})") from None
    if arr.ndim != 2:
        raise ValueError(f"{name} must have shape (m, k); got shape {arr.shape}")
    return arr


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
    level: float = 0.95,
) -> BatchResult:
    """Pool ``m`` meta-analyses at once (see the module docstring)."""
    opts = normalise_options(measure, method, model, tau2_method, False, level)
    if opts.tau2_method != "DL":
        raise ValueError("pool_batch supports tau2_method='DL' only")
    a0 = _as2d("events_treat", events_t)
    n10 = _as2d("total_treat", total_t)
    c0 = _as2d("events_ctrl", events_c)
    n20 = _as2d("total_ctrl", total_c)
    msk = np.asarray(mask)
    if msk.dtype != np.bool_:
        raise ValueError("mask must be a boolean array")
    shapes = {a0.shape, n10.shape, c0.shape, n20.shape, msk.shape}
    if len(shapes) != 1:
        raise ValueError(f"events, totals and mask must share one (m, k) shape; got {shapes}")
    ncol = a0.shape[1]
    check_counts(
        a0,
        n10,
        c0,
        n20,
        msk,
        lambda i: f"meta-analysis {i // ncol}, study {i % ncol}" if ncol else "study",
    )
    # Neutralise masked-out entries so no NaN/inf leaks into the arithmetic.
    a_raw = np.where(msk, a0, 1.0)
    n1_raw = np.where(msk, n10, 2.0)
    c_raw = np.where(msk, c0, 1.0)
    n2_raw = np.where(msk, n20, 2.0)
    b_raw = n1_raw - a_raw
    d_raw = n2_raw - c_raw
    m_measure, m_method = opts.measure, opts.method

    inc = msk & (n1_raw > 0) & (n2_raw > 0)
    if m_measure != "RD":
        inc &= ~((a_raw == 0) & (c_raw == 0)) & ~((b_raw == 0) & (d_raw == 0))

    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if m_method == "Peto":
            a, b, c, d = a_raw, b_raw, c_raw, d_raw
            n1, n2 = n1_raw, n2_raw
            n = n1 + n2
            v_peto = n1 * n2 * (a + c) * (b + d) / (n * n * (n - 1.0))
            yi = (a - n1 * (a + c) / n) / v_peto
            vi = 1.0 / v_peto
        else:
            zero = (a_raw == 0) | (b_raw == 0) | (c_raw == 0) | (d_raw == 0)
            add = np.where(inc & zero, 0.5, 0.0)
            a, b, c, d = a_raw + add, b_raw + add, c_raw + add, d_raw + add
            n1, n2 = a + b, c + d
            n = n1 + n2
            if m_measure == "OR":
                yi = np.log((a * d) / (b * c))
                vi = 1.0 / a + 1.0 / b + 1.0 / c + 1.0 / d
            elif m_measure == "RR":
                yi = np.log((a / n1) / (c / n2))
                vi = 1.0 / a - 1.0 / n1 + 1.0 / c - 1.0 / n2
            else:
                yi = a / n1 - c / n2
                vi = a * b / n1**3 + c * d / n2**3

        yi = np.where(inc, yi, 0.0)
        vi = np.where(inc, vi, 1.0)
        w = np.where(inc, 1.0 / vi, 0.0)
        k = inc.sum(axis=1)
        sw = w.sum(axis=1)

        def rsum(x: FloatArray) -> FloatArray:
            out: FloatArray = np.where(inc, x, 0.0).sum(axis=1)
            return out

        if m_method == "MH":
            if m_measure == "OR":
                r_i, s_i = a * d / n, b * c / n
                big_r, big_s = rsum(r_i), rsum(s_i)
                p_i, q_i = (a + d) / n, (b + c) / n
                var_f = 0.5 * (
                    rsum(p_i * r_i) / big_r**2
                    + rsum(p_i * s_i + q_i * r_i) / (big_r * big_s)
                    + rsum(q_i * s_i) / big_s**2
                )
                theta_f = np.log(big_r / big_s)
            elif m_measure == "RR":
                big_r, big_s = rsum(a * n2 / n), rsum(c * n1 / n)
                big_p = rsum((n1 * n2 * (a + c) - a * c * n) / n**2)
                var_f = big_p / (big_r * big_s)
                theta_f = np.log(big_r / big_s)
            else:
                big_k = rsum(n1 * n2 / n)
                theta_f = rsum((a * n2 - c * n1) / n) / big_k
                var_f = rsum((a * b * n2**3 + c * d * n1**3) / (n1 * n2 * n**2)) / big_k**2
        else:
            theta_f = (w * yi).sum(axis=1) / sw
            var_f = 1.0 / sw

        q = (w * (yi - theta_f[:, None]) ** 2).sum(axis=1)
        q = np.where(k > 1, q, 0.0)
        df = np.maximum(k - 1, 0)
        c_dl = sw - (w * w).sum(axis=1) / sw
        tau2 = np.where(k > 1, np.maximum(0.0, (q - df) / c_dl), 0.0)

        if opts.model == "fixed":
            theta, se = theta_f, np.sqrt(var_f)
        else:
            w_re = np.where(inc, 1.0 / (vi + tau2[:, None]), 0.0)
            sw_re = w_re.sum(axis=1)
            theta = (w_re * yi).sum(axis=1) / sw_re
            se = np.sqrt(1.0 / sw_re)

        zc = float(special.ndtri(1.0 - (1.0 - opts.level) / 2.0))
        lo, hi = theta - zc * se, theta + zc * se
        z = theta / se
        p = 2.0 * special.ndtr(-np.abs(z))
        q_p = np.where(df >= 1, special.chdtrc(np.maximum(df, 1), q), np.nan)
        i2 = np.where(df >= 1, np.where(q > 0, np.maximum(0.0, (q - df) / q), 0.0) * 100.0, np.nan)

    empty = k == 0
    nan = np.nan

    def fin(x: FloatArray) -> FloatArray:
        out: FloatArray = np.where(empty, nan, x).astype(np.float64)
        return out

    theta, se, lo, hi, z, p = fin(theta), fin(se), fin(lo), fin(hi), fin(z), fin(p)
    if m_measure in ("OR", "RR"):
        est, lo_n, hi_n = np.exp(theta), np.exp(lo), np.exp(hi)
    else:
        est, lo_n, hi_n = theta, lo, hi
    return BatchResult(
        measure=m_measure,
        method=m_method,
        model=opts.model,
        tau2_method=opts.tau2_method,
        k=k.astype(np.int64),
        estimate=est,
        ci_low=lo_n,
        ci_high=hi_n,
        log_estimate=theta,
        se=se,
        z=z,
        p=p,
        q=fin(q),
        df=df.astype(np.int64),
        q_p=fin(q_p),
        i2=fin(i2),
        tau2=fin(tau2),
    )
