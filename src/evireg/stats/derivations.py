"""A mean, SD or standard error derived from the statistics a report printed instead, as pure
functions over floats, each returning the value and a sentence saying how it was obtained.

A record holds only what its source printed (records/measures.py); the index and the analyses
need a mean and SD per arm, or an estimate and SE per comparison. Whatever is derived here is
labelled with its method and reference, so a table never shows a derived value as printed.

References:

* Cochrane Handbook for Systematic Reviews of Interventions, version 6, section 6.5.2.2
  (SD from the standard error or the confidence interval of a mean; t quantiles for small
  samples) and 6.3.2 (the SE of a ratio from its confidence interval, on the log scale).
* Wan X, Wang W, Liu J, Tong T. Estimating the sample mean and standard deviation from the
  sample size, median, range and/or interquartile range. BMC Med Res Methodol 2014;14:135
  (scenario 1: min, median, max; scenario 2: q1, median, q3; scenario 3: all five).
* Luo D, Wan X, Liu J, Tong T. Optimally estimating the sample mean from the sample size,
  median, mid-range, and/or mid-quartile range. Stat Methods Med Res 2018;27(6):1785-1805.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .distributions import norm_ppf, t_ppf

HANDBOOK = "Cochrane Handbook 6.5.2.2"
WAN = "Wan et al. 2014"
LUO = "Luo et al. 2018"
T_BELOW = 60  # the Handbook's rule: a t quantile for samples under 60, the normal one above


@dataclass(frozen=True)
class Derived:
    """A derived value and how it was derived."""

    value: float
    how: str


def z_quantile(level: float) -> float:
    """The two-sided normal quantile of a `level` percent interval (1.959964 for 95)."""
    return norm_ppf(1.0 - (1.0 - level / 100.0) / 2.0)


def sd_from_se(se: float, n: int) -> Derived:
    """SD = SE x sqrt(n) (Handbook 6.5.2.2)."""
    return Derived(se * math.sqrt(n), f"SD from SE x sqrt(n) ({HANDBOOK})")


def sd_from_ci(ci_low: float, ci_high: float, n: int, level: float = 95.0) -> Derived:
    """SD = sqrt(n) x (upper - lower) / (2 q) from a CI of a mean, with q the t quantile on n - 1
    degrees of freedom when n < 60 and the normal quantile otherwise (Handbook 6.5.2.2; 3.92 =
    2 x 1.96 for a large 95% interval, 2 x 2.0227 = 4.05 for n = 40)."""
    p = 1.0 - (1.0 - level / 100.0) / 2.0
    if n < T_BELOW:
        q, which = t_ppf(p, n - 1), f"t quantile on {n - 1} df"
    else:
        q, which = norm_ppf(p), "normal quantile"
    sd = math.sqrt(n) * (ci_high - ci_low) / (2.0 * q)
    return Derived(sd, f"SD from the {level:g}% CI of the mean, sqrt(n) x width / (2 x {q:.4f}), {which} "
                       f"({HANDBOOK})")


def mean_from_ci(ci_low: float, ci_high: float) -> Derived:
    """The mean as the midpoint of its (symmetric) confidence interval."""
    return Derived((ci_low + ci_high) / 2.0, f"mean as the midpoint of its CI ({HANDBOOK})")


def _xi(n: int) -> float:
    """Wan's 2 x Phi^-1((n - 0.375) / (n + 0.25)), the closed form of the expected range of n
    standard normals; Wan 2014 tabulates the exact values for n <= 50 (Table 1: 3.078 for n = 10,
    4.498 for n = 50), which it approximates within 0.5% (3.093, 4.487)."""
    return 2.0 * norm_ppf((n - 0.375) / (n + 0.25))


def _eta(n: int) -> float:
    """Wan's 2 x Phi^-1((0.75 n - 0.125) / (n + 0.25)): the expected interquartile range."""
    return 2.0 * norm_ppf((0.75 * n - 0.125) / (n + 0.25))


def wan_sd(n: int, *, minimum: float | None = None, maximum: float | None = None,
           q1: float | None = None, q3: float | None = None) -> Derived:
    """Wan 2014's SD: from the range (max - min) / xi(n) (scenario 1), from the IQR
    (q3 - q1) / eta(n) (scenario 2), or the average of the two when both are given (scenario 3)."""
    has_range = minimum is not None and maximum is not None
    has_iqr = q1 is not None and q3 is not None
    if has_range and has_iqr:
        assert minimum is not None and maximum is not None and q1 is not None and q3 is not None
        sd = (maximum - minimum) / (2.0 * _xi(n)) + (q3 - q1) / (2.0 * _eta(n))
        return Derived(sd, f"SD from range and IQR ({WAN}, scenario 3)")
    if has_range:
        assert minimum is not None and maximum is not None
        return Derived((maximum - minimum) / _xi(n), f"SD from the range ({WAN}, scenario 1)")
    if has_iqr:
        assert q1 is not None and q3 is not None
        return Derived((q3 - q1) / _eta(n), f"SD from the IQR ({WAN}, scenario 2)")
    raise ValueError("Wan's SD needs min and max, or q1 and q3")


