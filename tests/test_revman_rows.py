"""Every study row RevMan printed in six Cochrane reviews reproduces from its own data.

For each analysis the measure (dichotomous OR, RR, RD or Peto OR; continuous MD or SMD; generic
inverse variance shown exponentiated or not; O - E as a Peto hazard ratio) and the CI level
(95, 99 or 90%) are not in the file: they are inferred as the one combination under which ALL of
the analysis's rows reproduce.  A row reproduces when its printed Mean, CI start and CI end equal
evireg's values rounded to the printed precision (6 decimals, trailing zeros dropped).
"""

from __future__ import annotations

import numpy as np
import pytest

from evireg.stats.continuous import generic_effects, level_z, md_effects, oe_effects, smd_effects
from evireg.stats.effects import study_intervals

from .cochrane_rows import FILES, Row, by_analysis, computed, fit, read_rows, reproduces

# rows that no single (measure, level) of their analysis reproduces, with the reason
KNOWN_MISSES: dict[tuple[str, str, str], str] = {}


@pytest.mark.parametrize("name", FILES)
def test_every_printed_row_reproduces(name: str) -> None:
    rows = read_rows(name)
    assert rows
    missed: list[str] = []
    for analysis, group in by_analysis(rows).items():
        best = fit(group)
        assert best is not None
        measure, level, miss = best
        for r in miss:
            key = (name, analysis, r.study)
            if key not in KNOWN_MISSES:
                missed.append(
                    f"{name}:{r.line} analysis {analysis} {r.study} ({measure}, {level:.0%}): "
                    f"printed {r.printed}, computed {computed(r, measure, level)}"
                )
    reproduced = len(rows) - len(missed)
    assert not missed, f"{reproduced}/{len(rows)} rows reproduce; misses:\n" + "\n".join(missed)


# rows per file (all must reproduce): a changed file or a lost row shows here
ROW_COUNTS = {
    "CD000478_pub5.csv": 42,
    "CD001909_pub4.csv": 133,
    "CD003511_pub6.csv": 48,
    "CD007572_pub4.csv": 71,
    "CD015087_pub2.csv": 113,
    "CD015711_pub2.csv": 15,
}


def test_row_counts_and_fitted_levels() -> None:
    assert {n: len(read_rows(n)) for n in FILES} == ROW_COUNTS
    levels = {fit(g)[1] for g in by_analysis(read_rows("CD001909_pub4.csv")).values()}  # type: ignore[index]
    assert levels == {0.95, 0.99}  # the review printed some analyses with 99% CIs


def _row(name: str, analysis: str, study: str) -> Row:
    return next(r for r in read_rows(name) if r.analysis == analysis and r.study == study)


def test_rd_zero_cell_estimate_is_raw_and_double_zero_is_zero() -> None:
    hawthorne = _row("CD000478_pub5.csv", "7.1", "Hawthorne 1992")  # 2/38 vs 0/39
    assert hawthorne.printed == (0.052632, -0.031599, 0.136862)
    assert reproduces(hawthorne, "RD", 0.95)
    sood = _row("CD000478_pub5.csv", "7.1", "Sood 2002")  # 0/17 vs 0/18
    assert sood.printed[0] == 0 and reproduces(sood, "RD", 0.95)


def test_rd_mantel_haenszel_weights_use_raw_counts() -> None:
    from evireg.stats import pool

    rows = [r for r in read_rows("CD000478_pub5.csv") if r.analysis == "7.1"][1:4]  # AZA vs placebo
    res = pool(*([r.data[j] for r in rows] for j in range(4)), measure="RD", method="MH")
    assert [round(s.weight or 0.0, 6) for s in res.studies] == [47.535042, 30.872117, 21.592841]


def test_rr_keeps_a_study_with_all_events_in_both_arms() -> None:
    from evireg.stats import pool

    gupta = _row("CD015087_pub2.csv", "4.6", "Gupta 2008")  # 20/20 vs 20/20
    assert gupta.printed == (1.0, 0.909861, 1.099068) and reproduces(gupta, "RR", 0.95)
    nnaji = _row("CD015087_pub2.csv", "3.9", "Nnaji 2017")  # 29/29 vs 28/28: raw ratio 1
    assert reproduces(nnaji, "RR", 0.95)
    res = pool([20], [20], [20], [20], measure="RR", labels=["Gupta 2008"])
    assert res.k == 1 and res.studies[0].excluded is None and res.studies[0].corrected
    for measure, method in (("OR", "MH"), ("OR", "Peto")):
        out = pool([20], [20], [20], [20], measure=measure, method=method, labels=["Gupta 2008"])
        assert out.k == 0 and "all participants had events" in (out.studies[0].excluded or "")


def _arr(*xs: float) -> np.ndarray:
    return np.array([xs], dtype=np.float64)


