"""Continuous and generic pooling against an independent 50-digit reference (issue 14).

metafor cannot run here (no R), so ``evireg.stats.pool_generic`` on the per-study effects of
``md_effects``/``smd_effects``/``generic_effects`` is compared with tests/reference_meta.py, the
textbook formulas in mpmath.  The reference is itself shown right in tests/test_reference_meta.py:
it reproduces, to their printed digits, published results (metafor's test suite and Viechtbauer
2010 on BCG, Collins 1985, Raudenbush 1985 and Normand 1999; RevMan's printed MD and SMD rows).

Tolerances: 1e-8 relative for every number (estimate, CI, SE, z, P, Q and its P, I2 both ways,
H, tau2, the HKSJ interval, both prediction intervals) with an absolute floor of 1e-12 for exact
zeros (tau2 truncated at 0, I2 of 0); 1e-6 relative for the Q-profile CI of tau2.  Fixtures:
fixtures/pooling/continuous/ (real data, sources in its README), at levels 90/95/99, fixed and
random effects, DL/REML/PM, with and without HKSJ, plus synthetic edge cases.  Last, hypothesis
checks two invariants: swapping the arms negates MD, SMD and the pooled result; scaling every
mean and SD by c > 0 leaves SMD unchanged and scales MD by c (tau2 by c^2).
"""

from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evireg.stats import PoolResult, pool_generic
from evireg.stats.continuous import generic_effects, md_effects, smd_effects

from . import reference_meta as ref
from .reference_meta import MP, num

ROOT = Path(__file__).resolve().parents[1]
CONTINUOUS = ROOT / "fixtures" / "pooling" / "continuous"

REL, ABS, REL_TAU2_CI = 1e-8, 1e-12, 1e-6
LEVELS = ("0.90", "0.95", "0.99")
# (model, tau2 method, HKSJ); tau2 (and I2 from it) is reported under fixed effects too
CONFIGS = [
    ("fixed", "DL", False),
    ("fixed", "REML", False),
    ("fixed", "PM", False),
    ("random", "DL", False),
    ("random", "DL", True),
    ("random", "REML", False),
    ("random", "REML", True),
    ("random", "PM", False),
    ("random", "PM", True),
]
ARM_FIELDS = ("mean_treat", "sd_treat", "n_treat", "mean_ctrl", "sd_ctrl", "n_ctrl")


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


# ---- the datasets: (yi, vi) as evireg computes them and as the reference does --------------


def evireg_effects(rows: list[dict[str, str]], measure: str) -> tuple[np.ndarray, np.ndarray]:
    if measure == "GIV":
        est, se = (np.array([[float(r[f]) for r in rows]]) for f in ("estimate", "se"))
        eff = generic_effects(est, se)
    else:
        cols = [np.array([[float(r[f]) for r in rows]]) for f in ARM_FIELDS]
        eff = (md_effects if measure == "MD" else smd_effects)(*cols)
    return eff.yi[0], eff.vi[0]


def reference_effects(rows: list[dict[str, str]], measure: str) -> tuple[list[Any], list[Any]]:
    """From the CSV's decimal strings, exactly: independent of evireg's float arithmetic."""
    if measure == "GIV":
        return [num(r["estimate"]) for r in rows], [num(r["se"]) ** 2 for r in rows]
    fn = ref.mean_difference if measure == "MD" else ref.hedges_g
    pairs = [fn(*(num(r[f]) for f in ARM_FIELDS)) for r in rows]
    return [p[0] for p in pairs], [p[1] for p in pairs]


def fixture_cases() -> list[tuple[str, str]]:
    out = []
    for path in sorted(CONTINUOUS.glob("*.csv")):
        measures = ("GIV",) if path.stem.endswith("_generic") else ("MD", "SMD")
        out += [(path.stem, m) for m in measures]
    return out


# synthetic (yi, vi) edge cases, as decimal strings
EDGE_CASES: dict[str, tuple[list[str], list[str]]] = {
    # Q far below its df: every estimator truncates tau2 at 0; the Q-profile lower bound is 0
    "tau2_truncated": (["0.10", "0.12", "0.11", "0.09", "0.105"], ["0.04", "0.05", "0.03", "0.06", "0.045"]),
    # Q in the hundreds of thousands: P of Q underflows, I2 -> 100, tau2 >> every vi
    "huge_heterogeneity": (
        ["-3.2", "0.5", "4.1", "9.7", "-6.3", "2.2"],
        ["0.0001", "0.0004", "0.00025", "0.001", "0.0003", "0.0005"],
    ),
    # k = 2: HKSJ on 1 df, the normal prediction interval but no t one (needs k >= 3)
    "k2": (["0.3", "-0.1"], ["0.02", "0.05"]),
    # k = 2 with Q above its df
    "k2_heterogeneous": (["0.9", "-0.4"], ["0.01", "0.02"]),
}


