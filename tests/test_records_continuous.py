"""Continuous and generic outcome results in study records (issue 14): the forms validate, each
defect is refused at its field path, and every derivation matches a value printed in its paper or
a closed form computed by hand here, never the function's own output."""

from __future__ import annotations

import copy
import json
import math
from pathlib import Path
from statistics import NormalDist
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from evireg.records.measures import ArmStats, EffectResult
from evireg.records.profile import Profile
from evireg.records.study import ArmResult
from evireg.registry.canonical import to_yaml
from evireg.registry.validate import load_file, validate_data
from evireg.stats import derivations as dv

from .conftest import FIXTURES, ROOT

MEASURES = FIXTURES / "registries" / "measures"
PROFILE = Profile.model_validate(yaml.safe_load((MEASURES / "evireg.yaml").read_text()))
STUDIES = sorted((MEASURES / "studies").glob("*.yaml"))
BASE: dict[str, Any] = yaml.safe_load((MEASURES / "studies" / "derived-2005.yaml").read_text())
Z95 = 1.959963984540054


def problems_of(data: dict[str, Any]) -> list[tuple[str, str]]:
    _, probs = validate_data(data, "x.yaml", kind="study", profile=PROFILE)
    return [(p.path, p.message) for p in probs]


# --- derivations, against printed values and hand-computed closed forms ----------------------


def test_sd_from_se_is_se_times_root_n() -> None:
    d = dv.sd_from_se(80, 40)
    assert d.value == pytest.approx(80 * 6.324555320336759, rel=1e-12)
    assert d.how == "SD from SE x sqrt(n) (Cochrane Handbook 6.5.2.2)"


def test_sd_from_ci_uses_t_below_60_and_normal_from_60() -> None:
    # t(0.975, 24) = 2.0638985616 (printed t tables: 2.064); the Handbook's 3.92 = 2 x 1.96 for large n
    assert dv.sd_from_ci(3.0, 5.0, 25).value == pytest.approx(5 * 2 / (2 * 2.0638985616), rel=1e-9)
    assert "t quantile on 24 df" in dv.sd_from_ci(3.0, 5.0, 25).how
    assert dv.sd_from_ci(3.0, 5.0, 100).value == pytest.approx(10 * 2 / (2 * Z95), rel=1e-12)
    assert "normal quantile" in dv.sd_from_ci(3.0, 5.0, 60).how
    # a 90% CI: z = 1.6448536
    assert dv.sd_from_ci(3.0, 5.0, 100, 90).value == pytest.approx(
        10 * 2 / (2 * 1.6448536269514722), rel=1e-12
    )
    assert dv.mean_from_ci(3.0, 5.0).value == 4.0


def test_wan_range_sd_is_close_to_the_papers_table_1() -> None:
    # Wan 2014 Table 1 prints the exact expected range of n standard normals, xi(n): 3.078 (n=10),
    # 3.735 (n=20), 4.498 (n=50); its closed form 2 Phi^-1((n - 0.375) / (n + 0.25)), used here for
    # every n, is within 0.5% of them (3.0933, 3.7365, 4.4867)
    for n, xi in ((10, 3.078), (20, 3.735), (50, 4.498)):
        assert dv.wan_sd(n, minimum=0.0, maximum=xi).value == pytest.approx(1.0, rel=5e-3)
    assert dv.wan_sd(20, minimum=0.0, maximum=3.7364833).value == pytest.approx(1.0, abs=1e-7)


def test_wan_iqr_and_both_sd_closed_forms() -> None:
    n = 40
    eta = 2 * NormalDist().inv_cdf((0.75 * n - 0.125) / (n + 0.25))
    xi = 2 * NormalDist().inv_cdf((n - 0.375) / (n + 0.25))
    assert dv.wan_sd(n, q1=10, q3=22).value == pytest.approx(12 / eta, rel=1e-12)
    both = dv.wan_sd(n, minimum=2, q1=10, q3=22, maximum=40).value
    assert both == pytest.approx(38 / (2 * xi) + 12 / (2 * eta), rel=1e-12)
    # for large n the IQR of a normal is 1.349 SDs
    assert dv.wan_sd(10**6, q1=0, q3=1.34898).value == pytest.approx(1.0, abs=1e-4)


