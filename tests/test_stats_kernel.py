"""The statistics kernel (evireg.stats): one kernel behind pool, subgroups, sensitivity analyses,
the batch API and the SQL view; the option vocabulary; the layer's import rules."""

from __future__ import annotations

import ast
import importlib.util
import json
import math
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evireg import stats
from evireg.index.add import add_files
from evireg.index.query import run_query
from evireg.registry.layout import init_registry
from evireg.registry.paths import Registry
from evireg.stats import pool, pool_batch, pool_subgroups
from evireg.stats.backends import SCALAR
from evireg.stats.combine import combine
from evireg.stats.data import StudyData
from evireg.stats.effects import binary_effects
from evireg.stats.options import normalise_options
from evireg.stats.single import pool_rows

from .conftest import ROOT, give_profile

STATS = ROOT / "src" / "evireg" / "stats"

spec = importlib.util.spec_from_file_location("make_synthetic", ROOT / "benchmarks" / "make_synthetic.py")
assert spec and spec.loader
synthetic = importlib.util.module_from_spec(spec)
spec.loader.exec_module(synthetic)


# --------------------------------------------------------------------------------------------
# The SQL view pooled_mh_or against the kernel
# --------------------------------------------------------------------------------------------


def _first_whole_study_outcome(rec: dict[str, Any]) -> dict[str, Any]:
    out = next(o for o in rec["outcomes"] if "subgroup" not in o)
    out.pop("derivation", None)
    for arm in out["arms"]:
        arm.pop("events_formula", None)
    return out


def edge_case_studies() -> list[dict[str, Any]]:
    """Synthetic studies with a zero cell, a double zero, an all-events table and an outcome
    whose only study is a double zero (estimable by neither the view nor the kernel)."""
    rng = random.Random(12)
    recs = [synthetic.study(i, rng) for i in range(40)]
    _first_whole_study_outcome(recs[0])["arms"][0]["events"] = 0
    for arm in _first_whole_study_outcome(recs[1])["arms"]:
        arm["events"] = 0
    for arm in _first_whole_study_outcome(recs[2])["arms"]:
        arm["events"] = arm["total"]
    lone = json.loads(json.dumps(_first_whole_study_outcome(recs[3])))
    lone["outcome"] = "ectopic_pregnancy"
    for arm in lone["arms"]:
        arm["events"] = 0
    recs[3]["outcomes"].append(lone)
    return recs


