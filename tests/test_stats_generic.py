"""Generic inverse-variance pooling, the Q-profile CI for tau2, I2 from tau2, the normal-based
prediction interval: against the kernel's own pool, closed forms, metafor's published values and
invariants."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pytest

from evireg.stats.generic import pool_generic
from evireg.stats.single import pool
from evireg.stats.tau2 import chi2_quantile, generalised_q, tau2_qprofile_ci

ROOT = Path(__file__).resolve().parents[1]


def _bcg() -> tuple[list[int], list[int], list[int], list[int]]:
    with (ROOT / "fixtures" / "pooling" / "bcg.csv").open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    cols = ("events_treat", "total_treat", "events_ctrl", "total_ctrl")
    a, n1, c, n2 = ([int(r[k]) for r in rows] for k in cols)
    return a, n1, c, n2


def _effects(measure: str) -> tuple[list[float], list[float]]:
    res = pool(*_bcg(), measure=measure, method="IV")
    return [s.yi for s in res.studies], [s.vi for s in res.studies]


@pytest.mark.parametrize("model", ["fixed", "random"])
@pytest.mark.parametrize("tau2_method", ["DL", "REML", "PM"])
@pytest.mark.parametrize("hksj", [False, True])
def test_generic_equals_pool_iv_on_bcg(model: str, tau2_method: str, hksj: bool) -> None:
    if hksj and model == "fixed":
        return
    yi, vi = _effects("OR")
    ref = pool(*_bcg(), measure="OR", method="IV", model=model, tau2_method=tau2_method, hksj=hksj)
    got = pool_generic(yi, vi, measure="OR", model=model, tau2_method=tau2_method, hksj=hksj)
    a, b = ref.to_dict(), got.to_dict()
    for key in ("estimate", "ci_low", "ci_high", "log_estimate", "se", "z", "p", "t_df", "k"):
        assert b[key] == a[key], key
    assert b["prediction_interval"] == a["prediction_interval"]
    for key in ("q", "df", "p", "i2", "tau2", "h"):
        assert b["heterogeneity"][key] == a["heterogeneity"][key], key
    assert [s["weight"] for s in b["studies"]] == [s["weight"] for s in a["studies"]]
    assert [s["estimate"] for s in b["studies"]] == [s["estimate"] for s in a["studies"]]
    assert "events_treat" not in b["studies"][0] and b["studies"][0]["se"] == pytest.approx(
        b["studies"][0]["vi"] ** 0.5, rel=1e-15)


def test_qprofile_root_property() -> None:
    yi, vi = (np.array(x) for x in _effects("OR"))
    for level in (0.90, 0.95, 0.99):
        lo, hi = tau2_qprofile_ci(yi, vi, level)
        alpha = 1.0 - level
        k = len(yi)
        assert 0.0 < lo < hi
        assert generalised_q(yi, vi, lo) == pytest.approx(chi2_quantile(1 - alpha / 2, k - 1), abs=1e-8)
        assert generalised_q(yi, vi, hi) == pytest.approx(chi2_quantile(alpha / 2, k - 1), abs=1e-8)


def test_chi2_quantile_against_scipy() -> None:
    from scipy import stats

    for df in (1, 2, 5, 12, 40):
        for p in (0.005, 0.025, 0.05, 0.5, 0.95, 0.975, 0.995):
            assert chi2_quantile(p, df) == pytest.approx(stats.chi2.ppf(p, df), rel=1e-12)


def test_qprofile_against_metafor_bcg_rr() -> None:
    # metafor's own test suite (tests/testthat/test_misc_confint.r): dat.bcg, log RR,
    # rma(yi, vi, method="DL"); confint(res): tau^2 0.3088 [0.1197, 1.1115],
    # I^2 92.1173 [81.9177, 97.6781] (printed to 4 decimals).  The Q-profile CI does not
    # depend on the tau2 estimator.
    yi, vi = _effects("RR")
    for method in ("DL", "REML", "PM"):
        res = pool_generic(yi, vi, measure="RR", model="random", tau2_method=method)
        het = res.heterogeneity
        assert het.tau2_ci is not None and het.tau_ci is not None
        assert round(het.tau2_ci[0], 4) == 0.1197
        assert round(het.tau2_ci[1], 4) == 1.1115
        assert het.tau_ci == (math.sqrt(het.tau2_ci[0]), math.sqrt(het.tau2_ci[1]))
    dl = pool_generic(yi, vi, measure="RR", model="random", tau2_method="DL").heterogeneity
    assert round(dl.tau2, 4) == 0.3088
    assert round(dl.i2_tau2, 4) == 92.1173


def test_qprofile_truncated_at_zero_when_homogeneous() -> None:
    # identical estimates: the generalised Q is 0 for every tau2, below both quantiles
    yi = np.zeros(5)
    vi = np.array([0.1, 0.2, 0.3, 0.4, 0.5])
    assert tau2_qprofile_ci(yi, vi, 0.95) == (0.0, 0.0)
    assert all(math.isnan(x) for x in tau2_qprofile_ci(yi[:1], vi[:1], 0.95))


def test_fixed_estimate_invariant_to_scaling_variances() -> None:
    yi, vi = _effects("RD")
    base = pool_generic(yi, vi, measure="RD")
    for c in (0.01, 3.0, 250.0):
        scaled = pool_generic(yi, [c * v for v in vi], measure="RD")
        assert scaled.estimate == pytest.approx(base.estimate, rel=1e-12, abs=1e-15)
        assert scaled.se == pytest.approx(base.se * math.sqrt(c), rel=1e-12)


@pytest.mark.parametrize("model", ["fixed", "random"])
@pytest.mark.parametrize("measure", ["MD", "SMD", "RD"])
def test_sign_swap_negates_raw_measures(model: str, measure: str) -> None:
    yi, vi = _effects("OR")  # any numbers: the measure only decides the scale
    a = pool_generic(yi, vi, measure=measure, model=model, tau2_method="REML")
    b = pool_generic([-y for y in yi], vi, measure=measure, model=model, tau2_method="REML")
    assert b.estimate == pytest.approx(-a.estimate, rel=1e-12)
    assert b.ci_low == pytest.approx(-a.ci_high, rel=1e-12)
    assert b.heterogeneity.tau2 == pytest.approx(a.heterogeneity.tau2, rel=1e-10)


def test_ratio_measures_shown_exponentiated() -> None:
    yi, vi = _effects("OR")
    res = pool_generic(yi, vi, measure="hr", model="random")
    assert res.measure == "HR"
    assert res.estimate == math.exp(res.log_estimate)
    assert res.studies[0].estimate == math.exp(yi[0])


def test_i2_from_tau2_equals_i2_from_q_for_dl_equal_variances() -> None:
    yi = [0.1, 0.9, -0.4, 1.3, 0.2, -0.8]
    v = 0.05
    res = pool_generic(yi, [v] * len(yi), model="random", tau2_method="DL")
    het = res.heterogeneity
    # closed form with equal variances: s2 = v, tau2_DL = v (Q - df) / df, so I2 = (Q - df) / Q
    assert het.tau2 == pytest.approx(v * (het.q - het.df) / het.df, rel=1e-12)
    assert het.i2_tau2 == pytest.approx(100.0 * (het.q - het.df) / het.q, rel=1e-12)
    assert het.i2_tau2 == pytest.approx(het.i2, rel=1e-12)
    reml = pool_generic(yi, [v] * len(yi), model="random", tau2_method="REML").heterogeneity
    assert reml.i2_tau2 == pytest.approx(100.0 * reml.tau2 / (reml.tau2 + v), rel=1e-12)


def test_prediction_intervals() -> None:
    yi, vi = _effects("OR")
    res = pool_generic(yi, vi, measure="OR", model="random", tau2_method="REML")
    assert res.prediction_interval is not None and res.prediction_interval_normal is not None
    tau2, se = res.heterogeneity.tau2, res.se
    half = 1.959963984540054 * math.sqrt(tau2 + se * se)
    lo, hi = res.prediction_interval_normal
    assert math.log(lo) == pytest.approx(res.log_estimate - half, rel=1e-12)
    assert math.log(hi) == pytest.approx(res.log_estimate + half, rel=1e-12)
    # the t-based one (k - 2 df) is wider
    assert res.prediction_interval[0] < lo and hi < res.prediction_interval[1]
    out = res.to_dict()
    assert out["prediction_interval_normal"] == [lo, hi]
    assert out["heterogeneity"]["tau2_ci"] == list(res.heterogeneity.tau2_ci or ())
    assert pool_generic(yi, vi, model="fixed").prediction_interval_normal is None


@pytest.mark.parametrize(
    ("yi", "vi", "match"),
    [
        ([0.1, 0.2], [0.1], "same length"),
        ([0.1, math.nan], [0.1, 0.2], "Study 2: yi"),
        ([0.1, 0.2], [0.1, 0.0], "Study 2: vi"),
        ([0.1, 0.2], [-0.1, 0.2], "Study 1: vi"),
        ([], [], "no studies"),
    ],
)
def test_bad_input_refused(yi: list[float], vi: list[float], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        pool_generic(yi, vi)


def test_bad_measure_refused() -> None:
    with pytest.raises(ValueError, match="measure must be one of"):
        pool_generic([0.1], [0.1], measure="XYZ")


def test_pool_reports_the_q_profile_interval_with_random_effects() -> None:
    # metafor's own test suite (test_misc_confint.r), BCG log risk ratios, DL: tau2 0.3088 [0.1197, 1.1115]
    import evireg

    from .conftest import FIXTURES

    het = evireg.pool(FIXTURES / "pooling" / "bcg.csv", measure="RR", method="IV", model="random",
                      tau2="DL").to_dict()["heterogeneity"]
    assert round(het["tau2"], 4) == 0.3088
    assert [round(x, 4) for x in het["tau2_ci"]] == [0.1197, 1.1115]
    fixed = evireg.pool(FIXTURES / "pooling" / "bcg.csv", measure="RR", method="IV").to_dict()
    assert fixed["heterogeneity"]["tau2_ci"] is None and fixed["prediction_interval_normal"] is None