def test_wan_and_luo_means_by_hand() -> None:
    assert dv.wan_mean(12, minimum=0, maximum=30).value == 13.5  # (0 + 24 + 30) / 4
    assert dv.wan_mean(15, q1=10, q3=22).value == pytest.approx(47 / 3)
    assert dv.wan_mean(15, minimum=0, q1=10, q3=22, maximum=30).value == 15.5  # 124 / 8
    # n = 16: n^0.75 = 8, w = 4 / 12 on the mid-range 15, 2/3 on the median 12
    assert dv.luo_mean(12, 16, minimum=0, maximum=30).value == pytest.approx(13.0, rel=1e-12)
    # n = 40: w = 0.7 + 0.39 / 40 = 0.70975 on the mid-quartile 16, 0.29025 on the median 15
    assert dv.luo_mean(15, 40, q1=10, q3=22).value == pytest.approx(15.70975, rel=1e-12)
    # n = 16: w1 = 2.2 / 10.2, w2 = 0.7 - 0.72 / 2^2.2
    w1, w2 = 2.2 / 10.2, 0.7 - 0.72 / 2**2.2
    expect = w1 * 15 + w2 * 16 + (1 - w1 - w2) * 14
    assert dv.luo_mean(14, 16, minimum=0, q1=10, q3=22, maximum=30).value == pytest.approx(expect, rel=1e-12)


def test_se_from_ci_on_the_log_scale_for_ratios() -> None:
    assert dv.se_from_ci("OR", 1.2, 2.7).value == pytest.approx(math.log(2.25) / (2 * Z95), rel=1e-12)
    assert dv.se_from_ci("MD", -1.0, 3.0).value == pytest.approx(4 / (2 * Z95), rel=1e-12)
    assert dv.se_from_ci("HR", -0.2, 0.6, log_scale=True).value == pytest.approx(0.8 / (2 * Z95), rel=1e-12)
    est, se = dv.peto_log_hr(4.2, 10.5)
    assert (est.value, se.value) == (pytest.approx(0.4), pytest.approx(10.5**-0.5))


# --- the record forms ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", STUDIES, ids=lambda p: p.name)
def test_fixture_studies_are_valid_round_trip_and_pass_the_schema(path: Path) -> None:
    rec, probs = load_file(path, profile=PROFILE)
    assert probs == [] and rec is not None, [str(p) for p in probs]
    again, probs = validate_data(yaml.safe_load(to_yaml(rec)), "x.yaml", kind="study", profile=PROFILE)
    assert probs == [] and again == rec
    schema = json.loads((ROOT / "schemas" / "study.schema.json").read_text())
    data = json.loads(json.dumps(yaml.safe_load(path.read_text()), default=str))
    assert list(Draft202012Validator(schema).iter_errors(data)) == []


def test_printed_statistics_are_kept_as_printed() -> None:
    rec, _ = validate_data(BASE, "x.yaml", kind="study", profile=PROFILE)
    assert rec is not None
    dumped = json.loads(rec.model_dump_json(by_alias=True, exclude_defaults=True))
    assert dumped["outcomes"][0]["arms"] == BASE["outcomes"][0]["arms"]  # nothing derived is stored
    assert dumped["outcomes"][0]["values"] == "change"


def test_derived_summary_says_how() -> None:
    arm = ArmResult.model_validate({"arm": "a", "n": 38, "ci_low": 2800, "ci_high": 3000})
    s = arm.summary()
    assert s.mean == 2900 and s.sd == pytest.approx(math.sqrt(38) * 200 / (2 * 2.026192463029642), rel=1e-9)
    assert s.derivation is not None and s.derivation.startswith("SD from the 95% CI")
    assert "mean as the midpoint" in s.derivation
    assert ArmResult.model_validate({"arm": "a", "n": 5, "mean": 1, "sd": 2}).summary().derivation is None