@pytest.fixture(scope="module")
def edge_registry(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("kernel") / "reg"
    give_profile(init_registry(root).root)
    src = root.parent / "edge.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in edge_case_studies()))
    add_files(Registry(root), [src])
    return root


def _check_view_against_kernel(reg: Registry) -> int:
    tables = run_query(
        reg,
        "select outcome, events_treat, total_treat, events_ctrl, total_ctrl "
        "from study_outcome_2x2 order by outcome, study_id",
        max_rows=10**6,
    ).rows
    view = {
        r[0]: r
        for r in run_query(
            reg, "select outcome, k, odds_ratio, ci_low, ci_high, log_or, se, z, q from pooled_mh_or"
        ).rows
    }
    by_outcome: dict[str, list[tuple[int, ...]]] = {}
    for outcome, *counts in tables:
        by_outcome.setdefault(outcome, []).append(tuple(counts))
    pooled = {o: pool(*zip(*rows, strict=True), measure="OR", method="MH") for o, rows in by_outcome.items()}
    assert set(view) == {o for o, r in pooled.items() if r.k > 0}
    for outcome, res in pooled.items():
        if res.k == 0:
            continue
        _, k, est, lo, hi, log_or, se, z, q = view[outcome]
        assert k == res.k, outcome
        pairs = [
            ("OR", est, res.estimate),
            ("CI low", lo, res.ci_low),
            ("CI high", hi, res.ci_high),
            ("log OR", log_or, res.log_estimate),
            ("SE", se, res.se),
            ("z", z, res.z),
        ]
        for what, got, want in pairs:
            assert math.isclose(got, want, rel_tol=1e-10), (outcome, what, got, want)
        assert math.isclose(q, res.heterogeneity.q, rel_tol=1e-10, abs_tol=1e-12), (outcome, q)
    return len(pooled)


def test_sql_view_equals_the_kernel_with_zero_cells(edge_registry: Path) -> None:
    reg = Registry(edge_registry)
    assert _check_view_against_kernel(reg) == 6
    ectopic = run_query(reg, "select count(*) from study_outcome_2x2 where outcome = 'ectopic_pregnancy'")
    assert ectopic.rows == [(1,)]  # its only study is a double zero: no row in the view


def test_sql_view_equals_the_kernel_on_the_bundled_registry(bundled_copy: Path) -> None:
    assert _check_view_against_kernel(Registry(bundled_copy)) >= 1


# --------------------------------------------------------------------------------------------
# One kernel: a row's numbers do not depend on its batch
# --------------------------------------------------------------------------------------------

Table = tuple[int, int, int, int]


def same(x: float, y: float) -> bool:
    return (math.isnan(x) and math.isnan(y)) or x == y


@st.composite
def table(draw: st.DrawFn) -> Table:
    n1, n2 = draw(st.integers(0, 300)), draw(st.integers(0, 300))
    return draw(st.integers(0, n1)), n1, draw(st.integers(0, n2)), n2


CONFIGS = [
    (m, meth, mod, t2, hk)
    for m in ("OR", "RR", "RD")
    for meth in ("MH", "IV")
    for mod, t2, hk in (("fixed", "DL", False), ("random", "DL", False), ("random", "REML", True))
] + [("OR", "Peto", "fixed", "PM", False)]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    metas=st.lists(st.lists(table(), min_size=0, max_size=11), min_size=1, max_size=5),
    cfg=st.sampled_from(CONFIGS),
    level=st.sampled_from([0.9, 0.95, 0.99]),
)
def test_a_ragged_batch_gives_each_row_exactly_its_single_analysis(
    metas: list[list[Table]], cfg: tuple[str, str, str, str, bool], level: float
) -> None:
    """Bit for bit, on the kernel's single-analysis backend: rows are grouped by their number
    of estimable studies, so no sum ever runs over another row's padding."""
    measure, method, model, t2, hksj = cfg
    opts = normalise_options(measure, method, model, t2, hksj, level)
    width = max(1, max(len(t) for t in metas))
    arr = np.full((4, len(metas), width), np.nan)
    for i, tabs in enumerate(metas):
        for j, t in enumerate(tabs):
            arr[:, i, j] = t
    batch = combine(binary_effects(*arr, measure, method), opts, SCALAR)
    for i, tabs in enumerate(metas):
        cols = [list(c) for c in zip(*tabs, strict=True)] if tabs else [[], [], [], []]
        one = pool(*cols, measure=measure, method=method, model=model, tau2_method=t2, hksj=hksj, level=level)
        assert batch.k[i] == one.k
        if one.k == 0:
            assert math.isnan(batch.theta[i])
            continue
        back = math.exp if opts.ratio else float
        got = [float(batch.theta[i]), float(batch.se[i]), float(batch.z[i]), float(batch.p[i])]
        assert got == [one.log_estimate, one.se, one.z, one.p]
        assert (back(batch.ci_low[i]), back(batch.ci_high[i])) == (one.ci_low, one.ci_high)
        h = one.heterogeneity
        for x, y in ((batch.q[i], h.q), (batch.tau2[i], h.tau2), (batch.i2[i], h.i2), (batch.q_p[i], h.p)):
            assert same(float(x), y)
        weights = [s.weight for s in one.studies if s.weight is not None]
        assert batch.weight[i][~np.isnan(batch.weight[i])].tolist() == weights


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tabs=st.lists(table(), min_size=1, max_size=9), cfg=st.sampled_from(CONFIGS), data=st.data())
def test_subgroups_and_sensitivity_steps_are_exactly_single_analyses(
    tabs: list[Table], cfg: tuple[str, str, str, str, bool], data: st.DataObject
) -> None:
    measure, method, model, t2, hksj = cfg
    opts: dict[str, Any] = {
        "measure": measure,
        "method": method,
        "model": model,
        "tau2_method": t2,
        "hksj": hksj,
    }
    labels = [f"S{i}" for i in range(len(tabs))]

    def single(idx: list[int]) -> dict[str, Any]:
        cols = [[tabs[i][j] for i in idx] for j in range(4)]
        return pool(*cols, labels=[labels[i] for i in idx], **opts).to_dict()

    cols = [list(c) for c in zip(*tabs, strict=True)]
    groups = [data.draw(st.sampled_from("xy")) for _ in tabs]
    sub = pool_subgroups(*cols, groups, labels=labels, **opts)
    assert sub.overall.to_dict() == single(list(range(len(tabs))))
    for name, res in sub.subgroups:
        assert res.to_dict() == single([i for i, g in enumerate(groups) if g == name])
    for step in stats.leave_one_out(*cols, labels=labels, **opts):
        assert step.result.to_dict() == single([i for i in range(len(tabs)) if i != step.index])
    years = [data.draw(st.integers(2000, 2003)) for _ in tabs]
    order = sorted(range(len(tabs)), key=lambda i: years[i])
    for step in stats.cumulative(*cols, labels=labels, order=years, **opts):
        assert step.result.to_dict() == single(order[: step.step])


