"""The batch API against the one-at-a-time path on the fixture datasets."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pytest

from evireg.stats import pool, pool_batch

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "pooling"
NAMES = sorted(p.stem for p in FIXTURES.glob("*.csv"))


def packed() -> tuple[np.ndarray, np.ndarray, list[list[tuple[int, int, int, int]]]]:
    metas = []
    for name in NAMES:
        with open(FIXTURES / f"{name}.csv", newline="") as fh:
            metas.append(
                [
                    (
                        int(r["events_treat"]),
                        int(r["total_treat"]),
                        int(r["events_ctrl"]),
                        int(r["total_ctrl"]),
                    )
                    for r in csv.DictReader(fh)
                ]
            )
    metas.append([])  # an empty meta-analysis
    metas.append([(0, 10, 0, 12)])  # only a double-zero study
    kmax = max(len(m) for m in metas)
    arr = np.full((4, len(metas), kmax), -7.5)  # garbage where masked out
    mask = np.zeros((len(metas), kmax), dtype=bool)
    for i, m in enumerate(metas):
        for j, t in enumerate(m):
            arr[:, i, j] = t
            mask[i, j] = True
    return arr, mask, metas


@pytest.mark.parametrize(
    ("measure", "method", "model"),
    [(m, meth, mod) for m in ("OR", "RR", "RD") for meth in ("MH", "IV") for mod in ("fixed", "random")]
    + [("OR", "Peto", "fixed")],
)
def test_batch_equals_pool_on_fixtures(measure: str, method: str, model: str) -> None:
    arr, mask, metas = packed()
    b = pool_batch(*arr, mask, measure=measure, method=method, model=model)
    assert len(b) == len(metas)
    for i, m in enumerate(metas):
        cols = list(zip(*m, strict=True)) if m else [(), (), (), ()]
        r = pool(*cols, measure=measure, method=method, model=model)
        assert b.k[i] == r.k
        assert b.df[i] == r.heterogeneity.df
        for got, want in [
            (b.estimate[i], r.estimate),
            (b.ci_low[i], r.ci_low),
            (b.ci_high[i], r.ci_high),
            (b.se[i], r.se),
            (b.z[i], r.z),
            (b.p[i], r.p),
            (b.q[i], r.heterogeneity.q),
            (b.q_p[i], r.heterogeneity.p),
            (b.i2[i], r.heterogeneity.i2),
            (b.tau2[i], r.heterogeneity.tau2),
        ]:
            if math.isnan(want):
                assert math.isnan(got)
            else:
                assert got == pytest.approx(want, rel=1e-10, abs=1e-14)


def test_batch_empty_and_single_rows() -> None:
    a = np.array([[0, 0], [12, 0]])
    n1 = np.array([[10, 10], [80, 10]])
    c = np.array([[0, 0], [20, 0]])
    n2 = np.array([[10, 10], [82, 10]])
    mask = np.array([[True, False], [True, False]])
    b = pool_batch(a, n1, c, n2, mask, model="random")
    assert list(b.k) == [0, 1]
    assert math.isnan(b.estimate[0]) and math.isnan(b.q[0])
    assert b.q[1] == 0.0 and b.df[1] == 0 and b.tau2[1] == 0.0
    assert math.isnan(b.q_p[1]) and math.isnan(b.i2[1])
    single = pool([12], [80], [20], [82])
    assert b.estimate[1] == pytest.approx(single.estimate, rel=1e-12)


def test_batch_validation() -> None:
    ok = np.array([[1, 2]]), np.array([[10, 10]]), np.array([[2, 3]]), np.array([[10, 10]])
    mask = np.array([[True, True]])
    with pytest.raises(ValueError, match="meta-analysis 0, study 1: events_treat"):
        pool_batch(np.array([[1, 12]]), *ok[1:], mask)
    # an invalid entry that is masked out is ignored
    pool_batch(np.array([[1, 12]]), *ok[1:], np.array([[True, False]]))
    with pytest.raises(ValueError, match="boolean"):
        pool_batch(*ok, np.array([[1, 1]]))
    with pytest.raises(ValueError, match="share one"):
        pool_batch(*ok, np.array([[True, True, True]]))
    with pytest.raises(ValueError, match="shape"):
        pool_batch(np.array([1, 2]), *ok[1:], mask)
    with pytest.raises(ValueError, match="tau2_method='DL' only"):
        pool_batch(*ok, mask, model="random", tau2_method="REML")
    with pytest.raises(ValueError, match="fixed-effect only"):
        pool_batch(*ok, mask, method="Peto", model="random")


def _ragged(m: int, k: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    sizes = rng.integers(1, k + 1, m)
    return np.arange(k)[None, :] < sizes[:, None]


@pytest.mark.parametrize("measure", ["MD", "SMD"])
@pytest.mark.parametrize("model", ["fixed", "random"])
def test_continuous_batch_rows_equal_single_analyses(measure: str, model: str) -> None:
    from evireg.stats import pool_batch_continuous, pool_continuous

    rng = np.random.default_rng(3)
    m, k = 40, 6
    cols = [
        rng.normal(10, 2, (m, k)),
        rng.uniform(1, 3, (m, k)),
        rng.integers(2, 80, (m, k)).astype(float),
        rng.normal(9, 2, (m, k)),
        rng.uniform(1, 3, (m, k)),
        rng.integers(2, 80, (m, k)).astype(float),
    ]
    mask = _ragged(m, k, 4)
    cols[0][~mask] = np.nan  # masked-out entries may hold anything
    b = pool_batch_continuous(*cols, mask, measure=measure, model=model, hksj=model == "random", level=0.99)
    for i in range(m):
        one = pool_continuous(
            *(c[i][mask[i]] for c in cols), measure=measure, model=model, hksj=model == "random", level=0.99
        )
        for name in ("estimate", "ci_low", "ci_high", "se", "p"):
            assert np.isclose(getattr(b, name)[i], getattr(one, name), rtol=1e-10, atol=1e-13), (i, name)
        assert np.isclose(b.tau2[i], one.heterogeneity.tau2, rtol=1e-9, atol=1e-13)


def test_generic_batch_rows_equal_single_analyses() -> None:
    from evireg.stats import pool_batch_generic, pool_generic_se

    rng = np.random.default_rng(5)
    m, k = 30, 5
    est, se = rng.normal(-0.2, 0.4, (m, k)), rng.uniform(0.05, 0.6, (m, k))
    mask = _ragged(m, k, 6)
    b = pool_batch_generic(est, se, mask, measure="HR", model="random")
    for i in range(m):
        one = pool_generic_se(est[i][mask[i]], se[i][mask[i]], measure="HR", model="random")
        assert np.isclose(b.estimate[i], one.estimate, rtol=1e-10)
        assert np.isclose(b.ci_high[i], one.ci_high, rtol=1e-10)


@pytest.mark.parametrize(
    ("column", "value", "match"),
    [
        (1, 0.0, "sd_treat must be positive"),
        (2, 1.0, "n_treat must be a whole number >= 2"),
        (5, 2.5, "n_ctrl must be a whole number >= 2"),
        (0, np.inf, "mean_treat must be finite"),
    ],
)
def test_continuous_batch_refuses_bad_values(column: int, value: float, match: str) -> None:
    from evireg.stats import pool_batch_continuous

    cols = [np.full((2, 3), x) for x in (10.0, 2.0, 20.0, 9.0, 2.0, 20.0)]
    cols[column][1, 2] = value
    with pytest.raises(ValueError, match=f"meta-analysis 1, study 2: {match}"):
        pool_batch_continuous(*cols, np.ones((2, 3), dtype=bool))
    mask = np.ones((2, 3), dtype=bool)
    mask[1, 2] = False  # a masked-out bad value is ignored
    pool_batch_continuous(*cols, mask)
