"""Unit tests of the pooling engine: published results, statsmodels, hand-worked zero-cell
arithmetic, degenerate inputs, validation and the ``to_dict`` contract."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from statsmodels.stats.contingency_tables import StratifiedTable

from evireg.stats import cumulative, egger_test, leave_one_out, pool, pool_subgroups

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "pooling"


def fixture(name: str) -> dict[str, list[Any]]:
    with open(FIXTURES / f"{name}.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return {
        "study": [r["study"] for r in rows],
        "a": [int(r["events_treat"]) for r in rows],
        "n1": [int(r["total_treat"]) for r in rows],
        "c": [int(r["events_ctrl"]) for r in rows],
        "n2": [int(r["total_ctrl"]) for r in rows],
        "subgroup": [r["subgroup"] for r in rows],
        "year": [int(r["year"]) for r in rows] if rows and "year" in rows[0] else [],
    }


def tables(fx: dict[str, list[Any]]) -> tuple[list[int], list[int], list[int], list[int]]:
    return fx["a"], fx["n1"], fx["c"], fx["n2"]


def r2(x: float) -> float:
    return round(x, 2)


# --------------------------------------------------------------------------------------------
# Published results
# --------------------------------------------------------------------------------------------


def test_nrt_review_published_mh_risk_ratios() -> None:
    """Hartmann-Boyce et al. 2018 (Cochrane CD000146.pub5), RevMan MH fixed-effect RR:
    any NRT 1.55 [1.49, 1.61]; gum 1.49 [1.40, 1.60]; patch 1.64 [1.53, 1.75]; oral
    tablets/lozenges 1.52 [1.32, 1.74]; inhalator 1.90 [1.36, 2.67]; nasal spray 2.02
    [1.49, 2.73] (see fixtures/pooling/README.md)."""
    fx = fixture("nrt_hartmannboyce2018")
    res = pool_subgroups(*tables(fx), fx["subgroup"], measure="RR", method="MH")
    o = res.overall
    assert (r2(o.estimate), r2(o.ci_low), r2(o.ci_high)) == (1.55, 1.49, 1.61)
    published = {
        "gum": (1.49, 1.40, 1.60),
        "patch": (1.64, 1.53, 1.75),
        "tablets/lozenges": (1.52, 1.32, 1.74),
        "inhalator": (1.90, 1.36, 2.67),
        "intranasal spray": (2.02, 1.49, 2.73),
    }
    subs = dict(res.subgroups)
    for name, expected in published.items():
        s = subs[name]
        assert (r2(s.estimate), r2(s.ci_low), r2(s.ci_high)) == expected, name


def test_bcg_published_reml_results() -> None:
    """Viechtbauer (2010), J Stat Softw 36(3), BCG log risk ratios, REML random effects:
    estimate -0.7145, SE 0.1798, z -3.9744, CI [-1.0669, -0.3622], tau2 0.3132,
    Q(df = 12) = 152.2330."""
    fx = fixture("bcg")
    res = pool(*tables(fx), measure="RR", method="IV", model="random", tau2_method="REML")
    assert round(res.log_estimate, 4) == -0.7145
    assert round(res.se, 4) == 0.1798
    assert round(res.z, 4) == -3.9744
    assert round(math.log(res.ci_low), 4) == -1.0669
    assert round(math.log(res.ci_high), 4) == -0.3622
    assert round(res.heterogeneity.tau2, 4) == 0.3132
    assert round(res.heterogeneity.q, 4) == 152.2330
    assert res.heterogeneity.df == 12


# --------------------------------------------------------------------------------------------
# statsmodels (independent MH odds ratio with the Robins-Breslow-Greenland variance)
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["bcg", "nrt_hartmannboyce2018"])
def test_mh_odds_ratio_matches_statsmodels(name: str) -> None:
    fx = fixture(name)
    a, n1, c, n2 = (np.array(x) for x in tables(fx))
    assert np.all((a > 0) & (n1 > a) & (c > 0) & (n2 > c)), "fixture must have no zero cells"
    st = StratifiedTable(
        [np.array([[a[i], n1[i] - a[i]], [c[i], n2[i] - c[i]]]) for i in range(len(a))]
    )
    res = pool(a, n1, c, n2, measure="OR", method="MH")
    assert res.estimate == pytest.approx(st.oddsratio_pooled, rel=1e-10)
    assert res.se == pytest.approx(st.logodds_pooled_se, rel=1e-10)
    lo, hi = st.logodds_pooled_confint(alpha=0.05)
    assert math.log(res.ci_low) == pytest.approx(lo, rel=1e-10)
    assert math.log(res.ci_high) == pytest.approx(hi, rel=1e-10)
    rr = pool(a, n1, c, n2, measure="RR", method="MH")
    assert rr.estimate == pytest.approx(st.riskratio_pooled, rel=1e-10)


# --------------------------------------------------------------------------------------------
# Zero cells, worked by hand
# --------------------------------------------------------------------------------------------


def test_zero_cell_correction_enters_mh_sums() -> None:
    # Study 1: 0/10 vs 4/10 -> corrected cells a=.5 b=10.5 c=4.5 d=6.5, N=22.
    # Study 2: 3/10 vs 5/10 -> a=3 b=7 c=5 d=5, N=20.
    res = pool([0, 3], [10, 10], [4, 5], [10, 10], measure="OR", method="MH")
    num = 0.5 * 6.5 / 22 + 3 * 5 / 20
    den = 10.5 * 4.5 / 22 + 7 * 5 / 20
    assert res.estimate == pytest.approx(num / den, rel=1e-14)
    s1, s2 = res.studies
    assert s1.corrected and not s2.corrected
    assert s1.yi == pytest.approx(math.log(0.5 * 6.5 / (10.5 * 4.5)), rel=1e-14)
    assert s1.vi == pytest.approx(1 / 0.5 + 1 / 10.5 + 1 / 4.5 + 1 / 6.5, rel=1e-14)
    # MH weights b*c/N on the corrected table
    w1, w2 = 10.5 * 4.5 / 22, 7 * 5 / 20
    assert s1.weight == pytest.approx(100 * w1 / (w1 + w2), rel=1e-12)
    assert any("Mantel-Haenszel sums" in n for n in res.notes)


def test_mh_risk_difference_uses_greenland_robins_variance() -> None:
    a, n1, c, n2 = [2, 9], [20, 30], [5, 12], [21, 29]
    res = pool(a, n1, c, n2, measure="RD", method="MH")
    big_j = big_k = num = 0.0
    for ai, n1i, ci, n2i in zip(a, n1, c, n2, strict=True):
        bi, di, ni = n1i - ai, n2i - ci, n1i + n2i
        num += (ai * n2i - ci * n1i) / ni
        big_k += n1i * n2i / ni
        big_j += (ai * bi * n2i**3 + ci * di * n1i**3) / (n1i * n2i * ni**2)
    assert res.estimate == pytest.approx(num / big_k, rel=1e-14)
    assert res.se == pytest.approx(math.sqrt(big_j / big_k**2), rel=1e-14)
    assert res.log_estimate == res.estimate  # RD: analysis scale is the raw scale


def test_double_zero_and_all_event_studies() -> None:
    fx = fixture("zero_cells")
    for measure in ("OR", "RR"):
        res = pool(*tables(fx), measure=measure, labels=fx["study"])
        by = {s.label: s for s in res.studies}
        assert by["Charlie 1995"].excluded == f"no events in either arm: {measure} not estimable"
        assert by["Charlie 1995"].weight is None and math.isnan(by["Charlie 1995"].estimate)
        assert by["Alpha 1990"].corrected and by["Golf 2005"].corrected
        assert not by["Delta 1997"].corrected
        assert any("Charlie 1995 excluded" in n for n in res.notes)
    orr = pool(*tables(fx), measure="OR", labels=fx["study"])
    by = {s.label: s for s in orr.studies}
    assert by["Echo 2001"].excluded is not None
    assert "all participants had events" in by["Echo 2001"].excluded
    assert orr.k == 6
    # RevMan convention (issue 14): RR keeps a study where everyone had the event in both arms,
    # estimate the raw ratio (here 1) with the corrected variance
    rr = pool(*tables(fx), measure="RR", labels=fx["study"])
    by = {s.label: s for s in rr.studies}
    assert rr.k == 7
    assert by["Echo 2001"].excluded is None and by["Echo 2001"].corrected
    assert by["Echo 2001"].estimate == 1.0
    rd = pool(*tables(fx), measure="RD", labels=fx["study"])
    by = {s.label: s for s in rd.studies}
    assert rd.k == 8
    assert by["Charlie 1995"].excluded is None and by["Charlie 1995"].corrected
    # RevMan convention (issue 14): RD's estimate from the raw counts, 0 for a double-zero study;
    # only its variance uses the corrected cells
    assert by["Charlie 1995"].estimate == 0.0
    assert by["Charlie 1995"].vi == pytest.approx(0.5 * 30.5 / 31**3 + 0.5 * 31.5 / 32**3, rel=1e-14)
    peto = pool(*tables(fx), method="Peto", labels=fx["study"])
    assert peto.k == 6 and not any(s.corrected for s in peto.studies)
    assert "Peto OR not estimable" in (
        {s.label: s for s in peto.studies}["Charlie 1995"].excluded or ""
    )


def test_empty_arm_is_excluded_for_every_measure() -> None:
    for measure in ("OR", "RR", "RD"):
        res = pool([0, 3], [0, 10], [2, 4], [10, 10], measure=measure)
        assert res.k == 1
        assert res.studies[0].excluded == "no participants in one arm: not estimable"


# --------------------------------------------------------------------------------------------
# Degenerate inputs
# --------------------------------------------------------------------------------------------


def test_empty_input_gives_null_result() -> None:
    for model in ("fixed", "random"):
        res = pool([], [], [], [], model=model)
        assert res.k == 0 and res.studies == []
        d = res.to_dict()
        assert d["estimate"] is None and d["ci_low"] is None and d["p"] is None
        assert d["heterogeneity"]["q"] is None and d["heterogeneity"]["df"] == 0
        assert d["prediction_interval"] is None
        json.dumps(d, allow_nan=False)


def test_all_studies_excluded() -> None:
    res = pool([0, 0], [10, 12], [0, 0], [11, 9], measure="RR", model="random")
    assert res.k == 0 and math.isnan(res.estimate)
    assert all(s.excluded for s in res.studies)
    json.dumps(res.to_dict(), allow_nan=False)
    # ... while RD keeps them
    assert pool([0, 0], [10, 12], [0, 0], [11, 9], measure="RD").k == 2


def test_single_study() -> None:
    res = pool([12], [80], [20], [82], measure="OR", method="MH", model="random")
    h = res.heterogeneity
    assert (h.q, h.df, h.tau2) == (0.0, 0, 0.0)
    assert math.isnan(h.p) and math.isnan(h.i2) and math.isnan(h.h)
    assert res.prediction_interval is None
    d = res.to_dict()["heterogeneity"]
    assert d["p"] is None and d["i2"] is None
    assert res.studies[0].weight == 100.0
    # HKSJ has no degrees of freedom with one study: the Wald interval is kept, with a note
    hk = pool([12], [80], [20], [82], model="random", hksj=True)
    assert hk.t_df is None and hk.ci_low == pytest.approx(res.ci_low, rel=1e-14)
    assert any("HKSJ" in n for n in hk.notes)


def test_prediction_interval_rules() -> None:
    fx = fixture("bcg")
    assert pool(*tables(fx), model="fixed").prediction_interval is None
    k2 = fixture("k2")
    assert pool(*tables(k2), model="random").prediction_interval is None
    res = pool(*tables(fx), measure="RR", method="IV", model="random")
    assert res.prediction_interval is not None
    lo, hi = res.prediction_interval
    assert lo < res.ci_low < res.estimate < res.ci_high < hi


def test_hksj_uses_t_distribution() -> None:
    fx = fixture("bcg")
    res = pool(*tables(fx), measure="RR", method="IV", model="random", hksj=True)
    assert res.t_df == 12
    assert res.to_dict()["t_df"] == 12


def test_level_changes_interval_width() -> None:
    fx = fixture("bcg")
    w95 = pool(*tables(fx), measure="RD").to_dict()
    w90 = pool(*tables(fx), measure="RD", level=0.9).to_dict()
    assert (w90["ci_high"] - w90["ci_low"]) < (w95["ci_high"] - w95["ci_low"])
    assert w90["estimate"] == w95["estimate"]


def test_identical_estimates_give_no_heterogeneity_for_every_tau2_method() -> None:
    for t2 in ("DL", "REML", "PM"):
        res = pool(
            [5, 10, 20],
            [50, 100, 200],
            [8, 16, 32],
            [50, 100, 200],
            measure="OR",
            method="IV",
            model="random",
            tau2_method=t2,
        )
        assert res.heterogeneity.tau2 == 0.0
        assert res.heterogeneity.i2 == 0.0


# --------------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (([5, 11], [10, 10], [1, 1], [10, 10]), "study 1 ('B'): events_treat (11) exceeds"),
        (([5, 1], [10, 10], [-1, 1], [10, 10]), "study 0 ('A'): events_ctrl is negative"),
        (([5, 1.5], [10, 10], [1, 1], [10, 10]), "study 1 ('B'): events_treat is not an integer"),
        (([5, 1], [10, float("nan")], [1, 1], [10, 10]), "total_treat is not finite"),
        (([5, 1], [10, 10], [1, 1], [10, float("inf")]), "total_ctrl is not finite"),
        (([5, 1], [10, 10], [1], [10, 10]), "same length"),
        (([[5, 1]], [[10, 10]], [[1, 1]], [[10, 10]]), "one-dimensional"),
        ((["x", 1], [10, 10], [1, 1], [10, 10]), "counts must be numbers"),
    ],
)
def test_invalid_counts_raise(args: tuple[Any, ...], message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        pool(*args, labels=["A", "B"])


def test_invalid_labels_and_options_raise() -> None:
    ok = ([1, 2], [10, 10], [2, 3], [10, 10])
    with pytest.raises(ValueError, match="labels has 1 entries for 2 studies"):
        pool(*ok, labels=["x"])
    with pytest.raises(ValueError, match="measure must be one of"):
        pool(*ok, measure="HR")
    with pytest.raises(ValueError, match="method must be one of"):
        pool(*ok, method="Bayes")
    with pytest.raises(ValueError, match="model must be one of"):
        pool(*ok, model="mixed")
    with pytest.raises(ValueError, match="tau2_method must be one of"):
        pool(*ok, model="random", tau2_method="SJ")
    with pytest.raises(ValueError, match="Peto method pools odds ratios only"):
        pool(*ok, method="Peto", measure="RR")
    with pytest.raises(ValueError, match="fixed-effect only"):
        pool(*ok, method="Peto", model="random")
    with pytest.raises(ValueError, match="random-effects models only"):
        pool(*ok, hksj=True)
    with pytest.raises(ValueError, match="level must lie"):
        pool(*ok, level=95)
    with pytest.raises(ValueError, match="groups has 1 entries"):
        pool_subgroups(*ok, ["g"])
    with pytest.raises(ValueError, match="order has 1 entries"):
        cumulative(*ok, order=[1])


def test_options_are_case_insensitive() -> None:
    ok = ([1, 2], [10, 10], [2, 3], [10, 10])
    res = pool(*ok, measure="rr", method="iv", model="Random", tau2_method="reml")
    assert (res.measure, res.method, res.model, res.tau2_method) == ("RR", "IV", "random", "REML")
    assert pool(*ok, method="PETO").method == "Peto"


# --------------------------------------------------------------------------------------------
# to_dict contract
# --------------------------------------------------------------------------------------------

TOP_KEYS = {
    "measure",
    "method",
    "model",
    "k",
    "estimate",
    "ci_low",
    "ci_high",
    "log_estimate",
    "se",
    "z",
    "p",
    "heterogeneity",
    "prediction_interval",
    "studies",
    "subgroups",
    "subgroup_difference",
}
STUDY_KEYS = {
    "study",
    "estimate",
    "ci_low",
    "ci_high",
    "weight",
    "events_treat",
    "total_treat",
    "events_ctrl",
    "total_ctrl",
    "excluded",
    "source",
}


def _only_plain(x: Any) -> None:
    if isinstance(x, dict):
        for v in x.values():
            _only_plain(v)
    elif isinstance(x, list):
        for v in x:
            _only_plain(v)
    else:
        assert x is None or type(x) in (str, bool, int, float), type(x)
        if type(x) is float:
            assert math.isfinite(x)


def test_to_dict_contract() -> None:
    fx = fixture("zero_cells")
    res = pool(*tables(fx), labels=fx["study"], model="random")
    d = res.to_dict()
    assert set(d) >= TOP_KEYS
    assert {"q", "df", "p", "i2", "tau2"} <= set(d["heterogeneity"])
    assert d["subgroups"] == [] and d["subgroup_difference"] is None
    for s in d["studies"]:
        assert set(s) >= STUDY_KEYS
        assert s["source"] is None
    excluded = [s for s in d["studies"] if s["excluded"] is not None]
    assert excluded and all(s["weight"] is None and s["estimate"] is None for s in excluded)
    assert isinstance(d["prediction_interval"], list) and len(d["prediction_interval"]) == 2
    _only_plain(d)
    json.dumps(d, allow_nan=False)


def test_subgroup_to_dict_contract() -> None:
    fx = fixture("bcg")
    res = pool_subgroups(*tables(fx), fx["subgroup"], labels=fx["study"])
    d = res.to_dict()
    assert set(d) >= TOP_KEYS
    assert [s["name"] for s in d["subgroups"]] == ["random", "alternate", "systematic"]
    for s in d["subgroups"]:
        assert set(s) >= TOP_KEYS
    assert set(d["subgroup_difference"]) >= {"q", "df", "p", "i2"}
    assert d["subgroup_difference"]["df"] == 2
    _only_plain(d)
    json.dumps(d, allow_nan=False)


def test_single_subgroup_has_no_difference_test() -> None:
    res = pool_subgroups([1, 2], [10, 10], [2, 3], [10, 10], ["g", "g"])
    assert res.difference is None
    assert res.to_dict()["subgroup_difference"] is None


def test_subgroup_difference_equals_q_decomposition_for_iv_fixed() -> None:
    """For inverse-variance fixed-effect analyses the RevMan test equals
    Q_total - sum(Q_subgroup) (Borenstein & Higgins 2013)."""
    fx = fixture("bcg")
    res = pool_subgroups(*tables(fx), fx["subgroup"], measure="RR", method="IV")
    q_within = sum(r.heterogeneity.q for _, r in res.subgroups)
    assert res.difference is not None
    assert res.difference.q == pytest.approx(res.overall.heterogeneity.q - q_within, rel=1e-10)


# --------------------------------------------------------------------------------------------
# Sensitivity analyses (behaviour; numbers are checked against R in test_pooling_golden.py)
# --------------------------------------------------------------------------------------------


def test_leave_one_out_steps() -> None:
    fx = fixture("magnesium_li2007")
    steps = leave_one_out(*tables(fx), labels=fx["study"], measure="OR")
    assert [s.omitted for s in steps] == fx["study"]
    assert all(s.result.k == len(fx["study"]) - 1 for s in steps)
    isis = steps[fx["study"].index("ISIS-4")]
    full = pool(*tables(fx), measure="OR")
    assert isis.result.estimate < full.estimate  # ISIS-4 pulls the pooled OR towards 1
    json.dumps(isis.to_dict(), allow_nan=False)


def test_cumulative_order_is_by_key_and_stable() -> None:
    a, n1, c, n2 = [1, 2, 3], [10, 10, 10], [2, 2, 2], [10, 10, 10]
    steps = cumulative(a, n1, c, n2, labels=["x", "y", "z"], order=[2001, 1999, 2001])
    assert [s.added for s in steps] == ["y", "x", "z"]
    assert [s.index for s in steps] == [1, 0, 2]
    assert [s.result.k for s in steps] == [1, 2, 3]
    assert steps[-1].result.estimate == pytest.approx(pool(a, n1, c, n2).estimate, rel=1e-14)
    assert [s.added for s in cumulative(a, n1, c, n2, labels=["x", "y", "z"])] == ["x", "y", "z"]


def test_egger_needs_three_studies_and_distinct_ses() -> None:
    few = egger_test([1, 2], [10, 10], [2, 3], [10, 10])
    assert few.reason is not None and "at least 3" in few.reason and math.isnan(few.p)
    same = egger_test([2, 2, 2], [10, 10, 10], [3, 3, 3], [10, 10, 10])
    assert same.reason is not None and "same standard error" in same.reason
    fx = fixture("magnesium_li2007")
    res = egger_test(*tables(fx), measure="OR")
    assert res.reason is None and res.df == 20 and res.k == 22
    json.dumps(res.to_dict(), allow_nan=False)
