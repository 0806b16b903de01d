"""The audit of an imported review's analyses: every study row it printed recomputed from the registry.

An imported review (Cochrane analysis data, a RevMan 5 file) keeps, per analysis, the effect, CI
and weight RevMan printed for each study.  For each analysis the study data come from the
registry (the rows the question of its outcome gathers, by its subgroup variable), the options
RevMan used are inferred from the printed numbers where the analysis does not state them
(:mod:`evireg.review.inference`), the studies are pooled with them as any answer is, and every
printed number is compared at its printed precision.  A row is ``reproduced``, ``differs`` (with
its differences) or ``not_recomputable`` (with the reason, e.g. no data in the registry).
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from evireg.errors import UserError
from evireg.index.connection import records, sql_text
from evireg.index.profile_sql import read_profile
from evireg.review.analysis import Prefetched, Preread, data_type, gather, prefetch
from evireg.review.inference import Inference, Stated, agrees, half_ulp, infer, to_float
from evireg.review.pooling import pool_inputs, resolve, study_data
from evireg.review.question import Input, NoData, Question

if TYPE_CHECKING:
    import duckdb

    from evireg.records.profile import Profile
    from evireg.stats import PoolResult, StudyResult, SubgroupResult

FIELDS = ("estimate", "ci_low", "ci_high", "weight")


@dataclass(frozen=True)
class RowAudit:
    """One printed study row and what the registry gives for it."""

    study: str
    label: str
    subgroup: str | None
    published: dict[str, str | None]
    recomputed: dict[str, float | None] | None
    verdict: str  # reproduced | differs | not_recomputable
    differences: dict[str, float]
    reason: str | None
    locator: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "study": self.study,
            "label": self.label,
            "subgroup": self.subgroup,
            "published": self.published,
            "recomputed": self.recomputed,
            "verdict": self.verdict,
            "differences": self.differences,
            "reason": self.reason,
            "locator": self.locator,
        }


@dataclass(frozen=True)
class AnalysisAudit:
    """One analysis: what was inferred (or stated) and each printed row's verdict."""

    analysis_id: str
    number: str | None
    name: str | None
    subgroup: str | None
    data_type: str
    inferred: dict[str, Any]
    rows: list[RowAudit]
    notes: list[str] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        c = Counter(r.verdict for r in self.rows)
        return {v: c.get(v, 0) for v in ("reproduced", "differs", "not_recomputable")}

    @property
    def verdict(self) -> str:
        c = self.counts
        if c["differs"]:
            return "differs"
        if c["not_recomputable"]:
            return "not_recomputable"
        return "reproduced"

    @property
    def title(self) -> str:
        return " ".join(x for x in (self.number or self.analysis_id, self.name) if x)

    def to_dict(self) -> dict[str, Any]:
        return {
            "analysis_id": self.number or self.analysis_id,
            "id": self.analysis_id,
            "name": self.name,
            "subgroup": self.subgroup,
            "data_type": self.data_type,
            "inferred": self.inferred,
            "rows": [r.to_dict() for r in self.rows],
            "counts": self.counts,
            "verdict": self.verdict,
            "notes": self.notes,
        }


def audit_analyses(
    con: duckdb.DuckDBPyConnection, review: str, preread: Preread | None = None
) -> list[AnalysisAudit]:
    """Every analysis of ``review`` that printed study rows, audited (none: an empty list);
    ``preread``: the rows of every review's outcomes, read once for many reviews."""
    analyses = records(con, sql_text("audit_analyses.sql"), {"review": review})
    if not analyses:
        return []
    rows: dict[str, list[dict[str, Any]]] = {}
    for r in records(con, sql_text("audit_printed_rows.sql"), {"review": review}):
        rows.setdefault(r["analysis_id"], []).append(r)
    profile = read_profile(con)
    known = [a["outcome"] for a in analyses if profile.outcome(a["outcome"]) is not None]
    pre = prefetch(con, review, known, profile, preread)  # one query per data type, not per analysis
    return [audit_analysis(con, profile, review, a, rows.get(a["analysis_id"], []), pre) for a in analyses]


def _published(r: dict[str, Any]) -> dict[str, str | None]:
    return {k: r[f"{k}_text"] for k in FIELDS}


def _subgroup_names(profile: Profile, variable: str | None) -> dict[str, str]:
    """A subgroup value's printed name (the profile's value label, else the value itself)."""
    char = profile.characteristic(variable) if variable else None
    if char is None:
        return {}
    return {str(v): str(char.value_labels.get(v, v)) for v in char.values or ()}


