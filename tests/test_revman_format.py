"""RevMan 5 number formatting."""

from __future__ import annotations

import pytest

from evireg.render.revman_format import (
    fmt_chi2,
    fmt_ci,
    fmt_estimate_ci,
    fmt_heterogeneity,
    fmt_i2,
    fmt_overall_effect,
    fmt_p,
    fmt_ratio,
    fmt_subgroup_difference,
    fmt_tau2,
    fmt_weight,
    fmt_z,
)


@pytest.mark.parametrize(
    ("p", "text"),
    [
        (0.0, "P < 0.00001"),
        (3.2e-9, "P < 0.00001"),
        (0.0000099, "P < 0.00001"),
        (0.00001, "P < 0.0001"),
        (0.0000512, "P < 0.0001"),
        (0.0001, "P = 0.0001"),
        (0.000113, "P = 0.0001"),
        (0.000283, "P = 0.0003"),
        (0.00096, "P = 0.001"),  # 0.00096 -> 0.0010 carries into the next band
        (0.00328, "P = 0.003"),
        (0.0096, "P = 0.01"),
        (0.0278, "P = 0.03"),
        (0.04, "P = 0.04"),
        (0.0989, "P = 0.10"),
        (0.4716, "P = 0.47"),
        (0.995, "P = 1.00"),
        (1.0, "P = 1.00"),
        (None, "Not applicable"),
        (float("nan"), "Not applicable"),
    ],
)
def test_fmt_p(p: float | None, text: str) -> None:
    assert fmt_p(p) == text


def test_fmt_ratio_and_ci() -> None:
    assert fmt_ratio(1.6823) == "1.68"
    assert fmt_ratio(0.125) == "0.13"  # half-up, as RevMan (Java) prints
    assert fmt_ratio(2.675) == "2.68"
    assert fmt_ratio(-0.0004) == "0.00"  # never "-0.00"
    assert fmt_ratio(-0.0512) == "-0.05"
    assert fmt_ratio(1234.5) == "1234.50"
    assert fmt_ratio(None) == "Not estimable"
    assert fmt_ratio(float("nan")) == "Not estimable"
    assert fmt_ci(1.6823, 2.98) == "[1.68, 2.98]"
    assert fmt_ci(-0.09, -0.012) == "[-0.09, -0.01]"
    assert fmt_ci(None, 2.0) == ""
    assert fmt_estimate_ci(0.6667, 0.5512, 0.8249) == "0.67 [0.55, 0.82]"
    assert fmt_estimate_ci(float("nan"), None, None) == "Not estimable"


def test_fmt_statistics() -> None:
    assert fmt_z(-3.9744) == "3.97"
    assert fmt_z(2.0) == "2.00"
    assert fmt_chi2(152.233) == "152.23"
    assert fmt_tau2(0.3132) == "0.31"
    assert fmt_tau2(0.0004) == "0.00"
    assert fmt_i2(92.117) == "92%"
    assert fmt_i2(0.0) == "0%"
    assert fmt_i2(49.5) == "50%"
    assert fmt_i2(71.64, decimals=1) == "71.6%"
    assert fmt_i2(0.0, decimals=1) == "0%"
    assert fmt_i2(None) == "Not applicable"
    assert fmt_weight(12.345) == "12.3%"
    assert fmt_weight(None) == ""


def test_footer_lines() -> None:
    assert (
        fmt_heterogeneity(152.233, 12, 1.99e-26, 92.117, tau2=0.3088)
        == "Heterogeneity: Tau² = 0.31; Chi² = 152.23, df = 12 (P < 0.00001); I² = 92%"
    )
    assert (
        fmt_heterogeneity(10.551, 12, 0.568, 0.0)
        == "Heterogeneity: Chi² = 10.55, df = 12 (P = 0.57); I² = 0%"
    )
    assert fmt_heterogeneity(0.0, 0, None, None) == "Heterogeneity: Not applicable"
    assert fmt_overall_effect(-3.9744, 7.05e-5) == "Test for overall effect: Z = 3.97 (P < 0.0001)"
    assert fmt_overall_effect(None, None) == "Test for overall effect: Not applicable"
    assert (
        fmt_subgroup_difference(3.52, 1, 0.0606, 71.59)
        == "Test for subgroup differences: Chi² = 3.52, df = 1 (P = 0.06), I² = 71.6%"
    )
    assert fmt_subgroup_difference(None, 0, None, None).endswith("Not applicable")