# --------------------------------------------------------------------------------------------
# The confidence level reaches every interval
# --------------------------------------------------------------------------------------------

BCG = [
    [4, 6, 3, 62, 33, 180, 8, 505, 29, 17, 186, 5, 27],
    [123, 306, 231, 13598, 5069, 1541, 2545, 88391, 7499, 1716, 50634, 2498, 16913],
    [11, 29, 11, 248, 47, 372, 10, 499, 45, 65, 141, 3, 29],
    [139, 303, 220, 12867, 5808, 1451, 629, 88391, 7277, 1665, 27338, 2341, 17854],
]


@pytest.mark.parametrize("level", [0.9, 0.95, 0.99])
def test_level_sets_study_pooled_and_prediction_intervals(level: float) -> None:
    from evireg.stats.distributions import norm_ppf, t_ppf

    z = norm_ppf(1 - (1 - level) / 2)
    res = pool(*BCG, measure="RR", method="IV", model="random", tau2_method="REML", level=level)
    assert res.level == level
    for s in res.studies:
        assert math.log(s.ci_high / s.ci_low) / 2 == pytest.approx(z * math.sqrt(s.vi), rel=1e-12)
    assert math.log(res.ci_high / res.ci_low) / 2 == pytest.approx(z * res.se, rel=1e-12)
    assert res.prediction_interval is not None
    lo, hi = res.prediction_interval
    t = t_ppf(1 - (1 - level) / 2, res.k - 2)
    assert math.log(hi / lo) / 2 == pytest.approx(
        t * math.sqrt(res.heterogeneity.tau2 + res.se**2), rel=1e-12
    )
    hk = pool(*BCG, measure="RR", method="IV", model="random", hksj=True, level=level)
    assert math.log(hk.ci_high / hk.ci_low) / 2 == pytest.approx(
        t_ppf(1 - (1 - level) / 2, 12) * hk.se, rel=1e-12
    )
    mask = np.ones((1, 13), dtype=bool)
    b = pool_batch(
        *(np.array([x]) for x in BCG), mask, measure="RR", method="IV", model="random", level=level
    )
    dl = pool(*BCG, measure="RR", method="IV", model="random", level=level)
    assert float(b.ci_low[0]) == pytest.approx(dl.ci_low, rel=1e-12)
    assert float(b.pi_high[0]) == pytest.approx(dl.prediction_interval[1], rel=1e-12)  # type: ignore[index]


def test_batch_hksj_and_prediction_interval_equal_pool() -> None:
    mask = np.ones((1, 13), dtype=bool)
    b = pool_batch(*(np.array([x]) for x in BCG), mask, measure="OR", method="MH", model="random", hksj=True)
    r = pool(*BCG, measure="OR", method="MH", model="random", hksj=True)
    assert r.t_df == 12 and b.t_df[0] == 12
    assert r.prediction_interval is not None
    for got, want in [
        (b.ci_low[0], r.ci_low),
        (b.ci_high[0], r.ci_high),
        (b.p[0], r.p),
        (b.pi_low[0], r.prediction_interval[0]),
        (b.h[0], r.heterogeneity.h),
    ]:
        assert float(got) == pytest.approx(want, rel=1e-12)


# --------------------------------------------------------------------------------------------
# The option vocabulary
# --------------------------------------------------------------------------------------------