def _match(printed: list[dict[str, Any]], inputs: list[Input], names: dict[str, str]) -> list[Input | None]:
    """The registry's input for each printed row: the row's study, in the row's subgroup where
    the study has several."""
    by_study: dict[str, list[Input]] = {}
    for i in inputs:
        by_study.setdefault(i.study, []).append(i)
    out: list[Input | None] = []
    for r in printed:
        found = by_study.get(r["study_id"], [])
        if len(found) > 1:
            found = [i for i in found if names.get(i.subgroup or "", i.subgroup) == r["subgroup"]]
        out.append(found[0] if len(found) == 1 else None)
    return out


def _missing_reason(study: str, no_data: list[NoData]) -> str:
    reasons = sorted({n.reason for n in no_data if n.study == study})
    return "no data in the registry" + (f": {'; '.join(reasons)}" if reasons else "")


def _swapped(i: Input) -> Input:
    v = dict(i.values)
    v["events_treat"] = v["total_treat"] - v["events_treat"]
    v["events_ctrl"] = v["total_ctrl"] - v["events_ctrl"]
    return replace(i, values=v)


def _inferred(inf: Inference | None, measure: str | None, stated: Stated) -> dict[str, Any]:
    if inf is None:
        return {
            "measure": measure,
            "method": stated.method,
            "model": stated.model,
            "tau2": stated.tau2,
            "level": stated.level,
            "scope": None,
            "unambiguous": False,
            "label": None,
            "fits": [],
            "tau2_value": None,
            "notes": [],
        }
    return {
        "measure": inf.choice.label if inf.choice.data_type != "generic" else measure,
        "method": inf.method,
        "model": inf.model,
        "tau2": inf.tau2_method,
        "level": inf.level,
        "scope": inf.scope,
        "unambiguous": inf.unambiguous,
        "label": inf.label
        if inf.choice.data_type != "generic"
        else f"{measure} {inf.label.partition(' ')[2]}",
        "fits": [c.label for c in inf.fits],
        "tau2_value": inf.tau2,
        "notes": list(inf.notes),
    }


def _generic_measure(inputs: list[Input], inf: Inference) -> str:
    """Generic estimates pool under the rows' own measure; RevMan's scale says ratio or not."""
    from evireg.stats.options import RATIO_MEASURES

    stated = [i.measure for i in inputs if i.measure]
    ratio = inf.choice.exponentiated
    for m in stated:
        if (m in RATIO_MEASURES) == ratio:
            return m
    return stated[0] if stated else ("OR" if ratio else "MD")


def _results(res: PoolResult | SubgroupResult, groups: list[str | None], scope: str) -> list[StudyResult]:
    """Each pooled input's study result: from its subgroup's pooling where the subgroups' weights
    were printed, else from the overall."""
    from evireg.stats import SubgroupResult

    if not isinstance(res, SubgroupResult):
        return list(res.studies)
    if scope != "subgroups":
        return list(res.overall.studies)
    per = {str(name): list(r.studies) for name, r in res.subgroups}
    seen: Counter[str] = Counter()
    out = []
    for g in groups:
        out.append(per[str(g)][seen[str(g)]])
        seen[str(g)] += 1
    return out


def _not_recomputable(r: dict[str, Any], reason: str) -> RowAudit:
    return RowAudit(
        r["study_id"],
        r["label"],
        r["subgroup"],
        _published(r),
        None,
        "not_recomputable",
        {},
        reason,
        r["locator"],
    )


def _none(x: float | None) -> float | None:
    return None if x is None or not math.isfinite(x) else x