# ---- comparison -----------------------------------------------------------------------------


def _close(got: float, want: Any, rel: float) -> bool:
    w = float(want)
    return math.isfinite(got) and abs(got - w) <= rel * abs(w) + ABS


def mismatches(res: PoolResult, want: ref.Analysis) -> list[str]:
    het = res.heterogeneity
    pairs: list[tuple[str, float | None, Any, float]] = [
        ("estimate", res.estimate, want.estimate, REL),
        ("ci_low", res.ci_low, want.ci_low, REL),
        ("ci_high", res.ci_high, want.ci_high, REL),
        ("se", res.se, want.se, REL),
        ("z", res.z, want.z, REL),
        ("p", res.p, want.p, REL),
        ("q", het.q, want.q, REL),
        ("q_p", het.p, want.q_p, REL),
        ("i2", het.i2, want.i2, REL),
        ("h", het.h, want.h, REL),
        ("tau2", het.tau2, want.tau2, REL),
        ("i2_tau2", het.i2_tau2, want.i2_tau2, REL),
    ]
    for name, got_pair, want_pair, rel in (
        ("tau2_ci", het.tau2_ci, want.tau2_ci, REL_TAU2_CI),
        ("prediction_interval", res.prediction_interval, want.prediction_interval, REL),
        ("prediction_interval_normal", res.prediction_interval_normal, want.prediction_interval_normal, REL),
    ):
        if (got_pair is None) != (want_pair is None):
            return [f"{name}: got {got_pair}, want {want_pair}"]
        if got_pair is not None and want_pair is not None:
            pairs += [(f"{name}[{i}]", got_pair[i], want_pair[i], rel) for i in (0, 1)]
    bad = [f"t_df: got {res.t_df}, want {want.t_df}"] if res.t_df != want.t_df else []
    for name, got, exp, rel in pairs:
        if exp is None:
            if got is not None and not math.isnan(got):
                bad.append(f"{name}: got {got}, want undefined")
        elif got is None or not _close(got, exp, rel):
            bad.append(f"{name}: got {got!r}, want {MP.nstr(exp, 17)}")
    return bad


def check_all_configs(
    yi: np.ndarray, vi: np.ndarray, y_ref: list[Any], v_ref: list[Any], measure: str, level: str
) -> None:
    failures = []
    for model, tau2_method, hksj in CONFIGS:
        got = pool_generic(
            yi, vi, measure=measure, model=model, tau2_method=tau2_method, hksj=hksj, level=float(level)
        )
        want = ref.analyse(y_ref, v_ref, model=model, tau2_method=tau2_method, hksj=hksj, level=level)
        failures += [f"{model}/{tau2_method}/hksj={hksj}: {m}" for m in mismatches(got, want)]
    assert not failures, "\n".join(failures)


# ---- evireg against the reference -----------------------------------------------------------


@pytest.mark.parametrize(("name", "measure"), fixture_cases())
def test_study_effects_match_reference(name: str, measure: str) -> None:
    rows = read_csv(CONTINUOUS / f"{name}.csv")
    yi, vi = evireg_effects(rows, measure)
    y_ref, v_ref = reference_effects(rows, measure)
    for got, want in zip([*yi, *vi], [*y_ref, *v_ref], strict=True):
        assert float(got) == pytest.approx(float(want), rel=1e-13)


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize(("name", "measure"), fixture_cases())
def test_pool_generic_matches_reference(name: str, measure: str, level: str) -> None:
    rows = read_csv(CONTINUOUS / f"{name}.csv")
    yi, vi = evireg_effects(rows, measure)
    y_ref, v_ref = reference_effects(rows, measure)
    check_all_configs(yi, vi, y_ref, v_ref, "MD" if measure == "GIV" else measure, level)


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("name", sorted(EDGE_CASES))
def test_edge_cases_match_reference(name: str, level: str) -> None:
    y, v = EDGE_CASES[name]
    yi, vi = np.array([float(x) for x in y]), np.array([float(x) for x in v])
    check_all_configs(yi, vi, [num(x) for x in y], [num(x) for x in v], "MD", level)


