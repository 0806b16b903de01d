"""A study's result rows from the views, as one input of an analysis.

A multi-arm study gives one row per intervention-versus-control pair.  Its arms of the same role
are merged into one, as the Cochrane Handbook advises (23.3.4): 2x2 counts are added; continuous
arms are combined into one group with the Handbook's formula (Table 6.5.a: the pooled size, the
size-weighted mean, and the SD of the union of the groups).  Generic estimates are per
comparison already: a study with more than one for an outcome is refused, naming it.
"""

from __future__ import annotations

import math
from typing import Any

from evireg.errors import UserError
from evireg.review.question import Input

# the SQL file that lists an outcome's rows, by data type
ROWS_SQL = {
    "dichotomous": "analysis_rows.sql",
    "continuous": "analysis_rows_continuous.sql",
    "generic": "analysis_rows_generic.sql",
}
WHAT = {
    "dichotomous": "complete 2x2",
    "continuous": "complete mean, SD and n for both arms",
    "generic": "effect estimate with its SE",
}


def combine_groups(groups: list[tuple[float, float, int]]) -> tuple[float, float, int]:
    """(mean, SD, n) of the union of groups given as (mean, SD, n) (Handbook Table 6.5.a,
    applied pairwise: the formula is exact for the union, so the order does not matter)."""
    m, sd, n = groups[0]
    for m2, sd2, n2 in groups[1:]:
        total = n + n2
        mean = (n * m + n2 * m2) / total
        var = ((n - 1) * sd**2 + (n2 - 1) * sd2**2 + n * n2 / total * (m - m2) ** 2) / (total - 1)
        m, sd, n = mean, math.sqrt(var), total
    return m, sd, n


def _arms(rows: list[dict[str, Any]], role: str, cols: tuple[str, ...]) -> dict[str, tuple[Any, ...]]:
    return {r[f"arm_{role}"]: tuple(r[f"{c}_{role}"] for c in cols) for r in rows}


def to_input(data_type: str, study: str, subgroup: str | None, rows: list[dict[str, Any]]) -> Input:
    """Merge a study's rows of one outcome (and subgroup) into one input."""
    first = rows[0]
    note = None
    measure = None
    if data_type == "generic":
        if len(rows) > 1:
            raise UserError(
                f"{study}: {len(rows)} effect estimates for one outcome"
                f"{f' in subgroup {subgroup}' if subgroup else ''}; keep one (move the others to notes)"
            )
        values: dict[str, float | int] = {"estimate": first["estimate"], "se": first["se"]}
        measure = first["measure"]
    else:
        cols = ("events", "total") if data_type == "dichotomous" else ("mean", "sd", "n")
        treat, ctrl = _arms(rows, "treat", cols), _arms(rows, "ctrl", cols)
        if len(treat) > 1 or len(ctrl) > 1:
            note = f"arms combined: intervention {'+'.join(sorted(treat))}, control {'+'.join(sorted(ctrl))}"
        values = {}
        for role, arms in (("treat", treat), ("ctrl", ctrl)):
            if data_type == "dichotomous":
                values[f"events_{role}"] = sum(int(e) for e, _ in arms.values())
                values[f"total_{role}"] = sum(int(n) for _, n in arms.values())
            else:
                m, sd, n = combine_groups([(float(a), float(b), int(c)) for a, b, c in arms.values()])
                values.update({f"mean_{role}": m, f"sd_{role}": sd, f"n_{role}": n})
    return Input(
        study=study,
        subgroup=subgroup,
        values=values,
        source_id=first["source_id"],
        locator=first["locator"],
        derivation=first["derivation"],
        source_kind=first["source_kind"],
        pmid=first["source_pmid"],
        doi=first["source_doi"],
        url=first["source_url"],
        citation=first["source_citation"],
        note=note,
        year=first["year"],
        data_type=data_type,
        measure=measure,
    )
