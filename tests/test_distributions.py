"""The pure-Python tail areas and quantiles against scipy (an independent implementation)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import special

from evireg import distributions as d

REL = 1e-11


@settings(max_examples=300, deadline=None)
@given(x=st.floats(0.0, 400.0), df=st.integers(1, 500))
def test_chi2_sf(x: float, df: int) -> None:
    expected = float(special.chdtrc(df, x))
    assert d.chi2_sf(x, df) == pytest.approx(expected, rel=REL, abs=1e-300)


@settings(max_examples=300, deadline=None)
@given(t=st.floats(-60.0, 60.0), df=st.integers(1, 300))
def test_t_sf(t: float, df: int) -> None:
    expected = float(special.stdtr(df, -t))
    assert d.t_sf(t, df) == pytest.approx(expected, rel=1e-10, abs=1e-300)


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