def audit_analysis(
    con: duckdb.DuckDBPyConnection,
    profile: Profile,
    review: str,
    a: dict[str, Any],
    printed: list[dict[str, Any]],
    pre: Prefetched | None = None,
) -> AnalysisAudit:
    """One analysis's printed rows held against the registry (see the module docstring)."""
    stated = Stated(
        a["measure"],
        a["method"],
        a["model"] if a["model"] != "unknown" else None,
        a["tau2_method"],
        a["level"],
    )
    q = Question(a["outcome"], a["subgroup_variable"], review=review)
    kind = data_type(profile, q)

    def audit_of(inferred: dict[str, Any], rows: list[RowAudit], notes: list[str]) -> AnalysisAudit:
        return AnalysisAudit(
            a["analysis_id"], a["number"], a["name"], a["subgroup_variable"], kind, inferred, rows, notes
        )

    try:
        inputs, no_data, _ = gather(con, q, profile, pre)
    except UserError as e:
        return audit_of(
            _inferred(None, a["measure"], stated), [_not_recomputable(r, str(e)) for r in printed], [str(e)]
        )
    matched = _match(printed, inputs, _subgroup_names(profile, a["subgroup_variable"]))
    pairs = [(j, i) for j, i in enumerate(matched) if i is not None]
    have = [j for j, _ in pairs]
    rows_in = [printed[j] for j in have]
    # pooled by the printed subgroups: RevMan's sets, whatever the registry calls their values
    used = [replace(i, subgroup=printed[j]["subgroup"]) for j, i in pairs]
    texts = [r[f"{k}_text"] for r in printed for k in FIELDS]
    tol = half_ulp(texts)
    inf: Inference | None = None
    notes: list[str] = []
    if used:
        try:
            data = study_data(used, kind)
            values = [tuple(to_float(r[f"{k}_text"]) for k in FIELDS) for r in rows_in]
            inf = infer(data, values, [r["subgroup"] for r in rows_in], tol, stated)  # type: ignore[arg-type]
        except UserError as e:
            notes.append(str(e))
    if inf is None:
        why = notes[0] if notes else None
        out = [_not_recomputable(r, why or _missing_reason(r["study_id"], no_data)) for r in printed]
        return audit_of(_inferred(None, a["measure"], stated), out, notes)
    measure = _generic_measure(used, inf) if kind == "generic" else inf.choice.measure
    if inf.choice.swap:
        used = [_swapped(i) for i in used]
        notes.append("events and non-events swapped: the effect of the complement of the outcome")
    scope = inf.scope
    by = "subgroup" if scope == "subgroups" else None
    method = inf.method or inf.choice.method
    ask = replace(
        q,
        by=by,
        measure=measure,
        method=method,
        model=inf.model or "fixed",
        tau2_method=inf.tau2_method or "DL",
        level=inf.level,
    )
    pooled_q = resolve(ask, kind, used, profile)
    res = pool_inputs(used, pooled_q, kind)
    assert res is not None
    studies = _results(res, [i.subgroup for i in used], scope)
    by_row = dict(zip(have, studies, strict=True))
    lacking = [
        r["label"] for j, r in enumerate(printed) if j not in by_row and r["weight_text"] not in (None, "0")
    ]
    weigh = scope != "not pooled" and not lacking
    if lacking and scope != "not pooled":
        # the registry's pooling lacks studies RevMan weighed: the others' weights cannot agree
        notes.append(f"weights not compared: no data in the registry for {', '.join(lacking)}")
    out = []
    for j, r in enumerate(printed):
        s = by_row.get(j)
        if s is None:
            out.append(_not_recomputable(r, _missing_reason(r["study_id"], no_data)))
            continue
        out.append(_row(r, s, weigh, tol))
    return audit_of(_inferred(inf, measure, stated), out, notes)


def _row(r: dict[str, Any], s: StudyResult, weigh: bool, tol: float) -> RowAudit:
    """A printed row against the registry's study result (the weight only where ``weigh``)."""
    got: dict[str, float | None] = {
        "estimate": _none(s.estimate),
        "ci_low": _none(s.ci_low),
        "ci_high": _none(s.ci_high),
        "weight": _none(s.weight) if weigh else None,
    }
    pub = _published(r)
    if all(v is None for v in pub.values()) and s.excluded is not None:
        # RevMan printed no effect and no weight, and evireg cannot estimate the study either
        # (e.g. no events in either arm under an OR or RR): the same answer, for the same reason
        return RowAudit(
            r["study_id"],
            r["label"],
            r["subgroup"],
            pub,
            got,
            "reproduced",
            {},
            f"not estimable in both: {s.excluded}",
            r["locator"],
        )
    if all(v is None for v in pub.values()):  # e.g. a RevMan 5 row of data without its effect
        return RowAudit(
            r["study_id"],
            r["label"],
            r["subgroup"],
            pub,
            got,
            "not_recomputable",
            {},
            "nothing printed for this row",
            r["locator"],
        )
    diffs: dict[str, float] = {}
    ok = True
    for k in FIELDS:
        if k == "weight" and not weigh:
            continue  # not pooled (RevMan printed 0 for every study), or pooled without a study
        p = to_float(pub[k])
        g = got[k]
        if not agrees(math.nan if g is None else g, p, tol):
            ok = False
            if g is not None and not math.isnan(p):
                diffs[k] = g - p
    verdict = "reproduced" if ok else "differs"
    reason = None if ok else _difference_cause(pub, got, tol)
    return RowAudit(r["study_id"], r["label"], r["subgroup"], pub, got, verdict, diffs, reason, r["locator"])


def _difference_cause(pub: dict[str, str | None], got: dict[str, float | None], tol: float) -> str:
    """A short cause, for the summary of many reviews."""
    if (pub["estimate"] is None) != (got["estimate"] is None):
        return "estimable in one and not the other"
    for k in ("estimate", "ci_low", "ci_high"):
        g = got[k]
        if not agrees(math.nan if g is None else g, to_float(pub[k]), tol):
            return "effect or CI differs"
    return "weight differs"
