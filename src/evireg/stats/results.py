"""Result objects: frozen dataclasses whose ``to_dict`` gives the JSON output.

Numbers are on the natural scale for OR and RR (the Peto odds ratio for Peto) and raw for RD,
except ``yi``/``log_estimate``, which are on the analysis scale.  Missing numbers are NaN in the
dataclasses (``StudyResult.weight`` and ``PoolResult.prediction_interval`` are ``None``);
``to_dict`` turns every NaN into ``None`` and every number into a plain ``int``/``float``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "CumulativeStep",
    "EggerResult",
    "Heterogeneity",
    "LeaveOneOut",
    "PoolResult",
    "StudyResult",
    "SubgroupDifference",
    "SubgroupResult",
]


def _json_float(x: float | None) -> float | None:
    """Plain Python float, or None for missing / non-finite values."""
    if x is None:
        return None
    v = float(x)
    return v if math.isfinite(v) else None


def level_percent(level: float) -> int | float:
    """A CI level as the JSON gives it: a percentage, whole where it is (0.95 -> 95)."""
    pct = round(100.0 * float(level), 10)
    return int(pct) if pct == int(pct) else pct


def _json_pair(x: tuple[float, float] | None) -> list[float | None] | None:
    return None if x is None else [_json_float(x[0]), _json_float(x[1])]


@dataclass(frozen=True)
class StudyResult:
    """One study of an analysis.

    ``estimate``/``ci_low``/``ci_high`` are on the natural scale for ratio measures (OR, RR, HR,
    ...; the Peto odds ratio for the Peto method) and raw for differences (RD, MD, SMD);
    ``yi``/``vi`` are the analysis-scale estimate and its variance (after any 0.5 correction).
    ``weight`` is the percentage weight in the pooled estimate, ``None`` when the study is
    excluded.  ``inputs`` are the study's input columns (by ``data_type``: the 2x2 counts, the
    arms' means, SDs and sizes, the generic estimate and SE, or O - E and its variance).
    """

    label: str
    estimate: float
    ci_low: float
    ci_high: float
    weight: float | None
    yi: float
    vi: float
    excluded: str | None
    corrected: bool
    data_type: str = "dichotomous"
    inputs: dict[str, float | int] = field(default_factory=dict)

    def _count(self, name: str) -> int:
        return int(self.inputs.get(name, 0))

    # the 2x2 counts (0 for other data types), as tables and figures read them
    @property
    def events_t(self) -> int:
        return self._count("events_treat")

    @property
    def total_t(self) -> int:
        return self._count("total_treat")

    @property
    def events_c(self) -> int:
        return self._count("events_ctrl")

    @property
    def total_c(self) -> int:
        return self._count("total_ctrl")

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "study": self.label,
            "estimate": _json_float(self.estimate),
            "ci_low": _json_float(self.ci_low),
            "ci_high": _json_float(self.ci_high),
            "weight": _json_float(self.weight),
        }
        for name, value in self.inputs.items():
            # a generic study's input estimate is `yi` (analysis scale); `estimate` stays the
            # effect as shown (exponentiated for ratio measures)
            if name not in out:
                out[name] = value if isinstance(value, int) else _json_float(value)
        out.update(
            excluded=self.excluded,
            source=None,
            corrected=bool(self.corrected),
            yi=_json_float(self.yi),
            vi=_json_float(self.vi),
        )
        return out


@dataclass(frozen=True)
class Heterogeneity:
    """Cochran's Q (RevMan's Chi2), its df and P, I2 (percent, from Q), tau2 and H.

    ``tau2_ci``/``tau_ci`` are the Q-profile confidence interval for tau2 and its square roots
    (``None`` where not computed, or k < 2); ``i2_tau2`` is I2 from tau2 as RevMan Web reports
    it under REML (NaN where not computed).
    """

    q: float
    df: int
    p: float
    i2: float
    tau2: float
    h: float
    tau2_ci: tuple[float, float] | None = None
    tau_ci: tuple[float, float] | None = None
    i2_tau2: float = math.nan

    def to_dict(self) -> dict[str, Any]:
        return {
            "q": _json_float(self.q),
            "df": int(self.df),
            "p": _json_float(self.p),
            "i2": _json_float(self.i2),
            "tau2": _json_float(self.tau2),
            "h": _json_float(self.h),
            "tau2_ci": _json_pair(self.tau2_ci),
            "tau_ci": _json_pair(self.tau_ci),
            "i2_tau2": _json_float(self.i2_tau2),
        }


@dataclass(frozen=True)
class PoolResult:
    """A pooled analysis.

    ``estimate``/``ci_low``/``ci_high`` are on the natural scale for OR/RR and raw for RD.
    ``log_estimate`` is the analysis-scale estimate (log OR / log RR; the RD itself for RD) and
    ``se`` its standard error.  ``z`` is the test statistic of the overall effect (a t
    statistic with ``t_df`` degrees of freedom when HKSJ is used) and ``p`` its two-sided P.
    The JSON names the statistic by what it is: under HKSJ (k >= 2) ``t`` and ``df`` hold it
    and its degrees of freedom, and are null otherwise; ``z`` keeps the same number in every
    case (the JSON contract since the first release: under HKSJ it is the t, not a z).
    ``k`` counts the studies included (estimable) in the pooled estimate.
    ``prediction_interval`` is t-based (k - 2 df); ``prediction_interval_normal`` the
    normal-based one RevMan Web offers (``None`` where not computed).
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
    prediction_interval_normal: tuple[float, float] | None = None
    data_type: str = "dichotomous"

    def to_dict(self) -> dict[str, Any]:
        pi = self.prediction_interval
        return {
            "data_type": self.data_type,
            "measure": self.measure,
            "method": self.method,
            "model": self.model,
            "tau2_method": self.tau2_method,
            "hksj": bool(self.hksj),
            "level": level_percent(self.level),
            "k": int(self.k),
            "estimate": _json_float(self.estimate),
            "ci_low": _json_float(self.ci_low),
            "ci_high": _json_float(self.ci_high),
            "log_estimate": _json_float(self.log_estimate),
            "se": _json_float(self.se),
            "z": _json_float(self.z),
            "t": _json_float(self.z) if self.t_df else None,
            "df": int(self.t_df) if self.t_df else None,
            "p": _json_float(self.p),
            "t_df": self.t_df,
            "heterogeneity": self.heterogeneity.to_dict(),
            "prediction_interval": (None if pi is None else [_json_float(pi[0]), _json_float(pi[1])]),
            "prediction_interval_normal": _json_pair(self.prediction_interval_normal),
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
    adjusted for small-study effects (analysis scale).  ``caveat`` is the low-power warning of a
    test run on fewer than 10 studies (None otherwise; the policy is in stats/sensitivity.py).
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
    caveat: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "measure": self.measure,
            "k": self.k,
            "intercept": _json_float(self.intercept),
            "se": _json_float(self.se),
            "t": _json_float(self.t),
            "df": self.df,
            "p": _json_float(self.p),
            "slope": _json_float(self.slope),
            "slope_se": _json_float(self.slope_se),
            "reason": self.reason,
            "caveat": self.caveat,
        }