@pytest.mark.parametrize(
    ("arm", "path", "fragment"),
    [
        ({"n": 30, "mean": 3000, "sd": -1}, "sd", "greater than 0"),
        ({"n": 30, "mean": 3000, "se": 0}, "se", "greater than 0"),
        ({"n": 1, "mean": 3000, "sd": 400}, "n", "greater than or equal to 2"),
        ({"n": 30, "mean": 3000, "ci_low": 3100, "ci_high": 2900}, "ci_high", "must exceed ci_low"),
        ({"n": 30, "mean": 3500, "ci_low": 2900, "ci_high": 3100}, "mean", "outside its CI"),
        ({"n": 30, "median": 3000, "q1": 3100, "q3": 3300, "estimator": "wan2014"}, "median", "below q1"),
        ({"n": 30, "median": 3000, "q1": 2800, "q3": 2900, "estimator": "wan2014"}, "q3", "below median"),
        ({"n": 30, "mean": 3000, "min": 3500, "max": 2000, "estimator": "wan2014"}, "max", "below min"),
        ({"n": 30, "mean": 3000}, "sd", "no SD"),
        ({"n": 30, "sd": 300}, "mean", "no mean"),
        ({"n": 30, "median": 3000, "q1": 2800, "q3": 3300}, "estimator", "wan2014 | luo2018"),
        ({"n": 30, "mean": 3000, "sd": 300, "estimator": "luo2018"}, "estimator", "remove estimator"),
        ({"n": 30, "mean": 3000, "ci_low": 2900}, "ci_high", "give both"),
        ({"mean": 3000, "sd": 300}, "n", "needs n"),
    ],
)
def test_continuous_defects_are_refused_at_their_field(arm: dict[str, Any], path: str, fragment: str) -> None:
    data = copy.deepcopy(BASE)
    data["outcomes"][0]["arms"][0] = {"arm": "ivig", **arm}
    probs = problems_of(data)
    assert any(p == f"outcomes.0.arms.0.{path}" and fragment in m for p, m in probs), probs


@pytest.mark.parametrize(
    ("effect", "path", "fragment"),
    [
        ({"measure": "OR", "estimate": 0, "se": 0.2}, "effect.estimate", "positive"),
        ({"measure": "RR", "estimate": 1.5, "ci_low": -0.1, "ci_high": 2.0}, "effect.ci_low", "positive"),
        (
            {"measure": "OR", "estimate": 3.0, "ci_low": 1.2, "ci_high": 2.7},
            "effect.estimate",
            "outside its CI",
        ),
        ({"measure": "MD", "estimate": 1.0, "ci_low": 2.0, "ci_high": 0.0}, "effect.ci_high", "must exceed"),
        ({"measure": "MD", "estimate": 1.0, "se": -1}, "effect.se", "greater than 0"),
        ({"measure": "HR", "o_minus_e": 1.0, "variance": 0}, "effect.variance", "greater than 0"),
        ({"measure": "OR", "o_minus_e": 1.0, "variance": 2.0}, "effect.measure", "use measure HR"),
        ({"measure": "HR", "o_minus_e": 1.0}, "effect.variance", "needs its variance"),
        ({"measure": "MD", "estimate": 1.0, "se": 0.5, "scale": "log"}, "effect.scale", "ratio measures"),
        (
            {"measure": "OR", "estimate": 1.8, "se": 0.9, "ci_low": 1.2, "ci_high": 2.7},
            "effect.se",
            "disagrees",
        ),
        ({"measure": "OR", "estimate": 1.8}, "effect.se", "needs its se"),
        ({"measure": "OR", "se": 0.2}, "effect.estimate", "needs estimate"),
    ],
)
def test_effect_defects_are_refused_at_their_field(effect: dict[str, Any], path: str, fragment: str) -> None:
    data = copy.deepcopy(BASE)
    data["outcomes"][2]["effect"] = effect
    probs = problems_of(data)
    assert any(p == f"outcomes.2.{path}" and fragment in m for p, m in probs), probs


