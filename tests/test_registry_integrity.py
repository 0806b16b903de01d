"""The bundled registry's shape and integrity (not its data values)."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest

from evireg.index.query import run_query
from evireg.registry.paths import Registry

from .conftest import REGISTRY

REG = Registry(REGISTRY)
GAO_STUDIES = {
    "carp-2001",
    "christiansen-1995",
    "christiansen-2002",
    "christiansen-2015",
    "coulam-1995",
    "jablonowska-1999",
    "jafarzadeh-2019",
    "jorgensen-2020",
    "peero-2024",
    "stephenson-2010",
    "yamada-2022",
}


def rows(sql: str) -> list[tuple[Any, ...]]:
    return run_query(REG, sql).rows


def test_eleven_studies_all_in_the_review() -> None:
    assert {r[0] for r in rows("select study_id from studies")} == GAO_STUDIES
    assert {
        r[0] for r in rows("select study_id from review_studies where review_id = 'gao-2025'")
    } == GAO_STUDIES


def test_review_claims_and_totals_as_printed() -> None:
    claims = rows("select claim_id, estimate_text, ci_low_text, ci_high_text, z_text, p_text from claims")
    assert len(claims) == 5
    assert all(all(v is not None for v in c) for c in claims)
    assert rows("select n_studies, n_participants, n_intervention, n_control from reviews") == [
        (11, 842, 391, 451)
    ]


def test_every_result_names_its_source_and_locator() -> None:
    assert rows("select count(*) from outcome_results where source_id is null or locator is null") == [(0,)]
    missing_src = rows(
        "select o.study_id, o.source_id from outcome_results o left join sources s "
        "using (study_id, source_id) where s.source_id is null"
    )
    assert missing_src == []
    assert all(r[0] for r in rows("select coalesce(pmid, doi, url) from sources"))


def test_every_reported_arm_count_names_its_source() -> None:
    bad = rows(
        "select study_id, arm_id from arms where (n_randomised is not null and "
        "(randomised_source_id is null or randomised_locator is null)) or (n_analysed is not null "
        "and (analysed_source_id is null or analysed_locator is null))"
    )
    assert bad == []


def test_every_missing_value_has_a_reason() -> None:
    assert rows("select count(*) from missing_data where reason is null or length(reason) < 10") == [(0,)]


def printed(events: int, total: int, places: int) -> str:
    q = Decimal(1).scaleb(-places)
    return str((Decimal(100 * events) / Decimal(total)).quantize(q, rounding=ROUND_HALF_UP))


def arith(formula: str) -> int:
    total, sign = 0, 1
    for tok in re.findall(r"[-+]|\d+", formula):
        if tok in "+-":
            sign = -1 if tok == "-" else 1
        else:
            total += sign * int(tok)
    return total


DERIVED = rows(
    "select study_id, outcome, subgroup_value, arm_id, events, total, alternative_no, "
    "percent, events_formula, total_formula, derivation from t_results "
    "where derivation is not null order by all"
)


def test_derived_results_carry_machine_checks() -> None:
    assert DERIVED, "the registry has derived results"
    for study, outcome, *_, pct, ef, tf, _d in DERIVED:
        assert pct or ef or tf, f"{study} {outcome}: a derived result must give percent or formulas"


@pytest.mark.parametrize("row", DERIVED, ids=lambda r: f"{r[0]}-{r[1]}-{r[3]}")
def test_every_derivation_is_arithmetically_right(row: tuple[Any, ...]) -> None:
    _study, _outcome, _sg, _arm, events, total, _alt, pct, ef, tf, _ = row
    if pct is not None:
        places = len(pct.partition(".")[2])
        fits = [k for k in range(total + 1) if printed(k, total, places) == pct]
        assert fits == [events], f"{pct}% of {total}: fits {fits}"
    if ef is not None:
        assert arith(ef) == events
    if tf is not None:
        assert arith(tf) == total


def test_count_formulas_are_right() -> None:
    for study, arm, value, formula in rows(
        "select study_id, arm_id, n_randomised, n_randomised_formula from t_arms "
        "where n_randomised_formula is not null union all select study_id, arm_id, n_analysed, "
        "n_analysed_formula from t_arms where n_analysed_formula is not null"
    ):
        assert arith(formula) == value, (study, arm)


def test_partitioning_subgroups_sum_to_the_whole() -> None:
    """Where a study's subgroups of one variable cover its whole result, counts add up."""
    sums = rows(
        "select s.study_id, s.outcome, s.arm_id, sum(s.events), sum(s.total), w.events, w.total "
        "from outcome_results s join outcome_results w on w.study_id = s.study_id and "
        "w.outcome = s.outcome and w.arm_id = s.arm_id and w.subgroup_variable is null "
        "where s.subgroup_variable is not null group by all"
    )
    for study, outcome, arm, ev, tot, wev, wtot in sums:
        assert ev <= wev and tot <= wtot, (study, outcome, arm)
