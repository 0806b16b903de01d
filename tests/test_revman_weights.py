"""Every study weight RevMan printed in six Cochrane reviews reproduces under one pooling method.

The method is not in the files: for each analysis it is found by trying the candidates RevMan
offers, in this order, and taking the first under which every printed weight of the analysis
reproduces (evireg's weight rounded to the printed 6 decimals, the half-ULP rule of
test_revman_rows.py):

* dichotomous (OR, RR, RD): Mantel-Haenszel fixed, MH random (DerSimonian-Laird tau2 from the
  MH-based Q), inverse variance fixed, IV random DL, then IV random REML and PM (RevMan Web
  since 2025); a Peto OR analysis: Peto fixed;
* continuous (MD or SMD), generic inverse variance and O - E: IV fixed, IV random DL, REML, PM.

The measure and the CI level come from the study rows (:func:`.cochrane_rows.fit`).

What the files show, and the rules taken from it:

* Pooling scope.  Each file says ``SUBGROUP_AND_OVERALL``, yet in some analyses the estimable
  weights of every subgroup add up to 100: RevMan printed the subgroups' own weights (each
  subgroup pooled alone).  Elsewhere they add up to 100 over the whole analysis: the overall's.
  So an analysis with two or more subgroups whose weights each add up to 100 is one case per
  subgroup; any other analysis is one case.
* A study printed with an empty weight is one RevMan could not estimate (its effect is printed
  empty too: a double-zero study of an OR, RR or Peto OR); evireg must exclude it (weight None).
  A risk difference keeps a double-zero study with a weight (CD000478.pub5 analysis 7.2).
* An analysis whose every printed weight is 0 was not pooled (RevMan's "totals not selected":
  CD015711.pub2 throughout, CD007572.pub4 analyses 1.5, 1.8, 2.x, 3.3 and 3.4, single- and
  multi-study alike).  It has no weights to reproduce; no pooled analysis prints a 0.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np
import pytest

from evireg.review import inference
from evireg.review.inference import IV_DL, IV_FIXED, MH_DL, MH_FIXED, Candidate

from .cochrane_rows import CHOICES, FILES, HALF_ULP, Row, by_analysis, fit, read_rows, study_data


def candidates(measure: str) -> tuple[Candidate, ...]:
    return inference.candidates(CHOICES[measure])


def weights(measure: str, cand: Candidate, rows: Sequence[Row]) -> list[float | None]:
    """evireg's percentage weight of each row pooled together (None: excluded)."""
    got, _ = inference.candidate_weights(
        study_data(list(rows)), CHOICES[measure], cand, np.ones((1, len(rows)), dtype=bool)
    )
    return [None if math.isnan(w) else float(w) for w in got]


def reproduces(printed: Sequence[float], got: Sequence[float | None]) -> bool:
    for p, g in zip(printed, got, strict=True):
        if math.isnan(p):
            if g is not None:
                return False
        elif g is None or not abs(g - p) <= HALF_ULP:
            return False
    return True


@dataclass(frozen=True)
class Case:
    name: str
    analysis: str
    subgroup: str | None  # None: the analysis pooled as a whole
    measure: str
    level: float
    rows: tuple[Row, ...]

    @property
    def id(self) -> str:
        scope = "" if self.subgroup is None else f"/subgroup {self.subgroup}"
        return f"{self.name.removesuffix('.csv')}:{self.analysis}{scope}"

    @property
    def pooled(self) -> bool:
        return not all(r.weight == 0 for r in self.rows)

    @property
    def printed(self) -> list[float]:
        return [r.weight for r in self.rows]


def _adds_to_100(rows: Sequence[Row]) -> bool:
    ws = [r.weight for r in rows if not math.isnan(r.weight)]
    return bool(ws) and abs(sum(ws) - 100.0) <= len(ws) * HALF_ULP