def test_options_are_canonical_and_messages_name_no_cli_flag() -> None:
    o = normalise_options("rd", "mh", "RANDOM", "reml", True, 0.9)
    assert (o.measure, o.method, o.model, o.tau2_method, o.hksj, o.level) == (
        "RD",
        "MH",
        "random",
        "REML",
        True,
        0.9,
    )
    assert normalise_options("or", "peto", "Fixed", "pm", False, 0.99).method == "Peto"
    bad = [
        ("HR", "MH", "fixed", "DL", False, 0.95),
        ("OR", "GLM", "fixed", "DL", False, 0.95),
        ("OR", "MH", "mixed", "DL", False, 0.95),
        ("OR", "MH", "random", "EB", False, 0.95),
        ("RR", "Peto", "fixed", "DL", False, 0.95),
        ("OR", "Peto", "random", "DL", False, 0.95),
        ("OR", "MH", "fixed", "DL", True, 0.95),
        ("OR", "MH", "fixed", "DL", False, 95),
        ("OR", "MH", "fixed", "DL", False, "high"),
    ]
    for args in bad:
        with pytest.raises(ValueError) as exc:
            normalise_options(*args)  # type: ignore[arg-type]
        msg = str(exc.value)
        assert "--" not in msg
        assert any(name in msg for name in ("measure", "method", "model", "tau2_method", "hksj", "level")), (
            msg
        )


# --------------------------------------------------------------------------------------------
# The bottom layer: imports and what they cost
# --------------------------------------------------------------------------------------------

ALLOWED_TOP = {"numpy", "scipy", "__future__"} | set(sys.stdlib_module_names)


def test_stats_imports_only_numpy_scipy_and_the_standard_library() -> None:
    for path in sorted(STATS.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:  # relative: must stay inside evireg.stats
                    assert node.level == 1, f"{path.name}: from {'.' * node.level}{node.module}"
                    continue
                names = [node.module or ""]
            else:
                continue
            for name in names:
                assert name.split(".")[0] in ALLOWED_TOP, f"{path.name} imports {name}"


def test_every_public_name_resolves() -> None:
    for name in stats.__all__:
        assert getattr(stats, name) is not None, name
    assert set(stats.__all__) <= set(dir(stats))
    with pytest.raises(AttributeError):
        _ = stats.no_such_name  # type: ignore[attr-defined]


def _loaded_after(code: str) -> list[str]:
    probe = f"import sys; {code}; print([m for m in ('numpy', 'scipy') if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    return list(json.loads(out.strip().replace("'", '"')))


def test_imports_stay_light() -> None:
    assert _loaded_after("import evireg.stats, evireg.stats.distributions") == []
    assert _loaded_after("from evireg.stats import pool; pool([1, 2], [9, 9], [3, 4], [9, 9])") == ["numpy"]
    assert _loaded_after(
        "from evireg.stats import pool_subgroups, leave_one_out, cumulative, egger_test; "
        "c = ([1, 2, 5], [9, 9, 20], [3, 4, 6], [9, 9, 20]); "
        "pool_subgroups(*c, ['a', 'b', 'a'], model='random'); "
        "leave_one_out(*c); cumulative(*c); egger_test(*c)"
    ) == ["numpy"]
    batch = (
        "import numpy as np; from evireg.stats import pool_batch; "
        "pool_batch([[1]], [[9]], [[3]], [[9]], np.ones((1, 1), bool))"
    )
    assert _loaded_after(batch) == ["numpy", "scipy"]


def test_single_analyses_use_the_c_library_not_numpy_simd() -> None:
    """The single path exponentiates with math.exp, whatever numpy's SIMD exp would give."""
    res = pool(*BCG, measure="OR", method="IV", model="random")
    assert res.estimate == math.exp(res.log_estimate)
    assert all(s.estimate == math.exp(s.yi) for s in res.studies)
    a, n1, c, n2 = (np.array(x, dtype=float) for x in BCG)
    labels = [str(i) for i in range(13)]
    opts = normalise_options("OR", "MH", "fixed", "DL", False, 0.95)
    (row,) = pool_rows(StudyData("dichotomous", (a, n1, c, n2), labels), opts, np.ones((1, 13), dtype=bool))
    assert row.to_dict() == pool(*BCG, labels=labels).to_dict()
