"""Binary-outcome meta-analysis: RevMan 5 conventions, metafor-grade options.

A pure module: 2x2 counts in, frozen result objects out. No I/O, no printing.

Measures and methods
--------------------
* Measures: odds ratio (``"OR"``), risk ratio (``"RR"``), risk difference (``"RD"``).
* Fixed-effect methods: Mantel-Haenszel (``"MH"``), inverse variance (``"IV"``) and Peto
  (``"Peto"``, odds ratio and fixed effect only, as in RevMan 5).
* Random effects (``model="random"``): the pooled estimate always uses inverse-variance
  weights ``1 / (v_i + tau2)``.  ``tau2_method`` is ``"DL"`` (DerSimonian and Laird 1986),
  ``"REML"`` (restricted maximum likelihood, Viechtbauer 2005) or ``"PM"`` (Paule and
  Mandel 1982; DerSimonian and Kacker 2007).  ``hksj=True`` replaces the Wald interval by the
  Hartung-Knapp-Sidik-Jonkman interval (Hartung and Knapp 2001; Sidik and Jonkman 2002): a
  t distribution with k-1 degrees of freedom and variance
  ``sum(w*(y - mu)^2) / ((k-1) sum(w))`` (no truncation at 1).

Formulas follow J.J. Deeks and J.P.T. Higgins, *Statistical algorithms in Review Manager 5*
(Cochrane Statistical Methods Group, 2010), written here from the published equations:

* MH odds ratio ``sum(a d / N) / sum(b c / N)`` with the Robins-Breslow-Greenland (1986)
  variance of its logarithm.
* MH risk ratio ``sum(a n2 / N) / sum(c n1 / N)`` with the Greenland-Robins (1985) variance
  ``P / (R S)``, ``P = sum((n1 n2 (a + c) - a c N) / N^2)``.
* MH risk difference ``sum((a n2 - c n1) / N) / sum(n1 n2 / N)`` with the Greenland-Robins
  (1985) variance ``J / K^2``, ``J = sum((a b n2^3 + c d n1^3) / (n1 n2 N^2))``,
  ``K = sum(n1 n2 / N)``, which is the variance RevMan 5 uses (metafor's ``rma.mh`` uses the
  Sato-Greenland-Robins 1989 variance instead; the point estimates agree).
* Peto: ``O - E`` and hypergeometric variance ``V`` per study (Yusuf et al. 1985); pooled
  ``log OR = sum(O - E) / sum(V)``, variance ``1 / sum(V)``.
* Heterogeneity: Cochran's Q is ``sum(w_i (y_i - theta)^2)`` with inverse-variance weights
  ``w_i = 1 / v_i`` around the *fixed-effect estimate of the chosen method* (the MH estimate
  for an MH analysis, as RevMan 5 does; the Peto Q equals the classic
  ``sum((O-E)^2/V) - (sum(O-E))^2 / sum(V)``).  For ``tau2_method="DL"`` tau2 is
  ``max(0, (Q - df) / (sum(w) - sum(w^2) / sum(w)))`` with that same Q, so an MH random-effects
  analysis matches RevMan 5 exactly.  ``I2 = max(0, (Q - df) / Q)`` in percent and
  ``H = sqrt(Q / df)`` (Higgins and Thompson 2002), always from Q whatever the tau2 method.
  The heterogeneity block also reports tau2 for fixed-effect analyses (estimated with
  ``tau2_method``); it is used for pooling only when ``model="random"``.
* Prediction interval (random effects, k >= 3): ``mu +/- t_{k-2} sqrt(tau2 + se^2)``
  (Higgins, Thompson and Spiegelhalter 2009), ``se`` being the reported standard error of the
  pooled estimate (the HKSJ one when ``hksj=True``).  ``None`` for fixed-effect models and for
  k < 3.

Zero cells (RevMan 5 convention)
--------------------------------
* A study with a zero in any of its four cells gets 0.5 added to *every* cell; the corrected
  table is used for its own estimate and variance, for the inverse-variance weights *and*
  inside the Mantel-Haenszel sums (RevMan 5 does this; the correction is unnecessary for MH and
  biases towards the null, but parity with RevMan is the goal).  Such studies carry
  ``corrected=True``.  The Peto method needs and uses no correction.
* A study with no events in either arm, or with all participants having events in both arms,
  is not estimable for OR and RR (and Peto): it is excluded (``weight=None``, ``excluded``
  gives the reason).  It is kept, with the 0.5 correction, for RD.
* A study with no participants in an arm is excluded for every measure.

Degenerate inputs
-----------------
* k = 0 (empty input, or every study excluded): a result with ``k=0``, NaN estimates (null in
  ``to_dict``), Q NaN and df 0.  Nothing raises.
* k = 1: the pooled result is the study's own estimate and interval; Q = 0, df = 0, and the
  heterogeneity P, I2 and H are undefined (NaN -> null); tau2 = 0.  With ``hksj=True`` and
  k = 1 the t interval has no degrees of freedom, so the Wald interval is reported (a note
  says so).
* Missing numbers are NaN in the dataclasses (except ``StudyResult.weight`` and
  ``PoolResult.prediction_interval``, which are ``None``); ``to_dict`` turns every NaN into
  ``None`` and every number into a plain Python ``int``/``float``.

Invalid input (mismatched lengths, non-finite, non-integer or negative counts, events above
the total) raises ``ValueError`` naming the study.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from evireg import distributions as dist

__all__ = [
    "MEASURES",
    "METHODS",
    "MODELS",
    "TAU2_METHODS",
    "Heterogeneity",
    "PoolResult",
    "StudyResult",
    "SubgroupDifference",
    "SubgroupResult",
    "pool",
    "pool_subgroups",
]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

MEASURES: tuple[str, ...] = ("OR", "RR", "RD")
METHODS: tuple[str, ...] = ("MH", "IV", "Peto")
MODELS: tuple[str, ...] = ("fixed", "random")
TAU2_METHODS: tuple[str, ...] = ("DL", "REML", "PM")

RATIO_MEASURES = frozenset({"OR", "RR"})

_NAN = float("nan")


# --------------------------------------------------------------------------------------------
# Result objects
# --------------------------------------------------------------------------------------------


def _json_float(x: float | None) -> float | None:
    """Plain Python float, or None for missing / non-finite values."""
    if x is None:
        return None
    v = float(x)
    return v if math.isfinite(v) else None


@dataclass(frozen=True)
class StudyResult:
    """One study of an analysis.

    ``estimate``/``ci_low``/``ci_high`` are on the natural scale for OR/RR (the Peto odds ratio
    for the Peto method) and raw for RD; ``yi``/``vi`` are the analysis-scale estimate and its
    variance (after any 0.5 correction).  ``weight`` is the percentage weight in the pooled
    estimate, ``None`` when the study is excluded.
    """

    label: str
    estimate: float
    ci_low: float
    ci_high: float
    weight: float | None
    yi: float
    vi: float
    events_t: int
    total_t: int
    events_c: int
    total_c: int
    excluded: str | None
    corrected: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "study": self.label,
            "estimate": _json_float(self.estimate),
            "ci_low": _json_float(self.ci_low),
            "ci_high": _json_float(self.ci_high),
            "weight": _json_float(self.weight),
            "events_treat": int(self.events_t),
            "total_treat": int(self.total_t),
            "events_ctrl": int(self.events_c),
            "total_ctrl": int(self.total_c),
            "excluded": self.excluded,
            "source": None,
            "corrected": bool(self.corrected),
            "yi": _json_float(self.yi),
            "vi": _json_float(self.vi),
        }


@dataclass(frozen=True)
class Heterogeneity:
    """Cochran's Q (RevMan's Chi2), its df and P, I2 (percent), tau2 and H."""

    q: float
    df: int
    p: float
    i2: float
    tau2: float
    h: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "q": _json_float(self.q),
            "df": int(self.df),
            "p": _json_float(self.p),
            "i2": _json_float(self.i2),
            "tau2": _json_float(self.tau2),
            "h": _json_float(self.h),
        }


@dataclass(frozen=True)
class PoolResult:
    """A pooled analysis.

    ``estimate``/``ci_low``/``ci_high`` are on the natural scale for OR/RR and raw for RD.
    ``log_estimate`` is the analysis-scale estimate (log OR / log RR; the RD itself for RD) and
    ``se`` its standard error.  ``z`` is the test statistic of the overall effect (a t
    statistic with ``t_df`` degrees of freedom when HKSJ is used) and ``p`` its two-sided P.
    ``k`` counts the studies included (estimable) in the pooled estimate.
    """

    measure: str
    method: str
    model: str
    tau2_method: str
    hksj: bool
    level: float
    k: int
    estimate: float
    ci_low: float
    ci_high: float
    log_estimate: float
    se: float
    z: float
    p: float
    heterogeneity: Heterogeneity
    prediction_interval: tuple[float, float] | None
    studies: list[StudyResult]
    t_df: int | None = None
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        pi = self.prediction_interval
        return {
            "measure": self.measure,
            "method": self.method,
            "model": self.model,
            "tau2_method": self.tau2_method,
            "hksj": bool(self.hksj),
            "level": float(self.level),
            "k": int(self.k),
            "estimate": _json_float(self.estimate),
            "ci_low": _json_float(self.ci_low),
            "ci_high": _json_float(self.ci_high),
            "log_estimate": _json_float(self.log_estimate),
            "se": _json_float(self.se),
            "z": _json_float(self.z),
            "p": _json_float(self.p),
            "t_df": self.t_df,
            "heterogeneity": self.heterogeneity.to_dict(),
            "prediction_interval": (
                None if pi is None else [_json_float(pi[0]), _json_float(pi[1])]
            ),
            "studies": [s.to_dict() for s in self.studies],
            "notes": list(self.notes),
            "subgroups": [],
            "subgroup_difference": None,
        }


@dataclass(frozen=True)
class SubgroupDifference:
    """Test for subgroup differences as RevMan 5 reports it (Borenstein and Higgins 2013).

    ``q = sum(w_g (theta_g - theta_bar)^2)`` with ``w_g = 1 / se_g^2`` of the subgroup pooled
    analysis-scale estimates, ``df = G - 1`` (G = subgroups with an estimate), P from the
    chi-squared distribution and ``i2 = max(0, (q - df) / q)`` in percent.
    """

    q: float
    df: int
    p: float
    i2: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "q": _json_float(self.q),
            "df": int(self.df),
            "p": _json_float(self.p),
            "i2": _json_float(self.i2),
        }


@dataclass(frozen=True)
class SubgroupResult:
    """An analysis split by subgroup: the overall pool, each subgroup pooled on its own (with
    its own tau2) in order of first appearance, and the test for subgroup differences
    (``None`` when fewer than two subgroups have an estimate)."""

    overall: PoolResult
    subgroups: list[tuple[str, PoolResult]]
    difference: SubgroupDifference | None

    def to_dict(self) -> dict[str, Any]:
        out = self.overall.to_dict()
        out["subgroups"] = [{"name": name, **res.to_dict()} for name, res in self.subgroups]
        out["subgroup_difference"] = None if self.difference is None else self.difference.to_dict()
        return out


# --------------------------------------------------------------------------------------------
# Options and input validation
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Options:
    """Normalised analysis options (see :func:`normalise_options`)."""

    measure: str
    method: str
    model: str
    tau2_method: str
    hksj: bool
    level: float


_METHOD_ALIASES = {"mh": "MH", "iv": "IV", "peto": "Peto"}


def normalise_options(
    measure: str,
    method: str,
    model: str,
    tau2_method: str,
    hksj: bool,
    level: float,
) -> Options:
    """Validate and canonicalise the options (case-insensitive); raise ``ValueError``."""
    m = str(measure).upper()
    if m not in MEASURES:
        raise ValueError(f"measure must be one of {', '.join(MEASURES)}; got {measure!r}")
    meth = _METHOD_ALIASES.get(str(method).lower())
    if meth is None:
        raise ValueError(f"method must be one of {', '.join(METHODS)}; got {method!r}")
    mod = str(model).lower()
    if mod not in MODELS:
        raise ValueError(f"model must be one of {', '.join(MODELS)}; got {model!r}")
    t2 = str(tau2_method).upper()
    if t2 not in TAU2_METHODS:
        raise ValueError(
            f"tau2_method must be one of {', '.join(TAU2_METHODS)}; got {tau2_method!r}"
        )
    if meth == "Peto" and m != "OR":
        raise ValueError("the Peto method pools odds ratios only (measure='OR')")
    if meth == "Peto" and mod == "random":
        raise ValueError("the Peto method is fixed-effect only (as in RevMan 5)")
    if hksj and mod != "random":
        raise ValueError("hksj=True applies to random-effects models only (model='random')")
    lv = float(level)
    if not (0.0 < lv < 1.0):
        raise ValueError(f"level must lie strictly between 0 and 1; got {level!r}")
    return Options(m, meth, mod, t2, bool(hksj), lv)


def _as_float_array(name: str, values: Any) -> FloatArray:
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name}: counts must be numbers ({exc})") from None
    return arr


def _describe(i: int, labels: Sequence[str] | None) -> str:
    if labels is not None and i < len(labels):
        return f"study {i} ({labels[i]!r})"
    return f"study {i}"


def check_counts(
    events_t: FloatArray,
    total_t: FloatArray,
    events_c: FloatArray,
    total_c: FloatArray,
    where: BoolArray,
    describe: Any,
) -> None:
    """Raise ``ValueError`` for the first invalid table among the positions in ``where``.

    ``describe(flat_index)`` names a study in messages.
    """
    named = (
        ("events_treat", events_t),
        ("total_treat", total_t),
        ("events_ctrl", events_c),
        ("total_ctrl", total_c),
    )
    w = where.ravel()
    for name, arr in named:
        flat = arr.ravel()
        bad = w & ~np.isfinite(flat)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise ValueError(f"{describe(i)}: {name} is not finite ({flat[i]!r})")
        bad = w & (flat < 0)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise ValueError(f"{describe(i)}: {name} is negative ({flat[i]:g})")
        bad = w & (flat != np.floor(flat))
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise ValueError(f"{describe(i)}: {name} is not an integer ({flat[i]:g})")
    for ev_name, ev, tot_name, tot in (
        ("events_treat", events_t, "total_treat", total_t),
        ("events_ctrl", events_c, "total_ctrl", total_c),
    ):
        bad = w & (ev.ravel() > tot.ravel())
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise ValueError(
                f"{describe(i)}: {ev_name} ({ev.ravel()[i]:g}) exceeds "
                f"{tot_name} ({tot.ravel()[i]:g})"
            )


def _validate(
    events_t: Any,
    total_t: Any,
    events_c: Any,
    total_c: Any,
    labels: Sequence[str] | None,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, list[str]]:
    arrays = [
        _as_float_array(n, v)
        for n, v in (
            ("events_treat", events_t),
            ("total_treat", total_t),
            ("events_ctrl", events_c),
            ("total_ctrl", total_c),
        )
    ]
    for name, arr in zip(
        ("events_treat", "total_treat", "events_ctrl", "total_ctrl"), arrays, strict=True
    ):
        if arr.ndim != 1:
            raise ValueError(f"{name} must be one-dimensional; got shape {arr.shape}")
    lengths = {len(a) for a in arrays}
    if len(lengths) != 1:
        raise ValueError(
            "events_treat, total_treat, events_ctrl and total_ctrl must have the same length; "
            f"got {[len(a) for a in arrays]}"
        )
    k = len(arrays[0])
    if labels is None:
        labs = [f"Study {i + 1}" for i in range(k)]
    else:
        labs = [str(x) for x in labels]
        if len(labs) != k:
            raise ValueError(f"labels has {len(labs)} entries for {k} studies")
    a, n1, c, n2 = arrays
    check_counts(a, n1, c, n2, np.ones(k, dtype=bool), lambda i: _describe(i, labs))
    return a, n1, c, n2, labs


# --------------------------------------------------------------------------------------------
# Per-study quantities
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StudyTables:
    """Per-study working arrays (length k, all studies, excluded ones included).

    ``a``/``b``/``c``/``d`` hold the cells actually used (0.5 added when ``corrected``);
    ``yi``/``vi`` are NaN for excluded studies.
    """

    a: FloatArray
    b: FloatArray
    c: FloatArray
    d: FloatArray
    included: BoolArray
    corrected: BoolArray
    reasons: list[str | None]
    yi: FloatArray
    vi: FloatArray


def study_tables(
    a_raw: FloatArray,
    n1_raw: FloatArray,
    c_raw: FloatArray,
    n2_raw: FloatArray,
    measure: str,
    method: str,
) -> StudyTables:
    """Exclusions, RevMan's 0.5 correction and per-study ``yi``/``vi`` (inputs validated)."""
    b_raw = n1_raw - a_raw
    d_raw = n2_raw - c_raw
    k = len(a_raw)
    empty_arm = (n1_raw == 0) | (n2_raw == 0)
    no_events = (a_raw == 0) & (c_raw == 0)
    all_events = (b_raw == 0) & (d_raw == 0)
    label = "Peto OR" if method == "Peto" else measure
    reasons: list[str | None] = [None] * k
    for i in range(k):
        if empty_arm[i]:
            reasons[i] = "no participants in one arm: not estimable"
        elif measure != "RD" and no_events[i]:
            reasons[i] = f"no events in either arm: {label} not estimable"
        elif measure != "RD" and all_events[i]:
            reasons[i] = f"all participants had events in both arms: {label} not estimable"
    included = np.array([r is None for r in reasons], dtype=bool)

    if method == "Peto":
        corrected = np.zeros(k, dtype=bool)
        a, b, c, d = a_raw.copy(), b_raw.copy(), c_raw.copy(), d_raw.copy()
        n1, n2 = a + b, c + d
        n = n1 + n2
        with np.errstate(divide="ignore", invalid="ignore"):
            e = n1 * (a + c) / n
            v = n1 * n2 * (a + c) * (b + d) / (n * n * (n - 1.0))
            yi = (a - e) / v
            vi = 1.0 / v
    else:
        zero = (a_raw == 0) | (b_raw == 0) | (c_raw == 0) | (d_raw == 0)
        corrected = included & zero
        add = np.where(corrected, 0.5, 0.0)
        a, b, c, d = a_raw + add, b_raw + add, c_raw + add, d_raw + add
        n1, n2 = a + b, c + d
        with np.errstate(divide="ignore", invalid="ignore"):
            if measure == "OR":
                yi = np.log((a * d) / (b * c))
                vi = 1.0 / a + 1.0 / b + 1.0 / c + 1.0 / d
            elif measure == "RR":
                yi = np.log((a / n1) / (c / n2))
                vi = 1.0 / a - 1.0 / n1 + 1.0 / c - 1.0 / n2
            else:
                yi = a / n1 - c / n2
                vi = a * b / n1**3 + c * d / n2**3
    yi = np.where(included, yi, np.nan)
    vi = np.where(included, vi, np.nan)
    return StudyTables(a, b, c, d, included, corrected, reasons, yi, vi)


