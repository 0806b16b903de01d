"""Questions become answers with the provenance of every input (fixture registries)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from statsmodels.stats.contingency_tables import StratifiedTable

from evireg.errors import UserError
from evireg.registry.paths import Registry, content_hash
from evireg.review.analysis import answer, answer_from_csv
from evireg.review.question import Question
from evireg.stats import SubgroupResult

from .conftest import copy_registry


def mh_or(tables: list[tuple[int, int, int, int]]) -> tuple[float, float, float]:
    arr = np.array([[[a, n1 - a], [c, n2 - c]] for a, n1, c, n2 in tables], dtype=float)
    st = StratifiedTable(arr.transpose(1, 2, 0))
    lo, hi = st.oddsratio_pooled_confint()
    return st.oddsratio_pooled, lo, hi


def test_overall_answer_carries_provenance(tmp_path: Path) -> None:
    reg = Registry(copy_registry("reproduces", tmp_path))
    ans = answer(reg, Question("live_birth", review="test-review"))
    assert [i.study for i in ans.inputs] == ["alpha-2001", "beta-2005", "gamma-2010"]
    assert all(i.source_id == "synthetic" and i.locator == "synthetic" and i.url for i in ans.inputs)
    assert ans.registry_hash == content_hash(reg)
    expected = mh_or([(30, 50, 20, 50), (25, 40, 18, 42), (40, 70, 30, 72)])
    assert ans.overall is not None
    assert np.allclose([ans.overall.estimate, ans.overall.ci_low, ans.overall.ci_high], expected, rtol=1e-10)
    d = ans.to_dict()
    assert math.isclose(sum(s["weight"] for s in d["studies"]), 100.0)
    assert d["studies"][0]["source"]["locator"] == "synthetic"
    assert d["provenance"]["registry_hash"] == content_hash(reg)
    assert len(d["provenance"]["inputs"]) == 3


def test_rmc_subgroups_follow_enrolment_and_reported_subgroups(tmp_path: Path) -> None:
    reg = Registry(copy_registry("reproduces", tmp_path))
    ans = answer(reg, Question("live_birth", by="rmc_type"))
    assert [(i.subgroup, i.study, i.total_treat) for i in ans.inputs] == [
        ("primary", "alpha-2001", 50),
        ("primary", "gamma-2010", 30),
        ("secondary", "beta-2005", 40),
    ]
    assert isinstance(ans.result, SubgroupResult)
    (_, prim), (_, sec) = ans.result.subgroups
    exp = mh_or([(30, 50, 20, 50), (15, 30, 10, 31)])
    assert np.allclose([prim.estimate, prim.ci_low, prim.ci_high], exp, rtol=1e-10)
    assert sec.k == 1 and ans.result.difference is not None and ans.result.difference.df == 1


def test_mixed_study_without_subgroups_is_listed_not_dropped(fixture_registry: Path) -> None:
    ans = answer(Registry(fixture_registry), Question("live_birth", by="rmc_type"))
    # smith-2001 is secondary (whole result), lee-2010 is primary (whole result)
    assert {i.study for i in ans.inputs} == {"smith-2001", "lee-2010"}
    ans = answer(Registry(fixture_registry), Question("miscarriage"))
    assert [n.study for n in ans.no_data] == ["smith-2001"]
    # smith-2001 reports no miscarriage counts at all: the reason must say so, not be empty
    assert ans.no_data[0].reason == "no complete 2x2 for miscarriage in the study file"


def test_no_data_uses_the_registry_reason(tmp_path: Path) -> None:
    reg = Registry(copy_registry("missing", tmp_path))
    ans = answer(reg, Question("live_birth", review="test-review"))
    assert [(n.study, n.reason) for n in ans.no_data] == [
        ("delta-2012", "synthetic: the report gives no live births")
    ]
    assert ans.to_dict()["no_data"][0]["study"] == "delta-2012"


def test_where_filters_on_study_attributes(tmp_path: Path) -> None:
    reg = Registry(copy_registry("reproduces", tmp_path))
    ans = answer(reg, Question("live_birth", where="randomised and control_type = 'placebo'"))
    assert [i.study for i in ans.inputs] == ["alpha-2001", "beta-2005"]
    with pytest.raises(UserError):
        answer(reg, Question("live_birth", where="nonsense_column > 1"))
    with pytest.raises(UserError):
        answer(reg, Question("live_birth", where="1=1); drop table t_studies; --"))


def test_by_a_study_column(tmp_path: Path) -> None:
    reg = Registry(copy_registry("reproduces", tmp_path))
    ans = answer(reg, Question("live_birth", by="control_type"))
    assert sorted({i.subgroup for i in ans.inputs if i.subgroup}) == ["placebo", "untreated"]


def test_multi_arm_controls_are_combined(fixture_registry: Path) -> None:
    ans = answer(Registry(fixture_registry), Question("live_birth"))
    lee = next(i for i in ans.inputs if i.study == "lee-2010")
    assert (lee.events_ctrl, lee.total_ctrl) == (3, 60)
    assert lee.note and "none+saline" in lee.note and any("lee-2010" in n for n in ans.notes)


def test_unknown_review_is_a_user_error(tmp_path: Path) -> None:
    reg = Registry(copy_registry("reproduces", tmp_path))
    with pytest.raises(UserError, match="no such review"):
        answer(reg, Question("live_birth", review="nope"))


def test_csv_answer_and_bad_rows(tmp_path: Path) -> None:
    good = tmp_path / "good.csv"
    good.write_text(
        "study,events_treat,total_treat,events_ctrl,total_ctrl,extra\nA,30,50,20,50,x\nB,25,40,18,42,y\n"
    )
    ans = answer_from_csv(good, Question("csv"))
    assert ans.overall is not None and ans.overall.k == 2
    assert ans.inputs[1].locator == "good.csv, row 3"
    assert ans.registry_hash and ans.registry_hash.startswith("sha256:")
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "study,events_treat,total_treat,events_ctrl,total_ctrl\n"
        "A,,50,20,50\nB,45,40,18,42\nC,-1,40,18,42\nD,x,40,18,42\nE,1.5,40,18,42\n"
    )
    with pytest.raises(UserError) as e:
        answer_from_csv(bad, Question("csv"))
    msgs = [(p.path, p.message) for p in e.value.problems]
    assert ("row 2", "events_treat is missing") in msgs
    assert ("row 3", "events_treat (45) exceeds total_treat (40)") in msgs
    assert ("row 4", "events_treat is negative") in msgs
    assert ("row 5", "events_treat is not a number ('x')") in msgs
    assert ("row 6", "events_treat is not a whole number ('1.5')") in msgs
    nohead = tmp_path / "nohead.csv"
    nohead.write_text("a,b\n1,2\n")
    with pytest.raises(UserError, match="fits none of the four forms"):
        answer_from_csv(nohead, Question("csv"))
