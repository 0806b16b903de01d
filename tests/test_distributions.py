"""The pure-Python tail areas and quantiles against scipy (an independent implementation)."""

from __future__ import annotations

import math

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from scipy import special

from evireg.stats import distributions as d

REL = 1e-11


@settings(max_examples=300, deadline=None)
@given(x=st.floats(0.0, 400.0), df=st.integers(1, 500))
def test_chi2_sf(x: float, df: int) -> None:
    expected = float(special.chdtrc(df, x))
    assert d.chi2_sf(x, df) == pytest.approx(expected, rel=REL, abs=1e-300)


def t_sf_closed_form(t: float, df: int) -> float | None:
    """P(T >= t) in closed form for df = 1 (Cauchy) and df = 2, written without cancellation
    (scipy's stdtr loses about 1e-9 relative near t = 0 with df = 1, so it cannot be the oracle
    there)."""
    if df == 1:
        return math.atan2(1.0, t) / math.pi  # = 1/2 - atan(t)/pi for every real t
    if df == 2:
        r = math.sqrt(t * t + 2.0)
        return 1.0 / (r * (r + t)) if t > 0 else (1.0 - t / r) / 2.0  # = (1 - t/r) / 2
    return None


@settings(max_examples=300, deadline=None)
@given(t=st.floats(-60.0, 60.0), df=st.integers(1, 300))
@example(t=1e-8, df=1)
@example(t=-3e-7, df=1)
@example(t=1e-8, df=2)
@example(t=59.5, df=2)
def test_t_sf(t: float, df: int) -> None:
    closed = t_sf_closed_form(t, df)
    expected = closed if closed is not None else float(special.stdtr(df, -t))
    assert d.t_sf(t, df) == pytest.approx(expected, rel=1e-10, abs=1e-300)


def test_closed_forms_agree_with_scipy_where_scipy_is_reliable() -> None:
    for df in (1, 2):
        for t in (-40.0, -2.5, -1.0, 0.0, 0.7, 1.0, 3.0, 55.0):
            assert t_sf_closed_form(t, df) == pytest.approx(float(special.stdtr(df, -t)), rel=1e-12)


@settings(max_examples=300, deadline=None)
@given(p=st.floats(1e-12, 1 - 1e-12), df=st.integers(1, 300))
def test_t_ppf(p: float, df: int) -> None:
    expected = float(special.stdtrit(df, p))
    assert d.t_ppf(p, df) == pytest.approx(expected, rel=1e-9, abs=1e-12)


@settings(max_examples=200, deadline=None)
@given(z=st.floats(-37.0, 37.0))
def test_normal(z: float) -> None:
    assert d.norm_two_sided_p(z) == pytest.approx(float(2 * special.ndtr(-abs(z))), rel=REL, abs=1e-300)


def test_normal_quantile_and_edges() -> None:
    assert d.norm_ppf(0.975) == pytest.approx(1.959963984540054, rel=1e-14)
    assert d.chi2_sf(0.0, 3) == 1.0 and math.isnan(d.chi2_sf(1.0, 0))
    assert d.t_ppf(0.5, 7) == 0.0 and math.isnan(d.t_ppf(1.0, 7))
    assert d.t_ppf(0.975, 1) == pytest.approx(12.706204736174707, rel=1e-12)