# --------------------------------------------------------------------------------------------
# Fixed-effect estimators
# --------------------------------------------------------------------------------------------


def _fixed_mh(t: StudyTables, measure: str) -> tuple[float, float, FloatArray]:
    """Mantel-Haenszel estimate (analysis scale), its variance and the raw MH weights."""
    inc = t.included
    a, b, c, d = t.a[inc], t.b[inc], t.c[inc], t.d[inc]
    n1, n2 = a + b, c + d
    n = n1 + n2
    w = np.zeros(len(t.a))
    if measure == "OR":
        r_i, s_i = a * d / n, b * c / n
        big_r, big_s = float(r_i.sum()), float(s_i.sum())
        p_i, q_i = (a + d) / n, (b + c) / n
        var = 0.5 * (
            float((p_i * r_i).sum()) / big_r**2
            + float((p_i * s_i + q_i * r_i).sum()) / (big_r * big_s)
            + float((q_i * s_i).sum()) / big_s**2
        )
        theta = math.log(big_r / big_s)
        w[inc] = s_i
    elif measure == "RR":
        r_i, s_i = a * n2 / n, c * n1 / n
        big_r, big_s = float(r_i.sum()), float(s_i.sum())
        big_p = float(((n1 * n2 * (a + c) - a * c * n) / n**2).sum())
        var = big_p / (big_r * big_s)
        theta = math.log(big_r / big_s)
        w[inc] = s_i
    else:
        k_i = n1 * n2 / n
        big_k = float(k_i.sum())
        theta = float(((a * n2 - c * n1) / n).sum()) / big_k
        big_j = float(((a * b * n2**3 + c * d * n1**3) / (n1 * n2 * n**2)).sum())
        var = big_j / big_k**2
        w[inc] = k_i
    return theta, var, w


