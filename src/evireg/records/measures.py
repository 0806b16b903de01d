"""Continuous and generic outcome results in a study record: the summary statistics of an arm as
the source printed them (mean, SD, SE, a CI of the mean, median with quartiles or range), an
effect estimate with its SE or CI (or Peto's O - E and variance), and their checks.

A record keeps only what was printed; the mean and SD an analysis needs, and the SE of an
estimate, are derived on demand (`ArmStats.summary`, `EffectResult.analysis`) by the pure
functions of stats/derivations.py, each with a sentence saying how, so a derived number is never
stored or shown as if it were printed. Each problem is (field, message) so that the study's
checks (records/study.py) report it at its field path.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from itertools import pairwise
from typing import Annotated

from pydantic import Field, PlainValidator, Strict, WithJsonSchema

from evireg.records.base import Count, Record, Slug, Text
from evireg.stats import derivations as dv


def _number(v: object) -> int | float:
    # One plain message (a union of int and float would report each member), no coercion of text.
    nan_or_inf = isinstance(v, float) and not math.isfinite(v)
    if isinstance(v, bool) or not isinstance(v, int | float) or nan_or_inf:
        raise ValueError(f"expected a number, got {v!r}")
    return v


def _positive(v: object) -> int | float:
    if (x := _number(v)) <= 0:
        raise ValueError(f"must be greater than 0, not {x}")
    return x


def _level(v: object) -> int | float:
    if not 50 < (x := _number(v)) < 100:
        raise ValueError(f"a CI level is a percentage between 50 and 100, not {x}")
    return x


# A printed statistic: a finite number, never text; an integer stays an integer when dumped.
Stat = Annotated[int | float, PlainValidator(_number), WithJsonSchema({"type": "number"})]
Positive = Annotated[int | float, PlainValidator(_positive),
                     WithJsonSchema({"type": "number", "exclusiveMinimum": 0})]
Level = Annotated[int | float, PlainValidator(_level),
                  WithJsonSchema({"type": "number", "exclusiveMinimum": 50, "exclusiveMaximum": 100})]
ArmSize = Annotated[int, Strict(), Field(ge=2, le=10_000_000)]

Problems = list[tuple[str, str]]


class Estimator(StrEnum):
    """How a mean and SD are estimated from a median with quartiles and/or range."""

    wan2014 = "wan2014"  # Wan et al. 2014 for the mean and the SD
    luo2018 = "luo2018"  # Luo et al. 2018 for the mean, Wan et al. 2014 for the SD


class ValuesKind(StrEnum):
    final = "final"  # values at follow-up
    change = "change"  # change from baseline


class EffectMeasure(StrEnum):
    OR = "OR"
    RR = "RR"
    HR = "HR"
    IRR = "IRR"
    RoM = "RoM"
    MD = "MD"
    SMD = "SMD"
    RD = "RD"


class Scale(StrEnum):
    natural = "natural"
    log = "log"


@dataclass(frozen=True)
class MeanSD:
    """The mean and SD an analysis uses, and how any of them was derived (None: both printed)."""

    mean: float
    sd: float
    derivation: str | None


class ArmStats(Record):
    """An arm's identity and, for a continuous outcome, its summary statistics as printed."""

    arm: Slug
    n: ArmSize | None = Field(default=None, description="continuous: the number analysed in the arm")
    mean: Stat | None = None
    sd: Positive | None = None
    se: Positive | None = Field(default=None, description="standard error of the mean")
    ci_low: Stat | None = Field(default=None, description="lower limit of the CI of the mean")
    ci_high: Stat | None = Field(default=None, description="upper limit of the CI of the mean")
    ci_level: Level | None = Field(default=None, description="the CI's level in percent (default 95)")
    median: Stat | None = None
    q1: Stat | None = Field(default=None, description="first quartile")
    q3: Stat | None = Field(default=None, description="third quartile")
    min: Stat | None = Field(default=None, description="smallest value")
    max: Stat | None = Field(default=None, description="largest value")
    estimator: Estimator | None = Field(
        default=None, description="how to estimate mean and SD from the median, quartiles or range"
    )

    @property
    def is_continuous(self) -> bool:
        return any(getattr(self, f) is not None for f in _STAT_FIELDS)

    def _range(self) -> bool:
        return self.min is not None and self.max is not None

    def _iqr(self) -> bool:
        return self.q1 is not None and self.q3 is not None

    def _ci(self) -> bool:
        return self.ci_low is not None and self.ci_high is not None

    def _needs_estimator(self) -> tuple[bool, bool]:
        """(the SD, the mean) come from the median, quartiles or range."""
        sd = self.sd is None and self.se is None and not self._ci() and (self._range() or self._iqr())
        mean = (self.mean is None and not self._ci() and self.median is not None
                and (self._range() or self._iqr()))
        return sd, mean

    def stat_errors(self) -> Problems:
        """What is wrong with the printed statistics, each at its field; nothing for counts."""
        if not self.is_continuous:
            return []
        out: Problems = []
        if self.n is None:
            out.append(("n", "a continuous result needs n, the number analysed in the arm"))
        for a, b in (("ci_low", "ci_high"), ("q1", "q3"), ("min", "max")):
            if (getattr(self, a) is None) != (getattr(self, b) is None):
                given, missing = (a, b) if getattr(self, b) is None else (b, a)
                out.append((missing, f"{given} is given without {missing}; give both"))
        if self.ci_level is not None and not self._ci():
            out.append(("ci_level", "ci_level is given without ci_low and ci_high"))
        out += self._order_errors()
        sd_est, mean_est = self._needs_estimator()
        if self.sd is None and self.se is None and not self._ci() and not (self._range() or self._iqr()):
            out.append(("sd", "no SD and nothing to derive it from: give sd, se, ci_low and ci_high, "
                              "or q1 and q3 / min and max (with an estimator)"))
        if self.mean is None and not self._ci() and not mean_est:
            out.append(("mean", "no mean and nothing to derive it from: give mean, ci_low and ci_high, "
                                "or the median with q1 and q3 / min and max (with an estimator)"))
        if (sd_est or mean_est) and self.estimator is None:
            what = " and ".join(w for w, used in (("the SD", sd_est), ("the mean", mean_est)) if used)
            out.append(("estimator", f"{what} would be estimated from the median, quartiles or range; "
                                     "say how with `estimator: wan2014 | luo2018`"))
        if self.estimator is not None and not (sd_est or mean_est):
            out.append(("estimator", "nothing is estimated from the median, quartiles or range "
                                     "(mean and SD are printed or derived otherwise); remove estimator"))
        return out

    def _order_errors(self) -> Problems:
        out: Problems = []
        if self._ci():
            assert self.ci_low is not None and self.ci_high is not None
            if self.ci_low >= self.ci_high:
                out.append(("ci_high", f"ci_high ({self.ci_high}) must exceed ci_low ({self.ci_low})"))
            elif self.mean is not None and not self.ci_low <= self.mean <= self.ci_high:
                out.append(("mean", f"mean {self.mean} lies outside its CI [{self.ci_low}, {self.ci_high}]"))
        chain = [(f, getattr(self, f)) for f in ("min", "q1", "median", "q3", "max")]
        given = [(f, v) for f, v in chain if v is not None]
        for (f1, v1), (f2, v2) in pairwise(given):
            if v1 > v2:
                out.append((f2, f"{f2} ({v2}) is below {f1} ({v1}); "
                                "expected min <= q1 <= median <= q3 <= max"))
        return out

    def summary(self) -> MeanSD:
        """The mean and SD to analyse, each printed or derived (raises ValueError when neither;
        stat_errors says why first)."""
        if self.n is None:
            raise ValueError("no n")
        n, how = self.n, []
        sd: float
        if self.sd is not None:
            sd = float(self.sd)
        else:
            d = self._derived_sd(n)
            sd, how = d.value, [d.how]
        mean: float
        if self.mean is not None:
            mean = float(self.mean)
        else:
            m = self._derived_mean(n)
            mean = m.value
            how.append(m.how)
        return MeanSD(mean, sd, ", ".join(how) or None)

    def _derived_sd(self, n: int) -> dv.Derived:
        if self.se is not None:
            return dv.sd_from_se(self.se, n)
        if self.ci_low is not None and self.ci_high is not None:
            return dv.sd_from_ci(self.ci_low, self.ci_high, n, self.ci_level or 95)
        if self.estimator is None:
            raise ValueError("no SD")
        return dv.wan_sd(n, minimum=self.min, maximum=self.max, q1=self.q1, q3=self.q3)

    def _derived_mean(self, n: int) -> dv.Derived:
        if self.ci_low is not None and self.ci_high is not None:
            return dv.mean_from_ci(self.ci_low, self.ci_high)
        if self.median is None or self.estimator is None:
            raise ValueError("no mean")
        kw = {"minimum": self.min, "maximum": self.max, "q1": self.q1, "q3": self.q3}
        if self.estimator == Estimator.luo2018:
            return dv.luo_mean(self.median, n, **kw)
        return dv.wan_mean(self.median, **kw)


