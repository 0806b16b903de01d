"""Property-based invariants of the pooling engine (hypothesis)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evireg.stats import PoolResult, pool, pool_batch

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# (measure, method, model, tau2_method)
CONFIGS = [
    ("OR", "MH", "fixed", "DL"),
    ("RR", "MH", "fixed", "DL"),
    ("RD", "MH", "fixed", "DL"),
    ("OR", "MH", "random", "DL"),
    ("RR", "IV", "random", "REML"),
    ("RD", "IV", "random", "PM"),
    ("OR", "IV", "fixed", "DL"),
    ("OR", "Peto", "fixed", "DL"),
]

Table = tuple[int, int, int, int]


@st.composite
def table(draw: st.DrawFn, zero_free: bool = False) -> Table:
    n1 = draw(st.integers(2 if zero_free else 1, 300))
    n2 = draw(st.integers(2 if zero_free else 1, 300))
    lo = 1 if zero_free else 0
    a = draw(st.integers(lo, n1 - lo))
    c = draw(st.integers(lo, n2 - lo))
    return a, n1, c, n2


tables_st = st.lists(table(), min_size=1, max_size=8)
config_st = st.sampled_from(CONFIGS)


def run(tabs: list[Table], cfg: tuple[str, str, str, str], **kw: Any) -> PoolResult:
    a, n1, c, n2 = (list(x) for x in zip(*tabs, strict=True)) if tabs else ([], [], [], [])
    m, meth, mod, t2 = cfg
    return pool(a, n1, c, n2, measure=m, method=meth, model=mod, tau2_method=t2, **kw)


def same(x: float, y: float, rel: float = 1e-9, abs_: float = 1e-12) -> bool:
    if math.isnan(x) or math.isnan(y):
        return math.isnan(x) and math.isnan(y)
    return math.isclose(x, y, rel_tol=rel, abs_tol=abs_)


@SETTINGS
@given(tabs=tables_st, cfg=config_st, data=st.data())
def test_study_order_does_not_matter(tabs: list[Table], cfg: Any, data: st.DataObject) -> None:
    perm = data.draw(st.permutations(range(len(tabs))))
    r1 = run(tabs, cfg)
    r2 = run([tabs[i] for i in perm], cfg)
    assert r1.k == r2.k
    for key in ("log_estimate", "se", "ci_low", "ci_high", "p"):
        assert same(getattr(r1, key), getattr(r2, key)), key
    for key in ("q", "tau2", "i2"):
        assert same(getattr(r1.heterogeneity, key), getattr(r2.heterogeneity, key), abs_=1e-9), key
    w1 = [r1.studies[i].weight for i in perm]
    w2 = [s.weight for s in r2.studies]
    for x, y in zip(w1, w2, strict=True):
        assert (x is None and y is None) or (
            x is not None and y is not None and same(x, y, abs_=1e-9)
        )


@SETTINGS
@given(tabs=tables_st, cfg=config_st)
def test_swapping_arms_inverts_ratios_and_negates_differences(tabs: list[Table], cfg: Any) -> None:
    r1 = run(tabs, cfg)
    r2 = run([(c, n2, a, n1) for a, n1, c, n2 in tabs], cfg)
    assert r1.k == r2.k
    if r1.k == 0:
        return
    assert same(r1.log_estimate, -r2.log_estimate, abs_=1e-10)
    assert same(r1.se, r2.se)
    if cfg[0] == "RD":
        assert same(r1.estimate, -r2.estimate, abs_=1e-10)
        assert same(r1.ci_low, -r2.ci_high, abs_=1e-10)
    else:
        assert same(r1.estimate, 1.0 / r2.estimate)
        assert same(r1.ci_low, 1.0 / r2.ci_high)
        assert same(r1.ci_high, 1.0 / r2.ci_low)
    assert same(r1.heterogeneity.q, r2.heterogeneity.q, abs_=1e-9)
    assert same(r1.heterogeneity.tau2, r2.heterogeneity.tau2, abs_=1e-9)
    assert same(r1.p, r2.p)


@SETTINGS
@given(t=table(), cfg=config_st)
def test_single_study_returns_its_own_estimate_and_ci(t: Table, cfg: Any) -> None:
    res = run([t], cfg)
    s = res.studies[0]
    if s.excluded is not None:
        assert res.k == 0 and math.isnan(res.estimate)
        return
    assert res.k == 1
    assert same(res.estimate, s.estimate, rel=1e-12)
    assert same(res.ci_low, s.ci_low, rel=1e-12)
    assert same(res.ci_high, s.ci_high, rel=1e-12)
    assert s.weight == 100.0
    assert res.heterogeneity.q == 0.0 and res.heterogeneity.df == 0


@SETTINGS
@given(t=table(), copies=st.integers(2, 6), cfg=config_st)
def test_identical_studies_have_no_heterogeneity(t: Table, copies: int, cfg: Any) -> None:
    res = run([t] * copies, cfg)
    if res.k == 0:
        return
    assert res.heterogeneity.i2 == 0.0
    assert res.heterogeneity.tau2 == 0.0
    assert abs(res.heterogeneity.q) < 1e-9
    assert all(s.weight is not None and same(s.weight, 100.0 / copies) for s in res.studies)


@SETTINGS
@given(tabs=tables_st, cfg=config_st)
def test_weights_sum_to_100(tabs: list[Table], cfg: Any) -> None:
    res = run(tabs, cfg)
    ws = [s.weight for s in res.studies if s.weight is not None]
    assert len(ws) == res.k
    if res.k:
        assert math.isclose(sum(ws), 100.0, rel_tol=1e-12)
        assert all(w >= 0 for w in ws)


BATCH_CONFIGS = [
    (m, meth, mod)
    for m in ("OR", "RR", "RD")
    for meth in ("MH", "IV")
    for mod in ("fixed", "random")
] + [("OR", "Peto", "fixed")]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    metas=st.lists(st.lists(table(), min_size=0, max_size=7), min_size=1, max_size=6),
    cfg=st.sampled_from(BATCH_CONFIGS),
)
def test_batch_equals_one_at_a_time(metas: list[list[Table]], cfg: Any) -> None:
    m, kmax = len(metas), max(1, max(len(t) for t in metas))
    arr = np.full((4, m, kmax), np.nan)  # masked-out cells hold NaN on purpose
    mask = np.zeros((m, kmax), dtype=bool)
    for i, tabs in enumerate(metas):
        for j, t in enumerate(tabs):
            arr[:, i, j] = t
            mask[i, j] = True
    measure, method, model = cfg
    b = pool_batch(
        arr[0], arr[1], arr[2], arr[3], mask, measure=measure, method=method, model=model
    )
    for i, tabs in enumerate(metas):
        r = run(tabs, (measure, method, model, "DL"))
        assert b.k[i] == r.k
        pairs = [
            (b.estimate[i], r.estimate),
            (b.ci_low[i], r.ci_low),
            (b.ci_high[i], r.ci_high),
            (b.log_estimate[i], r.log_estimate),
            (b.se[i], r.se),
            (b.z[i], r.z),
            (b.p[i], r.p),
            (b.q[i], r.heterogeneity.q),
            (b.q_p[i], r.heterogeneity.p),
            (b.i2[i], r.heterogeneity.i2),
            (b.tau2[i], r.heterogeneity.tau2),
        ]
        for x, y in pairs:
            assert same(float(x), float(y), rel=1e-9, abs_=1e-10), (i, x, y)
        assert b.df[i] == r.heterogeneity.df
