"""An independent high-precision reference for inverse-variance meta-analysis (tests only).

No R (so no metafor) runs on this machine or in CI, so evireg's continuous and generic pooling is
checked against this module instead: the textbook formulas, written from the method papers
(not from evireg's code, which it never imports), evaluated with mpmath at 50 significant digits
in a private context (the global ``mpmath.mp`` is left alone).  Every root (REML, Paule-Mandel,
Q-profile bounds, t and chi-squared quantiles) is bracketed, bisected, polished by secant steps
and accepted only where the function changes sign within 1e-42 relative, so the reference is
exact to far more digits than the 1e-8 the tests ask of evireg.  Its own correctness is shown
by tests/test_reference_pooling.py, which reproduces published printed values (metafor's test
suite, Viechtbauer 2010, RevMan's printed rows).

Methods and sources:

* per-study effects: mean difference ``m1 - m2`` with ``sd1^2/n1 + sd2^2/n2``; standardised mean
  difference as RevMan 5 computes it (Deeks & Higgins 2010): Hedges' adjusted g, pooled SD with
  ``n1 + n2 - 2`` df, correction ``1 - 3/(4N - 9)``, variance ``1/n1 + 1/n2 + g^2/(2(N - 3.94))``;
* fixed effect: inverse-variance weights ``1/v``; Cochran's Q around that estimate;
* DerSimonian & Laird (1986): ``max(0, (Q - df)/(sum w - sum w^2/sum w))``;
* REML (Viechtbauer 2005): the zero of the derivative of the restricted log-likelihood,
  ``sum w^2 (y - mu)^2 - sum w + sum w^2/sum w`` with ``w = 1/(v + tau2)``, over ``tau2 >= 0``;
  the derivative is scanned on a grid and every downward crossing bisected, and the candidate
  (the boundary 0 included) with the largest restricted likelihood is the estimate;
* Paule & Mandel (1982): the ``tau2 >= 0`` at which the generalised Q,
  ``sum w (y - mu(tau2))^2``, equals k - 1 (0 when it is already below at 0);
* Hartung & Knapp (2001) / Sidik & Jonkman (2002): ``se^2 = sum w (y - mu)^2 / ((k-1) sum w)``,
  not truncated (metafor's default ``test = "knha"``), t on k - 1 df;
* Q-profile CI for tau2 (Viechtbauer 2007): the generalised Q equals the chi-squared (k - 1 df)
  quantiles at ``1 - alpha/2`` (lower bound) and ``alpha/2`` (upper bound), each truncated at 0;
* I2 from Q (Higgins & Thompson 2002) ``max(0, (Q - df)/Q)``, H = ``sqrt(Q/df)``, and I2 from tau2
  ``tau2/(tau2 + s2)`` with ``s2 = (k-1) sum w/((sum w)^2 - sum w^2)``, ``w = 1/v``;
* prediction interval (Higgins, Thompson & Spiegelhalter 2009): ``mu -/+ t_{k-2} sqrt(tau2 +
  se^2)`` for k >= 3 and its normal-quantile version for k >= 2, ``se`` being the reported SE
  of ``mu`` (the HKSJ one under HKSJ), as tests/golden/generate.R computes it;
* quantiles: normal from ``erfinv``; t from the regularised incomplete beta function and
  chi-squared from the regularised incomplete gamma function, each inverted by bisection.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from mpmath.ctx_mp import MPContext

MP = MPContext()
MP.dps = 50
# bisection stops when the bracket is this small relative to the root (50 digits carried)
_REL = MP.mpf(10) ** -42
_TINY = MP.mpf(10) ** -300

Mpf = Any  # mpmath's mpf (untyped)
Vec = tuple[Mpf, ...]


def num(x: str | float | int) -> Mpf:
    """A number of the reference's context: a decimal string is taken exactly (to 50 digits),
    a float by its exact binary value."""
    return MP.mpf(x)


# ---- per-study effects ------------------------------------------------------------------------


def mean_difference(m1: Mpf, sd1: Mpf, n1: Mpf, m2: Mpf, sd2: Mpf, n2: Mpf) -> tuple[Mpf, Mpf]:
    return m1 - m2, sd1**2 / n1 + sd2**2 / n2


def hedges_g(m1: Mpf, sd1: Mpf, n1: Mpf, m2: Mpf, sd2: Mpf, n2: Mpf) -> tuple[Mpf, Mpf]:
    """RevMan 5's SMD: Hedges' adjusted g and its variance with the 3.94 denominator."""
    big_n = n1 + n2
    pooled_sd = MP.sqrt(((n1 - 1) * sd1**2 + (n2 - 1) * sd2**2) / (big_n - 2))
    g = (m1 - m2) / pooled_sd * (1 - 3 / (4 * big_n - 9))
    return g, 1 / n1 + 1 / n2 + g**2 / (2 * (big_n - MP.mpf("3.94")))


# ---- distributions ----------------------------------------------------------------------------


def _halve(f: Callable[[Mpf], Mpf], lo: Mpf, hi: Mpf, rel: Mpf) -> tuple[Mpf, Mpf]:
    """Bisect the sign-change bracket ``[lo, hi]`` of ``f`` until it is below ``rel`` relative."""
    f_lo = f(lo)
    while hi - lo > rel * max(abs(hi), _TINY):
        mid = (lo + hi) / 2
        f_mid = f(mid)
        if f_mid == 0:
            return mid, mid
        if (f_mid > 0) == (f_lo > 0):
            lo, f_lo = mid, f_mid
        else:
            hi = mid
    return lo, hi


def _bisect(f: Callable[[Mpf], Mpf], lo: Mpf, hi: Mpf) -> Mpf:
    """The root of ``f`` in ``[lo, hi]``, where ``f(lo)`` and ``f(hi)`` differ in sign, to 1e-42.

    Bisection to 1e-12 relative, then secant steps from the two ends (the root is simple, so
    they converge superlinearly); the result is accepted only if ``f`` changes sign across
    ``x -/+ 1e-42 |x|``, which proves the root lies there; otherwise bisection finishes."""
    lo, hi = _halve(f, lo, hi, MP.mpf(10) ** -12)
    if lo == hi:
        return lo
    x0, f0, x1, f1 = lo, f(lo), hi, f(hi)
    for _ in range(60):
        if f1 == f0 or f1 == 0:
            break
        x0, f0, x1 = x1, f1, x1 - f1 * (x1 - x0) / (f1 - f0)
        f1 = f(x1)
        if abs(x1 - x0) <= _REL * abs(x1):
            break
    d = _REL * max(abs(x1), _TINY)
    if lo <= x1 <= hi and (f1 == 0 or (f(x1 - d) > 0) != (f(x1 + d) > 0)):
        return x1
    lo, hi = _halve(f, lo, hi, _REL)  # pragma: no cover - secant failed to settle
    return (lo + hi) / 2


def _upper_bracket(f: Callable[[Mpf], Mpf], start: Mpf) -> Mpf:
    """A point above 0 where the decreasing ``f`` is negative, doubling from ``start``."""
    hi = start
    while f(hi) >= 0:
        hi *= 2
    return hi


def norm_quantile(p: Mpf) -> Mpf:
    return MP.sqrt(2) * MP.erfinv(2 * p - 1)


def norm_two_sided_p(z: Mpf) -> Mpf:
    return MP.erfc(abs(z) / MP.sqrt(2))


def t_two_sided_p(t: Mpf, df: int) -> Mpf:
    """P(|T| >= |t|) on ``df`` df: the regularised incomplete beta I_{df/(df+t^2)}(df/2, 1/2)."""
    return MP.betainc(MP.mpf(df) / 2, MP.mpf(1) / 2, 0, df / (df + t * t), regularized=True)


@cache
def t_quantile(p: Mpf, df: int) -> Mpf:
    """The ``p``-quantile (p > 1/2) of Student's t on ``df`` df."""
    target = 2 * (1 - p)
    hi = _upper_bracket(lambda t: t_two_sided_p(t, df) - target, MP.mpf(1))
    return _bisect(lambda t: t_two_sided_p(t, df) - target, MP.mpf(0), hi)


