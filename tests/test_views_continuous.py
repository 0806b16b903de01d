"""The index's views of continuous and generic results (issue 14), built from the fixture
registry fixtures/registries/measures: continuous_results, generic_results, the new columns of
outcome_results, the two analysis-row SQL files and missing_data."""

from __future__ import annotations

import math
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from evireg.index.build import build, db_path
from evireg.index.connection import open_locked, records, sql_text
from evireg.registry.paths import Registry

from .conftest import copy_registry

Z95 = 1.959963984540054
T37 = 2.026192463029642  # t(0.975, 37)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = copy_registry("measures", tmp_path_factory.mktemp("measures"))
    build(Registry(root))
    return root


def rows(root: Path, sql: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    with open_locked(db_path(Registry(root))) as con:
        return records(con, sql, params)


@pytest.fixture
def q(built: Path) -> Iterator[Any]:
    yield lambda sql, **p: rows(built, sql, p)


def test_continuous_results_columns_and_values(q: Any) -> None:
    got = q("select * from continuous_results order by study_id, subgroup_value nulls first")
    assert list(got[0]) == [
        "study_id",
        "outcome",
        "subgroup_variable",
        "subgroup_value",
        "arm_treat",
        "arm_ctrl",
        "mean_treat",
        "sd_treat",
        "n_treat",
        "mean_ctrl",
        "sd_ctrl",
        "n_ctrl",
        "values_kind",
        "source_id",
        "locator",
        "derivation",
        "year",
        "design",
        "randomised",
        "blinding",
        "control_type",
        "rmc_type",
        "first_author",
    ]
    whole, sub, printed = got
    assert (whole["study_id"], whole["subgroup_value"], printed["study_id"]) == (
        "derived-2005",
        None,
        "printed-2001",
    )
    assert whole["mean_treat"] == 3000 and whole["sd_treat"] == pytest.approx(80 * math.sqrt(40))
    assert whole["mean_ctrl"] == 2900 and whole["sd_ctrl"] == pytest.approx(math.sqrt(38) * 200 / (2 * T37))
    assert (whole["n_treat"], whole["n_ctrl"], whole["values_kind"]) == (40, 38, "change")
    assert whole["derivation"].startswith(
        "intervention SD from SE x sqrt(n) (Cochrane Handbook 6.5.2.2); "
        "control SD from the 95% CI of the mean"
    )
    # Luo's mean (w = 0.7 + 0.39 / 30) and Wan's SD from the IQR; Wan's mean and SD from the range
    w = 0.7 + 0.39 / 30
    assert sub["mean_treat"] == pytest.approx(w * 3075 + (1 - w) * 3050)
    assert sub["mean_ctrl"] == pytest.approx((2100 + 2 * 2900 + 3600) / 4)
    assert "Luo et al. 2018" in sub["derivation"] and "Wan et al. 2014" in sub["derivation"]
    assert sub["rmc_type"] == "primary" and sub["values_kind"] == "final"
    assert printed["derivation"] is None and printed["values_kind"] == "final"
    assert (printed["mean_ctrl"], printed["sd_ctrl"], printed["n_ctrl"]) == (2950.5, 500, 8)


def test_generic_results_are_on_the_analysis_scale(q: Any) -> None:
    got = {(r["study_id"], r["outcome"]): r for r in q("select * from generic_results")}
    assert list(next(iter(got.values()))) == [
        "study_id",
        "outcome",
        "subgroup_variable",
        "subgroup_value",
        "measure",
        "estimate",
        "se",
        "estimate_natural",
        "o_minus_e",
        "variance",
        "n_treat",
        "n_ctrl",
        "adjusted_for",
        "source_id",
        "locator",
        "derivation",
        "year",
        "design",
        "randomised",
        "blinding",
        "control_type",
        "rmc_type",
        "first_author",
    ]
    ci = got[("derived-2005", "live_birth_adjusted")]
    assert ci["estimate"] == pytest.approx(math.log(1.8)) and ci["estimate_natural"] == 1.8
    assert ci["se"] == pytest.approx(math.log(2.7 / 1.2) / (2 * Z95))
    assert ci["adjusted_for"] == "age and number of prior losses" and "SE from the 95% CI" in ci["derivation"]
    se = got[("effect-2010", "time_to_pregnancy")]
    assert (se["estimate"], se["se"], se["derivation"]) == (pytest.approx(math.log(1.25)), 0.11, None)
    assert (se["n_treat"], se["n_ctrl"]) == (60, 60)
    log = got[("effect-2010", "live_birth_adjusted")]
    assert log["estimate"] == 0.4055 and log["estimate_natural"] == pytest.approx(math.exp(0.4055))
    assert log["se"] == pytest.approx((0.861 + 0.05) / (2 * Z95))
    peto = got[("peto-2012", "time_to_pregnancy")]
    assert (peto["estimate"], peto["se"]) == (pytest.approx(0.4), pytest.approx(1 / math.sqrt(10.5)))
    assert (peto["o_minus_e"], peto["variance"]) == (4.2, 10.5)
    assert peto["derivation"] == (
        "O - E and V read from the log-rank table; log HR = (O - E) / V (Peto); SE = 1 / sqrt(V) (Peto)"
    )


def test_outcome_results_gain_columns_null_for_counts(q: Any) -> None:
    got = q("select * from outcome_results order by study_id, outcome, subgroup_value nulls first, arm_id")
    assert {"mean", "sd", "n", "values_kind"} <= set(got[0])
    counts = [r for r in got if r["outcome"] == "live_birth"]
    assert counts and all(
        r["mean"] is None and r["sd"] is None and r["n"] is None and r["values_kind"] is None for r in counts
    )
    assert q("select count(*) as k from two_by_two")[0]["k"] == 1  # continuous rows stay out of it
    assert [r["outcome"] for r in q("select outcome from study_outcome_2x2")] == ["live_birth"]


def test_analysis_row_files(q: Any) -> None:
    cont = q(sql_text("analysis_rows_continuous.sql"), outcome="birth_weight")
    assert [(r["study_id"], r["subgroup_value"]) for r in cont] == [
        ("derived-2005", None),
        ("derived-2005", "primary"),
        ("printed-2001", None),
    ]
    assert {"source_kind", "source_pmid", "source_doi", "source_url", "source_citation"} <= set(cont[0])
    assert cont[0]["source_url"] == "https://example.org/evireg/synthetic/derived-2005"
    gen = q(sql_text("analysis_rows_generic.sql"), outcome="time_to_pregnancy")
    assert [r["study_id"] for r in gen] == ["effect-2010", "peto-2012"]
    assert gen[0]["source_kind"] == "other"


def test_missing_data_counts_every_form_as_reported(q: Any) -> None:
    got = {(r["study_id"], r["outcome"]) for r in q("select * from missing_data")}
    assert got == {
        ("printed-2001", "time_to_pregnancy"),
        ("printed-2001", "live_birth_adjusted"),
        ("peto-2012", "live_birth_adjusted"),
    }


def test_incremental_add_and_full_build_agree(built: Path, tmp_path: Path) -> None:
    from evireg.index.add import add_files

    root = tmp_path / "reg"
    shutil.copytree(built, root)
    new = tmp_path / "later-2015.yaml"
    text = (root / "studies" / "peto-2012.yaml").read_text()
    new.write_text(text.replace("peto-2012", "later-2015").replace("o_minus_e: 4.2", "o_minus_e: -2.0"))
    add_files(Registry(root), [new])
    sql = "select * from generic_results order by study_id, outcome"
    incremental = rows(root, sql)
    assert [r["estimate"] for r in incremental if r["study_id"] == "later-2015"] == [pytest.approx(-2 / 10.5)]
    build(Registry(root))
    assert rows(root, sql) == incremental