def _cases_of(name: str) -> list[Case]:
    out = []
    for analysis, rows in by_analysis(read_rows(name)).items():
        best = fit(rows)
        assert best is not None
        measure, level, _ = best
        groups: dict[str, list[Row]] = {}
        for r in rows:
            groups.setdefault(r.subgroup, []).append(r)
        if len(groups) > 1 and all(_adds_to_100(g) for g in groups.values()):
            out += [Case(name, analysis, sg, measure, level, tuple(g)) for sg, g in groups.items()]
        else:
            out.append(Case(name, analysis, None, measure, level, tuple(rows)))
    return out


@cache
def all_cases() -> tuple[Case, ...]:
    return tuple(c for name in FILES for c in _cases_of(name))


@cache
def fitting(case: Case) -> tuple[Candidate, ...]:
    """Every candidate under which all the case's printed weights reproduce, in RevMan's order."""
    return tuple(
        c for c in candidates(case.measure) if reproduces(case.printed, weights(case.measure, c, case.rows))
    )


def estimable(case: Case) -> int:
    return sum(not math.isnan(r.weight) for r in case.rows)


CASES = all_cases()


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_printed_weights_reproduce(case: Case) -> None:
    if not case.pooled:
        # totals not selected: every study printed with its effect and weight 0, though pooling
        # would have weighted each of them
        assert all(r.weight == 0 and not math.isnan(r.printed[0]) for r in case.rows)
        assert None not in weights(case.measure, candidates(case.measure)[0], case.rows)
        return
    if fitting(case):
        return
    tried = "\n".join(
        f"  {c.label}: {[None if w is None else round(w, 6) for w in weights(case.measure, c, case.rows)]}"
        for c in candidates(case.measure)
    )
    pytest.fail(f"{case.id} ({case.measure}): printed {case.printed}; no candidate reproduces:\n{tried}")


def analysis_fits(cases: Sequence[Case]) -> tuple[Candidate, ...]:
    """The candidates reproducing every printed weight of one analysis (all its cases: RevMan
    pools the subgroups of an analysis by one method), in RevMan's order."""
    pooled = [c for c in cases if c.pooled]
    return tuple(cand for cand in fitting(pooled[0]) if all(cand in fitting(c) for c in pooled[1:]))


def analysis_method(cases: Sequence[Case]) -> str:
    """What fits one analysis: "not pooled", "one study" when no case has two estimable studies
    (every candidate gives 100), else the first candidate fitting all its cases."""
    if not any(c.pooled for c in cases):
        return "not pooled"
    if all(estimable(c) <= 1 for c in cases):
        return "one study"
    fits = analysis_fits(cases)
    return fits[0].label if fits else "none"


def _analyses() -> dict[tuple[str, str], list[Case]]:
    out: dict[tuple[str, str], list[Case]] = {}
    for c in CASES:
        out.setdefault((c.name, c.analysis), []).append(c)
    return out


# analyses (120) per fitted method.  Where the DerSimonian-Laird tau2 is 0, random effects give
# the IV fixed weights: 11 of the 13 "MH random DL" analyses fit IV fixed as well (6 of
# CD003511.pub6, 5 of CD015087.pub2), 3 "IV fixed" ones (SMD, CD015087.pub2) fit every IV random
# model; UNIQUE counts the analyses that one candidate only fits.
FITTED = {
    "one study": 41,
    "not pooled": 21,
    "MH fixed": 26,
    "IV fixed": 18,
    "MH random DL": 13,
    "IV random DL": 1,
}
UNIQUE = {"MH fixed": 26, "IV fixed": 15, "MH random DL": 2, "IV random DL": 1}


def test_fitted_method_counts() -> None:
    analyses = _analyses().values()
    assert dict(Counter(analysis_method(cs) for cs in analyses)) == FITTED
    unique = Counter(
        analysis_method(cs)
        for cs in analyses
        if analysis_method(cs) not in ("one study", "not pooled") and len(analysis_fits(cs)) == 1
    )
    assert dict(unique) == UNIQUE
    assert len(CASES) == 145  # 120 analyses; those pooled per subgroup give one case per subgroup