def chi2_sf(x: Mpf, df: int) -> Mpf:
    return MP.gammainc(MP.mpf(df) / 2, x / 2, MP.inf, regularized=True)


@cache
def chi2_quantile(p: Mpf, df: int) -> Mpf:
    def f(x: Mpf) -> Mpf:  # decreasing in x
        return chi2_sf(x, df) - (1 - p)

    return _bisect(f, MP.mpf(0), _upper_bracket(f, MP.mpf(df)))


# ---- estimators -------------------------------------------------------------------------------


def _weighted_mean(y: Vec, w: Sequence[Mpf]) -> tuple[Mpf, Mpf]:
    sw = MP.fsum(w)
    return MP.fsum(wi * yi for wi, yi in zip(w, y, strict=True)) / sw, sw


def generalised_q(y: Vec, v: Vec, tau2: Mpf) -> Mpf:
    w = [1 / (vi + tau2) for vi in v]
    mu, _ = _weighted_mean(y, w)
    return MP.fsum(wi * (yi - mu) ** 2 for wi, yi in zip(w, y, strict=True))


def tau2_dl(y: Vec, v: Vec) -> Mpf:
    w = [1 / vi for vi in v]
    sw = MP.fsum(w)
    excess = generalised_q(y, v, 0) - (len(y) - 1)
    return max(MP.mpf(0), excess / (sw - MP.fsum(wi**2 for wi in w) / sw))


