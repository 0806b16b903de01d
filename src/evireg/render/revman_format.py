"""Number formatting as Review Manager 5 prints it in forest plots and analysis tables.

Pure string helpers (no numpy).  Conventions, as RevMan 5 output shows them:

* effect estimates and confidence limits with 2 decimals: ``0.67 [0.55, 0.82]``; a study that
  cannot be estimated shows ``Not estimable``;
* ``Z`` with 2 decimals, unsigned (RevMan prints the absolute value);
* ``Chi²`` and ``Tau²`` with 2 decimals, ``I²`` as a whole percent (the test for subgroup
  differences prints I² with one decimal, ``0%`` when zero);
* P values: ``P < 0.00001`` below 0.00001, ``P < 0.0001`` below 0.0001, otherwise ``P = `` with
  one significant digit below 0.01 (``P = 0.0003``, ``P = 0.004``) and two decimals from 0.01
  (``P = 0.04``, ``P = 0.47``, ``P = 1.00``);
* weights as a percentage with one decimal (``12.3%``).

Rounding is half-up on the shortest decimal representation of the float (``0.125`` gives
``0.13`` and ``0.995`` gives ``1.00``), as Java's ``%f`` formatting (RevMan 5 is a Java
program) does, not Python's round-half-even on the binary value.  Missing values
(``None``/NaN) give the text RevMan shows in their place.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Context, Decimal

__all__ = [
    "fmt_chi2",
    "fmt_ci",
    "fmt_estimate_ci",
    "fmt_heterogeneity",
    "fmt_i2",
    "fmt_overall_effect",
    "fmt_p",
    "fmt_ratio",
    "fmt_subgroup_difference",
    "fmt_tau2",
    "fmt_weight",
    "fmt_z",
]

NOT_ESTIMABLE = "Not estimable"
_CTX = Context(prec=400)  # enough digits to quantize any finite float
NOT_APPLICABLE = "Not applicable"


def _missing(x: float | None) -> bool:
    return x is None or not math.isfinite(x)


def _dec(x: float) -> Decimal:
    """The shortest decimal representation of ``x`` (``repr``) as a Decimal."""
    return Decimal(repr(float(x)))


def _fixed(x: float, decimals: int) -> str:
    """``x`` with ``decimals`` decimals, rounded half-up, never ``-0.00``."""
    q = Decimal(1).scaleb(-decimals)
    d = _dec(x).quantize(q, rounding=ROUND_HALF_UP, context=_CTX)
    if d == 0:
        d = abs(d)
    return f"{d:.{decimals}f}"


def fmt_ratio(x: float | None, decimals: int = 2) -> str:
    """An effect estimate or confidence limit (ratio or difference): ``"1.68"``."""
    if _missing(x):
        return NOT_ESTIMABLE
    assert x is not None
    return _fixed(x, decimals)


def fmt_ci(lo: float | None, hi: float | None, decimals: int = 2) -> str:
    """A confidence interval: ``"[1.68, 2.98]"`` (empty string if either limit is missing)."""
    if _missing(lo) or _missing(hi):
        return ""
    return f"[{fmt_ratio(lo, decimals)}, {fmt_ratio(hi, decimals)}]"


def fmt_estimate_ci(est: float | None, lo: float | None, hi: float | None) -> str:
    """``"0.67 [0.55, 0.82]"``, or ``"Not estimable"``."""
    if _missing(est):
        return NOT_ESTIMABLE
    return f"{fmt_ratio(est)} {fmt_ci(lo, hi)}".rstrip()


def fmt_z(z: float | None) -> str:
    """The overall-effect statistic, unsigned, 2 decimals: ``"2.94"``."""
    if _missing(z):
        return NOT_APPLICABLE
    assert z is not None
    return _fixed(abs(z), 2)


def fmt_chi2(chi2: float | None) -> str:
    """Cochran's Q (RevMan's Chi²), 2 decimals."""
    if _missing(chi2):
        return NOT_APPLICABLE
    assert chi2 is not None
    return _fixed(chi2, 2)


def fmt_tau2(tau2: float | None) -> str:
    """Tau², 2 decimals."""
    if _missing(tau2):
        return NOT_APPLICABLE
    assert tau2 is not None
    return _fixed(tau2, 2)


def fmt_i2(i2: float | None, decimals: int = 0) -> str:
    """I² in percent: ``"56%"`` (``decimals=1`` gives ``"71.6%"``; zero is always ``"0%"``)."""
    if _missing(i2):
        return NOT_APPLICABLE
    assert i2 is not None
    if decimals > 0 and _fixed(i2, decimals) == _fixed(0.0, decimals):
        return "0%"
    return f"{_fixed(i2, decimals)}%"


def fmt_weight(weight: float | None) -> str:
    """A study weight in percent with one decimal: ``"12.3%"``."""
    if _missing(weight):
        return ""
    assert weight is not None
    return f"{_fixed(weight, 1)}%"


def fmt_p(p: float | None) -> str:
    """A P value as RevMan prints it: ``"P < 0.00001"``, ``"P = 0.0003"``, ``"P = 0.04"``."""
    if _missing(p):
        return NOT_APPLICABLE
    assert p is not None
    if p < 0.00001:
        return "P < 0.00001"
    if p < 0.0001:
        return "P < 0.0001"
    # One significant digit below 0.01, two decimals from 0.01; if rounding carries the value
    # into the next band (0.00996 -> 0.010) print it as that band does (0.01).
    for decimals, ceiling in ((4, "0.001"), (3, "0.01")):
        if _dec(p) < Decimal(ceiling):
            text = _fixed(p, decimals)
            if Decimal(text) < Decimal(ceiling):
                return f"P = {text}"
    return f"P = {_fixed(min(p, 1.0), 2)}"


def fmt_heterogeneity(
    chi2: float | None,
    df: int,
    p: float | None,
    i2: float | None,
    tau2: float | None = None,
) -> str:
    """RevMan's heterogeneity footer; pass ``tau2`` for a random-effects analysis.

    ``"Heterogeneity: Tau² = 0.31; Chi² = 152.23, df = 12 (P < 0.00001); I² = 92%"``;
    ``"Heterogeneity: Not applicable"`` when df < 1.
    """
    if df < 1 or _missing(chi2):
        return f"Heterogeneity: {NOT_APPLICABLE}"
    parts = "" if tau2 is None else f"Tau² = {fmt_tau2(tau2)}; "
    return (
        f"Heterogeneity: {parts}Chi² = {fmt_chi2(chi2)}, df = {df} ({fmt_p(p)}); I² = {fmt_i2(i2)}"
    )


def fmt_overall_effect(z: float | None, p: float | None) -> str:
    """``"Test for overall effect: Z = 3.97 (P < 0.0001)"``."""
    if _missing(z):
        return f"Test for overall effect: {NOT_APPLICABLE}"
    return f"Test for overall effect: Z = {fmt_z(z)} ({fmt_p(p)})"


def fmt_subgroup_difference(chi2: float | None, df: int, p: float | None, i2: float | None) -> str:
    """``"Test for subgroup differences: Chi² = 3.52, df = 1 (P = 0.06), I² = 71.6%"``."""
    if df < 1 or _missing(chi2):
        return f"Test for subgroup differences: {NOT_APPLICABLE}"
    return (
        f"Test for subgroup differences: Chi² = {fmt_chi2(chi2)}, df = {df} ({fmt_p(p)}), "
        f"I² = {fmt_i2(i2, decimals=1)}"
    )