def test_smd_is_revman_hedges_g() -> None:
    m1, sd1, n1, m2, sd2, n2 = 10.0, 2.0, 20.0, 8.0, 3.0, 25.0
    s = np.sqrt((19 * 4 + 24 * 9) / 43)
    g = (m1 - m2) / s * (1 - 3 / (4 * 45 - 9))
    eff = smd_effects(*(_arr(x) for x in (m1, sd1, n1, m2, sd2, n2)))
    assert eff.yi[0, 0] == pytest.approx(g, rel=1e-14)
    assert eff.vi[0, 0] == pytest.approx(1 / 20 + 1 / 25 + g * g / (2 * (45 - 3.94)), rel=1e-14)


def test_md_and_smd_invariants() -> None:
    rng = np.random.default_rng(14)
    m1, m2 = rng.normal(size=(2, 50))
    sd1, sd2 = rng.uniform(0.5, 3, size=(2, 50))
    n1, n2 = rng.integers(2, 200, size=(2, 50)).astype(np.float64)
    for fn in (md_effects, smd_effects):
        fwd = fn(m1[None], sd1[None], n1[None], m2[None], sd2[None], n2[None])
        rev = fn(m2[None], sd2[None], n2[None], m1[None], sd1[None], n1[None])
        np.testing.assert_allclose(rev.yi, -fwd.yi, rtol=1e-14)
        np.testing.assert_allclose(rev.vi, fwd.vi, rtol=1e-14)
    k = 7.3
    base = smd_effects(m1[None], sd1[None], n1[None], m2[None], sd2[None], n2[None])
    scaled = smd_effects(k * m1[None], k * sd1[None], n1[None], k * m2[None], k * sd2[None], n2[None])
    np.testing.assert_allclose(scaled.yi, base.yi, rtol=1e-12)
    np.testing.assert_allclose(scaled.vi, base.vi, rtol=1e-12)


def test_generic_and_oe_effects() -> None:
    est, se = np.log(0.8), 0.1
    eff = generic_effects(_arr(est, np.nan), _arr(se, np.nan))
    assert eff.yi[0, 0] == est and eff.vi[0, 0] == pytest.approx(0.01, rel=1e-15)
    assert eff.status[0, 1] == 4 and np.isnan(eff.yi[0, 1])  # ABSENT
    lo, _ = study_intervals(eff.yi, eff.vi, level_z(0.95))
    assert np.exp(lo[0, 0]) == pytest.approx(0.8 * np.exp(-1.959963984540054 * 0.1), rel=1e-14)
    oe = oe_effects(_arr(-3.0), _arr(12.0))
    assert oe.yi[0, 0] == -0.25 and oe.vi[0, 0] == pytest.approx(1 / 12, rel=1e-15)


def test_level_quantiles_are_exact() -> None:
    assert level_z(0.95) == pytest.approx(1.959963984540054, rel=1e-15)
    assert level_z(0.99) == pytest.approx(2.5758293035489004, rel=1e-15)
    assert level_z(0.90) == pytest.approx(1.6448536269514722, rel=1e-15)
    with pytest.raises(ValueError, match="level"):
        level_z(95)


def test_bad_input_is_refused_with_row_and_field() -> None:
    from evireg.stats.continuous import InputProblems, check_continuous, check_generic, check_oe

    check_continuous([(1.0, 1.0, 10, 0.0, 2.0, 12)], file="x.csv")
    with pytest.raises(InputProblems) as exc:
        check_continuous(
            [(1.0, 0.0, 10, 0.0, 2.0, 12), (1.0, 1.0, 1, float("nan"), -1.0, 12)],
            file="x.csv",
            lines=[2, 3],
        )
    msg = str(exc.value)
    assert "x.csv:2: sd_treat: an SD must be > 0" in msg
    assert "x.csv:3: n_treat: an arm needs n >= 2" in msg
    assert "x.csv:3: mean_ctrl: missing" in msg and "x.csv:3: sd_ctrl: an SD must be > 0" in msg
    assert len(exc.value.problems) == 4
    check_generic([(0.5, 0.1)], ratio=True, natural_scale=True)
    with pytest.raises(InputProblems) as exc:
        check_generic([(0.0, 0.1), (1.2, 0.0), (1.2, float("nan"))], ratio=True, natural_scale=True)
    msg = str(exc.value)
    assert "input:1: estimate: a ratio estimate must be > 0" in msg
    assert "input:2: se: an SE must be a finite number > 0" in msg and "input:3: se: missing" in msg
    check_generic([(-0.3, 0.1)], ratio=True, natural_scale=False)  # a log ratio may be negative
    with pytest.raises(ValueError, match="input:1: variance: a variance must be a finite number > 0"):
        check_oe([(1.0, 0.0)])
