"""Printed differences (RD, MD, SMD) are checked against their own CI, Z and P on their own scale."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from evireg.review.claimcheck import check_claim

Z95 = 1.959963984540054


def test_a_printed_mean_difference_agrees_with_its_ci() -> None:
    # CD015711.pub2 analysis 3.1 (Ozulken 2021) prints MD -0.08 [-0.151873, -0.008127];
    # SE = (hi - lo) / (2 x 1.96) = 0.036668, Z = 0.08 / SE = 2.18
    ok = check_claim("-0.08", "-0.151873", "-0.008127", "2.18", "P = 0.03", ratio=False)
    assert ok.consistent is True and ok.implied_z is not None
    assert math.isclose(ok.implied_z, -0.08 / ((0.143746) / (2 * Z95)), rel_tol=1e-12)
    bad = check_claim("-0.08", "-0.151873", "-0.008127", "0.50", "P = 0.62", ratio=False)
    assert bad.consistent is False and "implies Z between" in bad.note and "excludes 0" in bad.note


def test_a_negative_difference_is_not_refused_as_a_ratio_would_be() -> None:
    assert check_claim("-0.5", "-0.9", "-0.1", None, None, ratio=True).consistent is None
    assert check_claim("-0.5", "-0.9", "-0.1", None, None, ratio=False).consistent is True


@settings(max_examples=200, deadline=None)
@given(st.floats(-50, 50), st.floats(0.05, 20))
def test_a_rounded_difference_with_its_rounded_z_is_consistent(est: float, se: float) -> None:
    lo, hi = est - Z95 * se, est + Z95 * se
    printed = [f"{x:.2f}" for x in (est, lo, hi)]
    if float(printed[2]) <= float(printed[1]):
        return
    res = check_claim(*printed, f"{abs(est) / se:.2f}", None, ratio=False)
    assert res.consistent is True, res.note


@settings(max_examples=200, deadline=None)
@given(st.floats(-3, 3), st.floats(0.05, 1.5))
def test_a_rounded_ratio_with_its_rounded_z_is_consistent(log_est: float, se: float) -> None:
    # including estimates that print as 1.00, whose rounding interval holds the null
    est, lo, hi = (math.exp(log_est + k * Z95 * se) for k in (0, -1, 1))
    printed = [f"{x:.2f}" for x in (est, lo, hi)]
    if min(float(p) for p in printed) <= 0 or float(printed[2]) <= float(printed[1]):
        return
    res = check_claim(*printed, f"{abs(log_est) / se:.2f}", None, ratio=True)
    assert res.consistent is True, res.note