def test_edge_cases_are_what_they_claim() -> None:
    def run(name: str, **kw: Any) -> PoolResult:
        y, v = EDGE_CASES[name]
        return pool_generic([float(x) for x in y], [float(x) for x in v], **kw)

    for method in ("DL", "REML", "PM"):
        res = run("tau2_truncated", model="random", tau2_method=method)
        assert res.heterogeneity.tau2 == 0.0 and res.heterogeneity.tau2_ci is not None
        assert res.heterogeneity.tau2_ci[0] == 0.0
    huge = run("huge_heterogeneity", model="random", tau2_method="REML")
    assert huge.heterogeneity.q > 1e5 and huge.heterogeneity.i2 > 99.99
    k2 = run("k2", model="random", tau2_method="DL", hksj=True)
    assert k2.t_df == 1 and k2.prediction_interval is None and k2.prediction_interval_normal is not None


# ---- invariants (hypothesis) ----------------------------------------------------------------

INVARIANTS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
Arm = tuple[float, float, int]


@st.composite
def trials(draw: st.DrawFn) -> list[tuple[Arm, Arm]]:
    def arm() -> Arm:
        return (
            draw(st.floats(-50, 50, allow_nan=False)),
            draw(st.floats(0.5, 30, allow_nan=False)),
            draw(st.integers(2, 300)),
        )

    return [(arm(), arm()) for _ in range(draw(st.integers(2, 7)))]


def _pool(data: list[tuple[Arm, Arm]], measure: str, opts: dict[str, Any]) -> tuple[np.ndarray, PoolResult]:
    cols = [np.array([[float(t[arm][j]) for t in data]]) for arm in (0, 1) for j in range(3)]
    eff = (md_effects if measure == "MD" else smd_effects)(*cols)
    return eff.yi[0], pool_generic(eff.yi[0], eff.vi[0], measure=measure, **opts)


OPTIONS = st.fixed_dictionaries(
    {"model": st.just("random"), "tau2_method": st.sampled_from(["DL", "REML", "PM"]), "hksj": st.booleans()}
)


@INVARIANTS
@given(data=trials(), opts=OPTIONS)
def test_swapping_arms_negates_md_and_smd(data: list[tuple[Arm, Arm]], opts: dict[str, Any]) -> None:
    swapped = [(c, t) for t, c in data]
    for measure in ("MD", "SMD"):
        y, fwd = _pool(data, measure, opts)
        y_rev, rev = _pool(swapped, measure, opts)
        np.testing.assert_allclose(y_rev, -y, rtol=1e-14)
        approx = pytest.approx
        assert rev.estimate == approx(-fwd.estimate, rel=1e-9, abs=1e-12)
        assert (rev.ci_low, rev.ci_high) == approx((-fwd.ci_high, -fwd.ci_low), rel=1e-9, abs=1e-12)
        assert rev.heterogeneity.tau2 == approx(fwd.heterogeneity.tau2, rel=1e-9, abs=1e-15)
        assert rev.heterogeneity.q == approx(fwd.heterogeneity.q, rel=1e-9, abs=1e-12)
        assert rev.p == approx(fwd.p, rel=1e-9, abs=1e-15)


@INVARIANTS
@given(data=trials(), opts=OPTIONS, c=st.floats(0.01, 100))
def test_scaling_means_and_sds(data: list[tuple[Arm, Arm]], opts: dict[str, Any], c: float) -> None:
    """Means and SDs times c > 0: SMD (per study and pooled) unchanged; MD times c, tau2 times c^2."""
    scaled = [tuple((m * c, sd * c, n) for m, sd, n in t) for t in data]
    approx = pytest.approx
    y, base = _pool(data, "SMD", opts)
    y_c, res = _pool(scaled, "SMD", opts)  # type: ignore[arg-type]
    np.testing.assert_allclose(y_c, y, rtol=1e-12, atol=1e-14)
    for got, want in ((res.estimate, base.estimate), (res.ci_low, base.ci_low), (res.ci_high, base.ci_high)):
        assert got == approx(want, rel=1e-7, abs=1e-9)
    assert res.heterogeneity.tau2 == approx(base.heterogeneity.tau2, rel=1e-7, abs=1e-9)
    y, base = _pool(data, "MD", opts)
    y_c, res = _pool(scaled, "MD", opts)  # type: ignore[arg-type]
    np.testing.assert_allclose(y_c, c * y, rtol=1e-12, atol=1e-12 * c)
    for got, want in ((res.estimate, base.estimate), (res.ci_low, base.ci_low), (res.ci_high, base.ci_high)):
        assert got == approx(c * want, rel=1e-7, abs=1e-9 * c)
    assert res.heterogeneity.tau2 == approx(c * c * base.heterogeneity.tau2, rel=1e-7, abs=1e-9 * c * c)