def reml_score(y: Vec, v: Vec, tau2: Mpf) -> Mpf:
    """Twice the derivative of the restricted log-likelihood with respect to tau2."""
    w = [1 / (vi + tau2) for vi in v]
    mu, sw = _weighted_mean(y, w)
    sw2 = MP.fsum(wi**2 for wi in w)
    return MP.fsum(wi**2 * (yi - mu) ** 2 for wi, yi in zip(w, y, strict=True)) - sw + sw2 / sw


def reml_loglik(y: Vec, v: Vec, tau2: Mpf) -> Mpf:
    """The restricted log-likelihood, up to a constant."""
    w = [1 / (vi + tau2) for vi in v]
    mu, sw = _weighted_mean(y, w)
    resid = MP.fsum(wi * (yi - mu) ** 2 for wi, yi in zip(w, y, strict=True))
    return -(MP.fsum(MP.log(vi + tau2) for vi in v) + MP.log(sw) + resid) / 2


def tau2_reml(y: Vec, v: Vec, grid_points: int = 120) -> Mpf:
    def score(t: Mpf) -> Mpf:
        return reml_score(y, v, t)

    k = len(y)
    ybar = MP.fsum(y) / k
    spread = MP.fsum((yi - ybar) ** 2 for yi in y) / (k - 1)
    hi = _upper_bracket(score, 10 * (spread + max(v)))
    grid = [MP.mpf(0)] + [
        hi * MP.mpf(10) ** (-12 + 12 * MP.mpf(i) / grid_points) for i in range(grid_points + 1)
    ]
    values = [score(t) for t in grid]
    candidates = [MP.mpf(0)] if values[0] <= 0 else []
    for j in range(len(grid) - 1):
        if values[j] > 0 >= values[j + 1]:
            candidates.append(grid[j + 1] if values[j + 1] == 0 else _bisect(score, grid[j], grid[j + 1]))
    return max(candidates, key=lambda t: reml_loglik(y, v, t))


def tau2_pm(y: Vec, v: Vec) -> Mpf:
    k = len(y)

    def f(t: Mpf) -> Mpf:  # decreasing in tau2
        return generalised_q(y, v, t) - (k - 1)

    if f(MP.mpf(0)) <= 0:
        return MP.mpf(0)
    return _bisect(f, MP.mpf(0), _upper_bracket(f, max(v)))


@cache
def qprofile_ci(y: Vec, v: Vec, level: Mpf) -> tuple[Mpf, Mpf]:
    df = len(y) - 1
    alpha = 1 - level

    def bound(target: Mpf) -> Mpf:
        def f(t: Mpf) -> Mpf:
            return generalised_q(y, v, t) - target

        if f(MP.mpf(0)) <= 0:
            return MP.mpf(0)
        return _bisect(f, MP.mpf(0), _upper_bracket(f, max(v)))

    return bound(chi2_quantile(1 - alpha / 2, df)), bound(chi2_quantile(alpha / 2, df))