def test_se_printed_beside_a_consistent_ci_is_kept() -> None:
    e = EffectResult.model_validate(
        {"measure": "OR", "estimate": 1.8, "se": 0.21, "ci_low": 1.2, "ci_high": 2.7}
    )
    assert e.errors() == []
    a = e.analysis()
    assert a.se == 0.21 and a.derivation is None and a.estimate == pytest.approx(math.log(1.8))


def test_forms_must_match_the_profiles_data_type() -> None:
    data = copy.deepcopy(BASE)
    data["outcomes"][0]["outcome"] = "live_birth"  # dichotomous, given continuous arms
    data["outcomes"][2]["outcome"] = "birth_weight"  # continuous, given an effect
    probs = problems_of(data)
    assert (
        "outcomes.0.arms",
        "outcome 'live_birth' is declared dichotomous in the profile (evireg.yaml), so "
        "its result needs arms with events and total; got continuous data",
    ) in probs
    assert any(
        p == "outcomes.2.effect" and "declared continuous" in m and "arms with n and mean/sd" in m
        for p, m in probs
    ), probs
    data = copy.deepcopy(BASE)
    data["outcomes"][2]["outcome"] = "live_birth"
    data["outcomes"][2]["effect"] = {"measure": "OR", "estimate": 1.5, "se": 0.2}
    data["outcomes"][0]["outcome"] = "time_to_pregnancy"
    probs = problems_of(data)
    assert any(p == "outcomes.0.arms" and "declared generic" in m and "an effect" in m for p, m in probs), (
        probs
    )


def test_a_result_is_arms_or_an_effect() -> None:
    data = copy.deepcopy(BASE)
    del data["outcomes"][2]["effect"]
    assert ("outcomes.2.arms", "give arms (per-arm results) or effect (an effect estimate)") in problems_of(
        data
    )
    data = copy.deepcopy(BASE)
    data["outcomes"][0]["values"] = "change"
    data["outcomes"][0]["arms"] = [
        {"arm": "ivig", "events": 3, "total": 10},
        {"arm": "placebo", "events": 2, "total": 10},
    ]
    data["outcomes"][0]["outcome"] = "live_birth"
    assert any(p == "outcomes.0.values" for p, _ in problems_of(data))


# --- properties ---------------------------------------------------------------------------------


@settings(max_examples=80, deadline=None)
@given(se=st.floats(1e-6, 1e6), n=st.integers(2, 100_000))
def test_any_positive_se_and_n_derive_sd(se: float, n: int) -> None:
    arm = ArmStats.model_validate({"arm": "a", "n": n, "mean": 0.0, "se": se})
    assert arm.stat_errors() == []
    assert arm.summary().sd == pytest.approx(se * math.sqrt(n), rel=1e-12)


@settings(max_examples=80, deadline=None)
@given(est=st.floats(-1e3, 1e3), lo=st.floats(-1e3, 1e3), width=st.floats(1e-3, 1e3))
def test_a_ci_containing_the_estimate_is_accepted_else_refused(est: float, lo: float, width: float) -> None:
    e = EffectResult.model_validate({"measure": "MD", "estimate": est, "ci_low": lo, "ci_high": lo + width})
    inside = lo <= est <= lo + width
    assert (e.errors() == []) == inside
    if inside:
        assert e.analysis().se == pytest.approx(width / (2 * Z95), rel=1e-9)


@settings(max_examples=60, deadline=None)
@given(est=st.floats(0.01, 100), factor=st.floats(1.01, 20))
def test_ratio_ci_containing_the_estimate_gives_the_log_se(est: float, factor: float) -> None:
    lo, hi = est / factor, est * factor
    e = EffectResult.model_validate({"measure": "HR", "estimate": est, "ci_low": lo, "ci_high": hi})
    assert e.errors() == []
    assert e.analysis().se == pytest.approx(2 * math.log(factor) / (2 * Z95), rel=1e-6)
    outside = EffectResult.model_validate(
        {"measure": "HR", "estimate": hi * 1.5, "ci_low": lo, "ci_high": hi}
    )
    assert any(f == "estimate" for f, _ in outside.errors())