def wan_mean(median: float, *, minimum: float | None = None, maximum: float | None = None,
             q1: float | None = None, q3: float | None = None) -> Derived:
    """Wan 2014's mean: (min + 2 median + max) / 4 (scenario 1), (q1 + median + q3) / 3
    (scenario 2), (min + 2 q1 + 2 median + 2 q3 + max) / 8 (scenario 3)."""
    if minimum is not None and maximum is not None and q1 is not None and q3 is not None:
        mean = (minimum + 2 * q1 + 2 * median + 2 * q3 + maximum) / 8.0
        return Derived(mean, f"mean from median, quartiles and range ({WAN}, scenario 3)")
    if minimum is not None and maximum is not None:
        return Derived((minimum + 2 * median + maximum) / 4.0,
                       f"mean from median and range ({WAN}, scenario 1)")
    if q1 is not None and q3 is not None:
        return Derived((q1 + median + q3) / 3.0, f"mean from median and IQR ({WAN}, scenario 2)")
    raise ValueError("Wan's mean needs the median with min and max, or with q1 and q3")


def luo_mean(median: float, n: int, *, minimum: float | None = None, maximum: float | None = None,
             q1: float | None = None, q3: float | None = None) -> Derived:
    """Luo 2018's mean, weighting the mid-range or mid-quartile range against the median:
    scenario 1 w = 4 / (4 + n^0.75) on (min + max) / 2; scenario 2 w = 0.7 + 0.39 / n on
    (q1 + q3) / 2; scenario 3 w1 = 2.2 / (2.2 + n^0.75) on the mid-range and
    w2 = 0.7 - 0.72 / n^0.55 on the mid-quartile range."""
    if minimum is not None and maximum is not None and q1 is not None and q3 is not None:
        w1 = 2.2 / (2.2 + n**0.75)
        w2 = 0.7 - 0.72 / n**0.55
        mean = w1 * (minimum + maximum) / 2 + w2 * (q1 + q3) / 2 + (1 - w1 - w2) * median
        return Derived(mean, f"mean from median, quartiles and range ({LUO}, scenario 3)")
    if minimum is not None and maximum is not None:
        w = 4.0 / (4.0 + n**0.75)
        return Derived(w * (minimum + maximum) / 2 + (1 - w) * median,
                       f"mean from median and range ({LUO}, scenario 1)")
    if q1 is not None and q3 is not None:
        w = 0.7 + 0.39 / n
        return Derived(w * (q1 + q3) / 2 + (1 - w) * median, f"mean from median and IQR ({LUO}, scenario 2)")
    raise ValueError("Luo's mean needs the median with min and max, or with q1 and q3")


RATIO_MEASURES = frozenset({"OR", "RR", "HR", "IRR", "RoM"})


def se_from_ci(measure: str, ci_low: float, ci_high: float, level: float = 95.0, *,
               log_scale: bool = False) -> Derived:
    """The SE of an effect estimate from its CI: (ln(high) - ln(low)) / (2 z) for a ratio given on
    its natural scale, (high - low) / (2 z) otherwise (Handbook 6.3.1 and 6.3.2), z the normal
    quantile of the interval's level."""
    z = z_quantile(level)
    if measure in RATIO_MEASURES and not log_scale:
        return Derived((math.log(ci_high) - math.log(ci_low)) / (2 * z),
                       f"SE from the {level:g}% CI, (ln(upper) - ln(lower)) / (2 x {z:.4f}) "
                       "(Cochrane Handbook 6.3.2)")
    return Derived((ci_high - ci_low) / (2 * z),
                   f"SE from the {level:g}% CI, (upper - lower) / (2 x {z:.4f}) (Cochrane Handbook 6.3.1)")


def peto_log_hr(o_minus_e: float, variance: float) -> tuple[Derived, Derived]:
    """The Peto log hazard ratio (O - E) / V and its SE 1 / sqrt(V) (Yusuf et al. 1985)."""
    return (Derived(o_minus_e / variance, "log HR = (O - E) / V (Peto)"),
            Derived(1.0 / math.sqrt(variance), "SE = 1 / sqrt(V) (Peto)"))