_STAT_FIELDS = ("n", "mean", "sd", "se", "ci_low", "ci_high", "ci_level", "median", "q1", "q3", "min", "max",
                "estimator")

# SE printed beside a CI: kept as printed unless the two disagree by more than rounding explains.
SE_TOLERANCE = 0.2


@dataclass(frozen=True)
class Analysed:
    """An effect on the analysis scale (log for ratio measures) and on its natural scale."""

    estimate: float
    se: float
    estimate_natural: float
    derivation: str | None


class EffectResult(Record):
    """An outcome given as an effect estimate (intervention versus control), not per arm."""

    measure: EffectMeasure
    estimate: Stat | None = None
    se: Positive | None = Field(default=None, description="standard error, on the analysis scale")
    ci_low: Stat | None = None
    ci_high: Stat | None = None
    ci_level: Level | None = Field(default=None, description="the CI's level in percent (default 95)")
    scale: Scale | None = Field(
        default=None, description="natural (default) or log: the scale estimate and CI are given on"
    )
    adjusted_for: Text | None = Field(
        default=None, description="covariates an adjusted estimate is adjusted for"
    )
    o_minus_e: Stat | None = Field(
        default=None, description="observed minus expected events (Peto, time to event)"
    )
    variance: Positive | None = Field(default=None, description="the variance V of O - E")
    n_treat: Count | None = None
    n_ctrl: Count | None = None

    @property
    def is_ratio(self) -> bool:
        return str(self.measure) in dv.RATIO_MEASURES

    @property
    def on_log_scale(self) -> bool:
        return self.scale == Scale.log

    def errors(self) -> Problems:
        out: Problems = []
        if self.o_minus_e is not None or self.variance is not None:
            if self.o_minus_e is None or self.variance is None:
                out.append(("variance" if self.variance is None else "o_minus_e",
                            "O - E needs its variance (give o_minus_e and variance)"))
            if self.measure != EffectMeasure.HR:
                out.append(("measure", "o_minus_e and variance give a Peto hazard ratio; use measure HR"))
            for f in ("estimate", "se", "ci_low", "ci_high", "scale"):
                if getattr(self, f) is not None:
                    out.append((f, f"give o_minus_e and variance, or an estimate with se or CI; not {f} too"))
            return out
        if self.estimate is None:
            out.append(("estimate", "an effect needs estimate (or o_minus_e and variance)"))
        if (self.ci_low is None) != (self.ci_high is None):
            out.append(("ci_high" if self.ci_high is None else "ci_low", "give both ci_low and ci_high"))
        ci = self.ci_low is not None and self.ci_high is not None
        if self.se is None and not ci:
            out.append(("se", "an estimate needs its se, or ci_low and ci_high to derive it from"))
        if self.ci_level is not None and not ci:
            out.append(("ci_level", "ci_level is given without ci_low and ci_high"))
        if self.on_log_scale and not self.is_ratio:
            out.append(("scale", f"{self.measure} is a difference; only ratio measures are given "
                                 "on the log scale"))
        natural_ratio = self.is_ratio and not self.on_log_scale
        if natural_ratio:
            for f in ("estimate", "ci_low", "ci_high"):
                v = getattr(self, f)
                if v is not None and v <= 0:
                    out.append((f, f"a {self.measure} on its natural scale is positive, not {v} "
                                   "(say `scale: log` if it is a logarithm)"))
        if out or not ci or self.estimate is None:
            return out
        assert self.ci_low is not None and self.ci_high is not None
        if self.ci_low >= self.ci_high:
            return [("ci_high", f"ci_high ({self.ci_high}) must exceed ci_low ({self.ci_low})")]
        if not self.ci_low <= self.estimate <= self.ci_high:
            return [("estimate",
                     f"estimate {self.estimate} lies outside its CI [{self.ci_low}, {self.ci_high}]")]
        if self.se is not None:
            implied = self._se_from_ci().value
            if abs(self.se - implied) > SE_TOLERANCE * implied:
                out.append(("se", f"se {self.se} disagrees with the SE its CI implies ({implied:.4g}); "
                                  "check both (the se is used as printed)"))
        return out

    def _se_from_ci(self) -> dv.Derived:
        assert self.ci_low is not None and self.ci_high is not None
        return dv.se_from_ci(str(self.measure), self.ci_low, self.ci_high, self.ci_level or 95,
                             log_scale=self.on_log_scale)

    def analysis(self) -> Analysed:
        """Estimate and SE on the analysis scale (log for ratios), the estimate on its natural
        scale, and how the SE (or, for O - E, both) was derived."""
        if self.o_minus_e is not None and self.variance is not None:
            log_hr, se_hr = dv.peto_log_hr(self.o_minus_e, self.variance)
            return Analysed(log_hr.value, se_hr.value, math.exp(log_hr.value), f"{log_hr.how}; {se_hr.how}")
        if self.estimate is None:
            raise ValueError("no estimate")
        se: float
        how: str | None
        if self.se is not None:
            se, how = float(self.se), None
        else:
            d = self._se_from_ci()
            se, how = d.value, d.how
        natural = float(self.estimate)
        if self.is_ratio:
            log = natural if self.on_log_scale else math.log(natural)
            natural = math.exp(log) if self.on_log_scale else natural
            return Analysed(log, se, natural, how)
        return Analysed(natural, se, natural, how)


def form_errors(arms: Sequence[ArmStats], effect: EffectResult | None, values: ValuesKind | None) -> Problems:
    """One outcome result's form: arms (all with counts or all with summary statistics) or an
    effect, and everything wrong inside them, each at its path relative to the result."""
    out: Problems = []
    if effect is not None and arms:
        out.append(("effect", "give arms (per-arm results) or effect (an effect estimate), not both"))
    if effect is None and not arms:
        out.append(("arms", "give arms (per-arm results) or effect (an effect estimate)"))
    kinds = {a.is_continuous for a in arms}
    if len(kinds) > 1:
        out.append(("arms", "mixes arms with counts (events, total) and arms with summary statistics "
                            "(n, mean, sd)"))
    if values is not None and kinds != {True}:
        out.append(("values", "values (final | change) is for continuous results (arms with n, mean, sd)"))
    for j, a in enumerate(arms):
        out += [(f"arms.{j}.{f}", m) for f, m in a.stat_errors()]
    if effect is not None:
        out += [(f"effect.{f}", m) for f, m in effect.errors()]
    return out