def _fixed_iv(yi: FloatArray, vi: FloatArray) -> tuple[float, float]:
    w = 1.0 / vi
    sw = float(w.sum())
    return float((w * yi).sum()) / sw, 1.0 / sw


def _cochran_q(yi: FloatArray, vi: FloatArray, theta: float) -> float:
    return float((((yi - theta) ** 2) / vi).sum())


# --------------------------------------------------------------------------------------------
# Between-study variance
# --------------------------------------------------------------------------------------------


def tau2_dl(vi: FloatArray, q: float) -> float:
    """DerSimonian-Laird tau2 from a given Q (0 when k < 2)."""
    k = len(vi)
    if k < 2:
        return 0.0
    w = 1.0 / vi
    sw = float(w.sum())
    denom = sw - float((w * w).sum()) / sw
    if denom <= 0.0:
        return 0.0
    return max(0.0, (q - (k - 1)) / denom)


def _upper_bracket(f: Any, start: float) -> float | None:
    hi = max(start, 1e-8)
    for _ in range(200):
        if f(hi) < 0.0:
            return hi
        hi *= 2.0
    return None


def _solve_root(f: Any, yi: FloatArray) -> float:
    if f(0.0) <= 0.0:
        return 0.0
    spread = float(np.var(yi)) if len(yi) > 1 else 1.0
    hi = _upper_bracket(f, max(spread, 1e-4))
    if hi is None:  # pragma: no cover - the score is negative for large tau2
        return _NAN
    from scipy import optimize  # only REML and Paule-Mandel need a root finder

    root = optimize.brentq(f, 0.0, hi, xtol=1e-15, rtol=1e-14, maxiter=1000)
    return float(root)


