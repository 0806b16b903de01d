"""GRADE suggestions and absolute effects against hand computations."""

from __future__ import annotations

import math

import pytest
from scipy.optimize import brentq
from scipy.stats import norm

from evireg.review.certainty import (
    Downgrade,
    corresponding_risk,
    optimal_information_size,
    per_1000,
    rating_after,
    suggest,
)
from evireg.stats import pool, pool_continuous


def test_corresponding_risks_follow_the_handbook_formulas() -> None:
    # ACR 30%, OR 2: 2 x 0.3 / (1 - 0.3 + 2 x 0.3) = 0.6 / 1.3
    assert math.isclose(corresponding_risk("OR", 0.3, 2.0), 0.6 / 1.3)
    assert math.isclose(corresponding_risk("RR", 0.3, 0.5), 0.15)
    assert math.isclose(corresponding_risk("RD", 0.3, -0.1), 0.2)
    assert per_1000("OR", 0.3, 2.0, 1.5, 3.0) == (300, 462, 391, 562)
    with pytest.raises(ValueError):
        corresponding_risk("MD", 0.3, 1.0)


@pytest.mark.parametrize("acr", [0.05, 0.2, 0.3, 0.6])
def test_optimal_information_size_is_the_sample_size_of_80_percent_power(acr: float) -> None:
    p2 = acr * 0.75

    # power of a two-sided 5% z test of two proportions with n per arm, solved for 0.80
    def power(n: float) -> float:
        se = math.sqrt((acr * (1 - acr) + p2 * (1 - p2)) / n)
        return float(norm.cdf(abs(acr - p2) / se - norm.ppf(0.975))) - 0.80

    n = brentq(power, 2, 1e7)
    assert optimal_information_size(acr) == 2 * math.ceil(n - 1e-9)


def test_ratings_step_down_and_stop_at_very_low() -> None:
    d = [Downgrade("risk_of_bias", 1, ""), Downgrade("imprecision", 2, "")]
    assert rating_after("high", d) == "very low"
    assert rating_after("high", d[:1]) == "moderate"
    assert rating_after("low", d) == "very low"


def test_consistent_precise_trials_at_low_risk_stay_high() -> None:
    res = pool(
        [40, 42, 38], [100, 100, 100], [20, 22, 19], [100, 100, 100], measure="RR", labels=["a", "b", "c"]
    )
    c = suggest(
        res, ratio=True, participants=600, acr=0.2, overall_rob=dict.fromkeys("abc", "low"), egger=None
    )
    levels = {d.domain: d.levels for d in c.domains}
    assert levels["imprecision"] == 1  # 600 < the OIS for 20% (1,806)
    assert "optimal information size of 1806" in next(
        d.reason for d in c.domains if d.domain == "imprecision"
    )
    assert levels["risk_of_bias"] == 0 and levels["inconsistency"] == 0 and c.rating == "moderate"
    assert c.symbols == "⊕⊕⊕◯"


def test_heterogeneous_high_risk_imprecise_evidence_goes_to_very_low() -> None:
    res = pool(
        [40, 5, 30, 2],
        [50, 50, 50, 50],
        [5, 40, 10, 30],
        [50, 50, 50, 50],
        measure="OR",
        model="random",
        labels=["a", "b", "c", "d"],
    )
    assert res.heterogeneity.i2 > 75 and res.ci_low < 1 < res.ci_high
    rob = {"a": "high", "b": "high", "c": "high", "d": "low"}
    c = suggest(res, ratio=True, participants=400, acr=0.4, overall_rob=rob, egger=None)
    levels = {d.domain: d.levels for d in c.domains}
    assert levels == {
        "risk_of_bias": 2,
        "inconsistency": 2,
        "indirectness": 0,
        "imprecision": 2,
        "publication_bias": 0,
    }
    assert c.rating == "very low"
    assert "not assessable: 4 studies" in c.domains[-1].reason


def test_a_mean_difference_is_judged_on_its_own_scale() -> None:
    res = pool_continuous([10, 11], [2, 2], [50, 60], [9, 9.5], [2, 2], [50, 60], labels=["a", "b"])
    c = suggest(res, ratio=False, participants=220, acr=None, overall_rob={}, egger=None)
    imp = next(d for d in c.domains if d.domain == "imprecision")
    assert imp.levels == 0 and "excludes the null" in imp.reason
    assert c.domains[0].reason.startswith("not assessed")


@pytest.mark.parametrize(
    ("lo", "hi", "imprecision", "rating"),
    [
        (1.01, 19.81, 1, "very low"),
        (0.5, 3.0, 2, "very low"),
        (0.9, 1.2, 1, "very low"),
        (1.5, 3.0, 0, "low"),
    ],
)
def test_a_result_without_data_is_rated_from_its_published_ci(
    lo: float, hi: float, imprecision: int, rating: str
) -> None:
    from evireg.review.certainty import suggest_unverified

    c = suggest_unverified(lo, hi, ratio=True)
    levels = {d.domain: d.levels for d in c.domains}
    assert levels["risk_of_bias"] == 2 and levels["imprecision"] == imprecision and c.rating == rating
    assert "published result" in c.source