@cache
def tau2(method: str, y: Vec, v: Vec) -> Mpf:
    if len(y) < 2:
        return MP.mpf(0)
    return {"DL": tau2_dl, "REML": tau2_reml, "PM": tau2_pm}[method](y, v)


# ---- one analysis -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Analysis:
    """What evireg's PoolResult reports, on the analysis scale; None where not defined."""

    estimate: Mpf
    se: Mpf
    ci_low: Mpf
    ci_high: Mpf
    z: Mpf
    p: Mpf
    q: Mpf
    df: int
    q_p: Mpf | None
    i2: Mpf | None
    h: Mpf | None
    tau2: Mpf
    i2_tau2: Mpf | None
    tau2_ci: tuple[Mpf, Mpf] | None
    prediction_interval: tuple[Mpf, Mpf] | None
    prediction_interval_normal: tuple[Mpf, Mpf] | None
    t_df: int | None


def analyse(
    y: Sequence[Mpf], v: Sequence[Mpf], *, model: str, tau2_method: str, hksj: bool, level: str | Mpf
) -> Analysis:
    """Inverse-variance pooling of ``y`` with variances ``v`` at two-sided ``level`` (0.95)."""
    yt, vt = tuple(MP.mpf(x) for x in y), tuple(MP.mpf(x) for x in v)
    lv = MP.mpf(level)
    k, df = len(yt), len(yt) - 1
    z_crit = norm_quantile(1 - (1 - lv) / 2)
    w_fixed = [1 / vi for vi in vt]
    theta_fixed, sw_fixed = _weighted_mean(yt, w_fixed)
    q = generalised_q(yt, vt, 0) if k > 1 else MP.mpf(0)
    t2 = tau2(tau2_method, yt, vt)

    t_df = None
    if model == "fixed":
        theta, se = theta_fixed, 1 / MP.sqrt(sw_fixed)
        half, z = z_crit * se, theta_fixed * MP.sqrt(sw_fixed)
        p = norm_two_sided_p(z)
    else:
        w = [1 / (vi + t2) for vi in vt]
        theta, sw = _weighted_mean(yt, w)
        if hksj and k >= 2:
            resid = MP.fsum(wi * (yi - theta) ** 2 for wi, yi in zip(w, yt, strict=True))
            se = MP.sqrt(resid / (df * sw))
            t_df = df
            half = t_quantile(1 - (1 - lv) / 2, df) * se
            z = theta / se
            p = t_two_sided_p(z, df)
        else:
            se = 1 / MP.sqrt(sw)
            half, z = z_crit * se, theta / se
            p = norm_two_sided_p(z)

    q_p = i2 = h = i2_tau2 = None
    if k > 1:
        q_p = chi2_sf(q, df)
        i2 = 100 * max(MP.mpf(0), (q - df) / q)
        h = MP.sqrt(q / df)
        s2 = df * sw_fixed / (sw_fixed**2 - MP.fsum(wi**2 for wi in w_fixed))
        i2_tau2 = 100 * t2 / (t2 + s2)
    tau2_ci = pi = pi_normal = None
    if model == "random" and k >= 2:
        tau2_ci = qprofile_ci(yt, vt, lv)
        half_n = z_crit * MP.sqrt(t2 + se**2)
        pi_normal = (theta - half_n, theta + half_n)
    if model == "random" and k >= 3:
        half_t = t_quantile(1 - (1 - lv) / 2, k - 2) * MP.sqrt(t2 + se**2)
        pi = (theta - half_t, theta + half_t)
    return Analysis(
        estimate=theta,
        se=se,
        ci_low=theta - half,
        ci_high=theta + half,
        z=z,
        p=p,
        q=q,
        df=df,
        q_p=q_p,
        i2=i2,
        h=h,
        tau2=t2,
        i2_tau2=i2_tau2,
        tau2_ci=tau2_ci,
        prediction_interval=pi,
        prediction_interval_normal=pi_normal,
        t_df=t_df,
    )
