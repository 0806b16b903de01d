"""Pure checks of printed statistics: rounding matches, and a printed CI against its own Z and P.

A ratio's 95% CI gives its log-scale standard error, SE = (ln hi - ln lo) / (2 x 1.96), hence an
implied Z = ln(estimate) / SE and a two-sided P (Altman & Bland, BMJ 2011;343:d2090); a
difference's (RD, MD, SMD) the same on its own scale, SE = (hi - lo) / (2 x 1.96). Because the
printed numbers are rounded, the implied Z is an interval over every value that rounds to what
was printed; a printed Z or P is consistent when its own rounding interval meets that one.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import Decimal
from itertools import product

from evireg.stats.distributions import norm_ppf, norm_two_sided_p

Z95 = norm_ppf(0.975)


def decimals(printed: str) -> int:
    return -Decimal(printed).as_tuple().exponent if "." in printed else 0  # type: ignore[operator]


FULL_PRECISION = 10  # a value with this many decimals is a stored double (a RevMan file), not a print


def rounding_interval(printed: str) -> tuple[float, float]:
    """Every value that prints as ``printed``; for a stored double (RevMan 5 files keep totals at
    full precision) the values that agree with it to 1e-9, the recomputation's own rounding."""
    v = float(printed)
    places = decimals(printed)
    half = max(1e-9 * abs(v), 1e-12) if places >= FULL_PRECISION else 0.5 * 10.0**-places
    return v - half, v + half


def matches_printed(value: float | None, printed: str | None) -> bool | None:
    """True when `value` rounds to `printed` at its digits (half-up, with float slack)."""
    if printed is None:
        return None
    if value is None or not math.isfinite(value):
        return False
    lo, hi = rounding_interval(printed)
    return lo - 1e-9 <= value <= hi + 1e-9


_P = re.compile(r"^\s*P\s*(?P<op><=|>=|=|<|>|≤|≥)\s*(?P<num>[0-9]*\.?[0-9]+)\s*$", re.IGNORECASE)


def p_interval(p_text: str) -> tuple[float, float] | None:
    """The P values a printed `P<0.00001` / `P=0.04` / `P>0.05` admits; None if unreadable."""
    m = _P.match(p_text)
    if not m:
        return None
    num, op = m.group("num"), m.group("op")
    v = float(num)
    if op in ("<", "<=", "≤"):
        return 0.0, v
    if op in (">", ">=", "≥"):
        return v, 1.0
    lo, hi = rounding_interval(num)
    return max(lo, 0.0), min(hi, 1.0)


def _state(yes: bool, no: bool) -> bool | None:
    """Definitely significant, definitely not, or None when rounding leaves it open."""
    return True if yes else (False if no else None)


@dataclass(frozen=True)
class Consistency:
    se: float | None
    implied_z: float | None
    implied_z_range: tuple[float, float] | None
    implied_p: float | None
    consistent: bool | None
    note: str


def check_ratio_claim(
    estimate: str, ci_low: str, ci_high: str, z: str | None, p_text: str | None
) -> Consistency:
    """Does a printed ratio, its 95% CI, Z and P agree (within their rounding)?"""
    return check_claim(estimate, ci_low, ci_high, z, p_text, ratio=True)


def check_claim(
    estimate: str, ci_low: str, ci_high: str, z: str | None, p_text: str | None, *, ratio: bool
) -> Consistency:
    """Does a printed effect, its 95% CI, Z and P agree (within their rounding)?  A ratio is
    judged on the log scale around 1, a difference (RD, MD, SMD) on its own scale around 0."""
    e, lo, hi = float(estimate), float(ci_low), float(ci_high)
    if (ratio and min(e, lo, hi) <= 0) or hi <= lo:
        scale = "the log scale" if ratio else "its scale"
        return Consistency(None, None, None, None, None, f"CI not usable on {scale}")

    def f(x: float) -> float:
        return math.log(x) if ratio else x

    null = 1.0 if ratio else 0.0
    se = (f(hi) - f(lo)) / (2 * Z95)
    iz = f(e) / se
    # |Z| = |f(estimate)| / SE over every value that rounds to what was printed: the SE at the
    # corners of the CI's rounding box, |f(estimate)| at the ends of its interval, or 0 when
    # that interval holds the null (an estimate printed as 1.00, or 0.00)
    ses = [
        (f(hh) - f(ll)) / (2 * Z95)
        for ll, hh in product(rounding_interval(ci_low), rounding_interval(ci_high))
        if (not ratio or min(ll, hh) > 0) and hh > ll
    ]
    e_lo, e_hi = (f(x) if not ratio or x > 0 else -math.inf for x in rounding_interval(estimate))
    near = 0.0 if e_lo <= 0.0 <= e_hi else min(abs(e_lo), abs(e_hi))
    zr = (near / max(ses), max(abs(e_lo), abs(e_hi)) / min(ses))
    ip = norm_two_sided_p(iz)
    problems: list[str] = []
    # the CI excludes the null for every value that rounds to it, includes it for every one, or
    # (a bound printed at the null, e.g. 1.00) rounding leaves it open: then nothing is claimed
    (lo_a, lo_b), (hi_a, hi_b) = rounding_interval(ci_low), rounding_interval(ci_high)
    ci_sig = _state(hi_b < null or lo_a > null, lo_b <= null <= hi_a)
    if z is not None:
        zlo, zhi = rounding_interval(z)
        if zhi < zr[0] - 1e-9 or zlo > zr[1] + 1e-9:
            problems.append(f"printed Z={z} but the CI implies Z between {zr[0]:.2f} and {zr[1]:.2f}")
        z_sig = _state(abs(zlo) > 1.96, abs(zhi) < 1.96)
        if z_sig is not None and ci_sig is not None and z_sig != ci_sig:
            problems.append(f"Z={z} and the CI disagree about significance at 5%")
    if p_text is not None:
        pi = p_interval(p_text)
        if pi is None:
            problems.append(f"P {p_text!r} could not be read")
        else:
            p_range = (norm_two_sided_p(zr[1]), norm_two_sided_p(zr[0]))
            if pi[1] < p_range[0] - 1e-12 or pi[0] > p_range[1] + 1e-12:
                problems.append(
                    f"printed {p_text} but the CI implies P between {p_range[0]:.2g} and {p_range[1]:.2g}"
                )
            p_sig = _state(pi[1] < 0.05, pi[0] >= 0.05)
            if p_sig is not None and ci_sig is not None and p_sig != ci_sig:
                side = "excludes" if ci_sig else "includes"
                problems.append(f"the CI {side} {null:g} but {p_text} says the opposite about P < 0.05")
    note = "; ".join(problems) if problems else "CI, Z and P agree"
    return Consistency(se, iz, zr, ip, not problems, note)
