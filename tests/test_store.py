"""The DuckDB index: derived from the files, rebuilt when they change, views as contracted."""

from __future__ import annotations

from pathlib import Path

import pytest

from evireg.index.build import build, db_path
from evireg.index.fresh import ensure
from evireg.index.query import list_views, run_query
from evireg.registry.paths import Registry, content_hash

from .conftest import FIXTURES

CONTRACT = {
    "studies": "study_id first_author year title journal pmid doi design randomised blinding "
    "control_type country rmc_type min_prior_losses",
    "arms": "study_id arm_id role label n_randomised n_analysed",
    "outcome_results": "study_id outcome subgroup_variable subgroup_value arm_id role events total "
    "source_id locator derivation",
    "two_by_two": "study_id outcome subgroup_variable subgroup_value events_treat total_treat "
    "events_ctrl total_ctrl source_id locator year design rmc_type",
    "missing_data": "study_id outcome what reason",
    "sources": "study_id source_id kind pmid doi url citation",
    "claims": "review_id claim_id analysis_id outcome subgroup_value measure estimate ci_low ci_high "
    "z p_text",
}


def test_views_have_the_contract_columns(fixture_registry: Path) -> None:
    views = list_views(Registry(fixture_registry))
    for view, cols in CONTRACT.items():
        have = [c for c, _ in views[view]]
        missing = [c for c in cols.split() if c not in have]
        assert not missing, f"{view} lacks {missing}"
    types = dict(views["studies"])
    assert types["randomised"] == "BOOLEAN" and types["year"] == "INTEGER"


def test_two_by_two_pairs_each_control_arm(fixture_registry: Path) -> None:
    res = run_query(
        Registry(fixture_registry),
        "select study_id, outcome, subgroup_value, arm_ctrl, events_treat, total_treat, "
        "events_ctrl, total_ctrl from two_by_two order by all nulls last",
    )
    assert res.rows == [
        ("lee-2010", "live_birth", None, "none", 0, 28, 0, 31),
        ("lee-2010", "live_birth", None, "saline", 0, 28, 3, 29),
        ("lee-2010", "miscarriage", None, "none", 14, 28, 10, 31),
        ("smith-2001", "live_birth", "primary", "placebo", 5, 9, 3, 10),
        ("smith-2001", "live_birth", None, "placebo", 12, 18, 8, 19),
    ]


def test_missing_data_lists_nulls_and_unrecorded_outcomes(fixture_registry: Path) -> None:
    res = run_query(
        Registry(fixture_registry), "select study_id, outcome, what from missing_data order by all"
    )
    assert ("lee-2010", None, "n_analysed of arm none") in res.rows
    assert ("smith-2001", "adverse_reaction", "outcome") in res.rows
    assert all(r[0] in {"lee-2010", "smith-2001"} for r in res.rows)


def test_claims_keep_printed_text_and_numbers(fixture_registry: Path) -> None:
    res = run_query(
        Registry(fixture_registry),
        "select estimate, estimate_text, ci_low_text, measure from claims "
        "where claim_id = 'live-birth-overall'",
    )
    assert res.rows == [(1.5, "1.50", "0.60", "OR")]


def test_alternatives_are_kept_apart(fixture_registry: Path) -> None:
    reg = Registry(fixture_registry)
    alt = run_query(reg, "select study_id, arm_id, total from alternative_results order by all")
    assert alt.rows == [("smith-2001", "ivig", 20), ("smith-2001", "placebo", 21)]
    used = run_query(reg, "select count(*) from outcome_results where study_id='smith-2001' and total > 19")
    assert used.rows == [(0,)]


def test_rebuilds_when_files_change(fixture_registry: Path) -> None:
    reg = Registry(fixture_registry)
    path = ensure(reg)
    before = path.stat().st_mtime_ns
    assert ensure(reg) == path and path.stat().st_mtime_ns == before  # unchanged files: no rebuild
    smith = fixture_registry / "studies" / "smith-2001.yaml"  # issue 13: lee-2010 is kept as .json now
    smith.write_text(smith.read_text() + "# a new comment changes the files' hash\n")
    h = content_hash(reg)
    res = run_query(reg, "select value from meta where key = 'registry_hash'")
    assert res.rows == [(h,)]


def test_db_holds_only_what_files_hold(fixture_registry: Path) -> None:
    reg = Registry(fixture_registry)
    extra = fixture_registry / "studies" / "lee-2011.json"
    extra.write_text((FIXTURES / "valid" / "lee-2010.json").read_text().replace('"lee-2010"', '"lee-2011"'))
    count = "select count(*) from studies where study_id = 'lee-2011'"
    assert run_query(reg, count).rows == [(1,)]
    extra.unlink()
    assert run_query(reg, count).rows == [(0,)]


def test_invalid_registry_refuses_to_build(fixture_registry: Path) -> None:
    from evireg.errors import UserError

    (fixture_registry / "studies" / "broken.yaml").write_text("id: broken\n")
    with pytest.raises(UserError) as e:
        build(Registry(fixture_registry))
    assert any(p.file.endswith("broken.yaml") for p in e.value.problems)


def test_db_lives_in_state_dir(fixture_registry: Path) -> None:
    reg = Registry(fixture_registry)
    assert db_path(reg).parent == fixture_registry / ".evireg"
    assert (fixture_registry / ".gitignore").read_text().strip() == ".evireg/"