# per review, found by the search: the candidate fitting every analysis with two or more
# estimable studies, and the analyses it does not fit with all that fits them instead
REVIEW_METHODS: dict[str, tuple[Candidate, dict[str, tuple[Candidate, ...]]]] = {
    "CD000478_pub5.csv": (MH_FIXED, {}),
    "CD001909_pub4.csv": (MH_FIXED, {}),
    "CD003511_pub6.csv": (MH_DL, {}),  # random effects throughout (1.4: MH random DL only)
    "CD007572_pub4.csv": (MH_FIXED, {"1.4": (MH_DL,)}),
    "CD015087_pub2.csv": (IV_FIXED, {"2.3": (IV_DL,)}),  # inverse variance, even for RR and RD
}


def test_each_review_pools_by_one_method_with_named_exceptions() -> None:
    seen: dict[str, list[str]] = {}
    for (name, analysis), cases in _analyses().items():
        if analysis_method(cases) in ("one study", "not pooled"):
            continue
        seen.setdefault(name, []).append(analysis)
        method, exceptions = REVIEW_METHODS[name]
        fits = analysis_fits(cases)
        if analysis in exceptions:
            assert fits == exceptions[analysis], (name, analysis)
        else:
            assert method in fits, (name, analysis, [c.label for c in fits])
    assert sorted(seen) == sorted(REVIEW_METHODS)  # CD015711.pub2 pooled nothing
    for name, (_, exceptions) in REVIEW_METHODS.items():
        assert set(exceptions) <= set(seen[name])
    # MH fixed, RevMan's default, fits no CD015087.pub2 analysis of two or more studies
    assert not any(
        MH_FIXED in analysis_fits(_analyses()[("CD015087_pub2.csv", a)]) for a in seen["CD015087_pub2.csv"]
    )


def test_ci_level_does_not_change_the_weights() -> None:
    """The 99% analyses (those test_revman_rows infers at 99% from their CIs, group 3 of
    CD001909.pub4) fit MH fixed as the review's 95% ones do: the level is no pooling option."""
    at = {(c.name, c.analysis): c.level for c in CASES}
    assert {k for k, level in at.items() if level != 0.95} == {
        ("CD001909_pub4.csv", f"3.{i}") for i in range(1, 8)
    }
    for i in range(1, 8):
        assert analysis_fits(_analyses()[("CD001909_pub4.csv", f"3.{i}")]) == (MH_FIXED,)


def test_scope_and_empty_weight_rules() -> None:
    for c in CASES:
        ws = [r.weight for r in c.rows]
        if not c.pooled:
            continue
        assert 0.0 not in ws, c.id  # a pooled analysis prints no 0 weight
        for r in c.rows:  # empty weight exactly where the effect is printed empty
            assert math.isnan(r.weight) == math.isnan(r.printed[0]), (c.id, r.study)
        # the printed weights of each case (the overall or one subgroup) add up to 100
        assert _adds_to_100(c.rows), c.id
    per_subgroup = {(c.name.split("_")[0], c.analysis) for c in CASES if c.subgroup is not None}
    assert per_subgroup == {
        *(("CD000478", a) for a in ("6.1", "7.1", "7.2")),
        ("CD001909", "1.1"),
        *(("CD007572", a) for a in ("1.1", "1.2", "1.4", "3.1", "3.2")),
    }
    # a risk difference keeps a double-zero study, weighted (Hawthorne 1992, 0/38 vs 0/39)
    case = next(c for c in CASES if c.id == "CD000478_pub5:7.2/subgroup AZA versus placebo")
    assert case.rows[0].data[::2] == (0.0, 0.0) and case.rows[0].weight == 47.535042