def _reml_score_grid(yi: FloatArray, vi: FloatArray, t2: FloatArray) -> FloatArray:
    """REML score (times 2) at each tau2 of ``t2``, vectorised over the grid."""
    w = 1.0 / (vi[None, :] + t2[:, None])
    sw = w.sum(axis=1)
    mu = (w * yi[None, :]).sum(axis=1) / sw
    w2 = w * w
    out: FloatArray = (w2 * (yi[None, :] - mu[:, None]) ** 2).sum(axis=1) - (
        sw - w2.sum(axis=1) / sw
    )
    return out


def _reml_loglik(yi: FloatArray, vi: FloatArray, t2: float) -> float:
    """Restricted log-likelihood of the random-effects model, up to a constant."""
    w = 1.0 / (vi + t2)
    sw = float(w.sum())
    mu = float((w * yi).sum()) / sw
    return -0.5 * (float(np.log(vi + t2).sum()) + math.log(sw) + float((w * (yi - mu) ** 2).sum()))


def tau2_reml(yi: FloatArray, vi: FloatArray) -> float:
    """REML tau2 (Viechtbauer 2005): the global maximiser over ``tau2 >= 0`` of the restricted
    likelihood.

    Its score is ``sum(w^2 (y - mu)^2) - (sum(w) - sum(w^2) / sum(w))`` with
    ``w = 1 / (v + tau2)``.  The likelihood can have more than one local maximum (including
    one on the boundary at 0), so the score is scanned on a grid, every downward sign change
    is refined with Brent's method, and the candidate (boundary included) with the largest
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
        return _NAN
    return max(candidates, key=lambda t: _reml_loglik(yi, vi, t))


def tau2_pm(yi: FloatArray, vi: FloatArray) -> float:
    """Paule-Mandel tau2: the generalised Q ``sum(w (y - mu)^2)`` equals k - 1 (truncated at 0)."""
    k = len(yi)
    if k < 2:
        return 0.0

    def gen_q(t2: float) -> float:
        w = 1.0 / (vi + t2)
        mu = float((w * yi).sum()) / float(w.sum())
        return float((w * (yi - mu) ** 2).sum()) - (k - 1)

    return _solve_root(gen_q, yi)


# --------------------------------------------------------------------------------------------
# Distribution helpers (pure Python, see distributions.py: scipy costs 0.3 s to import)
# --------------------------------------------------------------------------------------------


def _z_crit(level: float) -> float:
    return dist.norm_ppf(1.0 - (1.0 - level) / 2.0)


def _t_crit(level: float, df: int) -> float:
    return dist.t_ppf(1.0 - (1.0 - level) / 2.0, df)


def _p_norm(z: float) -> float:
    return dist.norm_two_sided_p(z)


def _p_t(t: float, df: int) -> float:
    return dist.t_two_sided_p(t, df)


def _p_chi2(q: float, df: int) -> float:
    if df < 1:
        return _NAN
    return dist.chi2_sf(q, df)


def i2_from_q(q: float, df: int) -> float:
    """I2 in percent, floored at 0; NaN when df < 1."""
    if df < 1 or not math.isfinite(q):
        return _NAN
    if q <= 0.0:
        return 0.0
    return max(0.0, (q - df) / q) * 100.0


# --------------------------------------------------------------------------------------------
# Pooling
# --------------------------------------------------------------------------------------------


def _back(measure: str, x: float) -> float:
    return math.exp(x) if measure in RATIO_MEASURES and math.isfinite(x) else x


def _study_results(
    t: StudyTables,
    a_raw: FloatArray,
    n1_raw: FloatArray,
    c_raw: FloatArray,
    n2_raw: FloatArray,
    labels: list[str],
    measure: str,
    weights: FloatArray | None,
    zc: float,
) -> list[StudyResult]:
    ratio = measure in RATIO_MEASURES
    total_w = float(weights[t.included].sum()) if weights is not None else 0.0
    out: list[StudyResult] = []
    for i in range(len(labels)):
        inc = bool(t.included[i])
        y, v = float(t.yi[i]), float(t.vi[i])
        if inc:
            half = zc * math.sqrt(v)
            lo, hi = y - half, y + half
            est = math.exp(y) if ratio else y
            lo, hi = (math.exp(lo), math.exp(hi)) if ratio else (lo, hi)
            wt: float | None = (
                100.0 * (float(weights[i]) / total_w)
                if weights is not None and total_w > 0
                else None
            )
        else:
            est = lo = hi = _NAN
            wt = None
        out.append(
            StudyResult(
                label=labels[i],
                estimate=est,
                ci_low=lo,
                ci_high=hi,
                weight=wt,
                yi=y,
                vi=v,
                events_t=int(a_raw[i]),
                total_t=int(n1_raw[i]),
                events_c=int(c_raw[i]),
                total_c=int(n2_raw[i]),
                excluded=t.reasons[i],
                corrected=bool(t.corrected[i]),
            )
        )
    return out


def _notes(t: StudyTables, labels: list[str], opts: Options) -> list[str]:
    notes: list[str] = []
    corr = [labels[i] for i in np.flatnonzero(t.corrected)]
    if corr:
        where = "their estimates and weights"
        if opts.method == "MH":
            where += " and inside the Mantel-Haenszel sums"
        notes.append(
            "0.5 added to every cell of studies with a zero cell (RevMan 5), used for "
            f"{where}: {', '.join(corr)}"
        )
    for i, r in enumerate(t.reasons):
        if r is not None:
            notes.append(f"{labels[i]} excluded: {r}")
    return notes


def pool_tables(
    a_raw: FloatArray,
    n1_raw: FloatArray,
    c_raw: FloatArray,
    n2_raw: FloatArray,
    labels: list[str],
    opts: Options,
) -> PoolResult:
    """Pool already-validated tables with normalised options (used by the public API)."""
    measure, method = opts.measure, opts.method
    t = study_tables(a_raw, n1_raw, c_raw, n2_raw, measure, method)
    inc = t.included
    k = int(inc.sum())
    yi, vi = t.yi[inc], t.vi[inc]
    zc = _z_crit(opts.level)
    notes = _notes(t, labels, opts)

    if k == 0:
        notes.append("no estimable study: nothing to pool")
        het = Heterogeneity(q=_NAN, df=0, p=_NAN, i2=_NAN, tau2=_NAN, h=_NAN)
        studies = _study_results(t, a_raw, n1_raw, c_raw, n2_raw, labels, measure, None, zc)
        return PoolResult(
            measure=measure,
            method=method,
            model=opts.model,
            tau2_method=opts.tau2_method,
            hksj=opts.hksj,
            level=opts.level,
            k=0,
            estimate=_NAN,
            ci_low=_NAN,
            ci_high=_NAN,
            log_estimate=_NAN,
            se=_NAN,
            z=_NAN,
            p=_NAN,
            heterogeneity=het,
            prediction_interval=None,
            studies=studies,
            t_df=None,
            notes=notes,
        )

    # Fixed-effect estimate of the chosen method, and Q around it.
    if method == "MH":
        theta_f, var_f, w_fixed = _fixed_mh(t, measure)
    else:  # IV and Peto: inverse-variance weights (Peto: V_i = 1 / vi)
        theta_f, var_f = _fixed_iv(yi, vi)
        w_fixed = np.where(inc, 1.0 / t.vi, 0.0)
    q = _cochran_q(yi, vi, theta_f) if k > 1 else 0.0
    df = k - 1

    if opts.tau2_method == "DL":
        tau2 = tau2_dl(vi, q)
    elif opts.tau2_method == "REML":
        tau2 = tau2_reml(yi, vi)
    else:
        tau2 = tau2_pm(yi, vi)

    t_df: int | None = None
    if opts.model == "fixed":
        theta, se = theta_f, math.sqrt(var_f)
        weights = w_fixed
        half = zc * se
        stat = theta / se
        p = _p_norm(stat)
    else:
        w_re = np.where(inc, 1.0 / (t.vi + tau2), 0.0)
        wr = w_re[inc]
        sw = float(wr.sum())
        theta = float((wr * yi).sum()) / sw
        se = math.sqrt(1.0 / sw)
        weights = w_re
        if opts.hksj and k >= 2:
            q_hk = float((wr * (yi - theta) ** 2).sum()) / (k - 1)
            se = math.sqrt(q_hk / sw)
            t_df = k - 1
            half = _t_crit(opts.level, t_df) * se
            stat = theta / se if se > 0 else math.copysign(math.inf, theta)
            p = _p_t(stat, t_df) if se > 0 else (0.0 if theta != 0 else 1.0)
        else:
            if opts.hksj:
                notes.append("HKSJ needs k >= 2: Wald (normal) interval reported for k = 1")
            half = zc * se
            stat = theta / se
            p = _p_norm(stat)

    lo, hi = theta - half, theta + half
    pred: tuple[float, float] | None = None
    if opts.model == "random" and k >= 3:
        half_pi = _t_crit(opts.level, k - 2) * math.sqrt(tau2 + se * se)
        pred = (_back(measure, theta - half_pi), _back(measure, theta + half_pi))

    if k > 1:
        het = Heterogeneity(
            q=q,
            df=df,
            p=_p_chi2(q, df),
            i2=i2_from_q(q, df),
            tau2=tau2,
            h=math.sqrt(q / df),
        )
    else:
        notes.append("k = 1: heterogeneity not applicable (Q = 0, df = 0)")
        het = Heterogeneity(q=0.0, df=0, p=_NAN, i2=_NAN, tau2=0.0, h=_NAN)

    studies = _study_results(t, a_raw, n1_raw, c_raw, n2_raw, labels, measure, weights, zc)
    return PoolResult(
        measure=measure,
        method=method,
        model=opts.model,
        tau2_method=opts.tau2_method,
        hksj=opts.hksj,
        level=opts.level,
        k=k,
        estimate=_back(measure, theta),
        ci_low=_back(measure, lo),
        ci_high=_back(measure, hi),
        log_estimate=theta,
        se=se,
        z=stat,
        p=p,
        heterogeneity=het,
        prediction_interval=pred,
        studies=studies,
        t_df=t_df,
        notes=notes,
    )


def pool(
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
) -> PoolResult:
    """Pool k 2x2 tables (treatment events/total, control events/total).

    See the module docstring for the formulas, the zero-cell rules and the degenerate cases.
    Raises ``ValueError`` on invalid counts or options.
    """
    opts = normalise_options(measure, method, model, tau2_method, hksj, level)
    a, n1, c, n2, labs = _validate(events_t, total_t, events_c, total_c, labels)
    return pool_tables(a, n1, c, n2, labs, opts)


def subgroup_difference(results: Sequence[PoolResult]) -> SubgroupDifference | None:
    """RevMan 5 test for subgroup differences from the subgroup pooled results."""
    est = [(r.log_estimate, r.se) for r in results if r.k > 0 and math.isfinite(r.se)]
    est = [(y, s) for y, s in est if s > 0 and math.isfinite(y)]
    if len(est) < 2:
        return None
    y = np.array([e[0] for e in est])
    w = 1.0 / np.array([e[1] for e in est]) ** 2
    ybar = float((w * y).sum() / w.sum())
    q = float((w * (y - ybar) ** 2).sum())
    df = len(est) - 1
    return SubgroupDifference(q=q, df=df, p=_p_chi2(q, df), i2=i2_from_q(q, df))


def pool_subgroups(
    events_t: Any,
    total_t: Any,
    events_c: Any,
    total_c: Any,
    groups: Sequence[Any],
    *,
    measure: str = "OR",
    method: str = "MH",
    model: str = "fixed",
    tau2_method: str = "DL",
    hksj: bool = False,
    labels: Sequence[str] | None = None,
    level: float = 0.95,
) -> SubgroupResult:
    """Pool all studies, each subgroup separately (own tau2), and test subgroup differences.

    ``groups`` gives one subgroup name per study (converted with ``str``); subgroups appear
    in order of first appearance.
    """
    opts = normalise_options(measure, method, model, tau2_method, hksj, level)
    a, n1, c, n2, labs = _validate(events_t, total_t, events_c, total_c, labels)
    names = [str(g) for g in groups]
    if len(names) != len(a):
        raise ValueError(f"groups has {len(names)} entries for {len(a)} studies")
    overall = pool_tables(a, n1, c, n2, labs, opts)
    order: list[str] = list(dict.fromkeys(names))
    subs: list[tuple[str, PoolResult]] = []
    for g in order:
        idx = np.array([i for i, n in enumerate(names) if n == g], dtype=np.intp)
        subs.append(
            (g, pool_tables(a[idx], n1[idx], c[idx], n2[idx], [labs[i] for i in idx], opts))
        )
    return SubgroupResult(
        overall=overall, subgroups=subs, difference=subgroup_difference([r for _, r in subs])
    )


def validate_tables(
    events_t: Any,
    total_t: Any,
    events_c: Any,
    total_c: Any,
    labels: Sequence[str] | None = None,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, list[str]]:
    """Validate four count vectors (and labels); return float arrays and the labels."""
    return _validate(events_t, total_t, events_c, total_c, labels)
