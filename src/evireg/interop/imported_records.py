"""An imported review as registry records: the profile entries it needs (one outcome per
analysis, one category characteristic per subgrouped analysis), one study record per study
label, and the review record with every printed row kept exactly as published.

The records are built as plain data and validated by the record models, so an import can never
write a record that `evireg validate` would refuse. Ids and the shared model: imported.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from evireg.errors import Problem
from evireg.interop.imported import (
    NOT_ANALYSED,
    NOT_RANDOMISED,
    ImportedAnalysis,
    ImportedReview,
    Rob,
    Row,
    analysis_outcome,
    ascii_words,
    generic_effect,
    label_year,
    subgroup_values,
    subgroup_variable,
)
from evireg.records.rob import DOMAIN_LABELS, DOMAINS, Tool, overall_by_algorithm

# The direction of an outcome is not in the analysis data; see `outcome_def`.
DIRECTION = "higher_is_worse"
# RoB 2 domains as a review prints them -> the record's domain ids
ROB2_DOMAIN_IDS = {DOMAIN_LABELS[d]: d for d in DOMAINS[Tool.rob2]}
NO_SUPPORT = "the review gives no support text for this judgement"


@dataclass
class Built:
    """What one imported review contributes: profile entries and records as plain data."""

    outcomes: list[dict[str, Any]]
    characteristics: list[dict[str, Any]]
    studies: dict[str, dict[str, Any]]  # id -> study record data
    review: dict[str, Any]
    problems: list[Problem]


# Words that make an analysis's outcome a harm (CONSORT Harms' vocabulary, as review analyses
# name them): "Adverse events", "Serious adverse effects", "Side effects", "Withdrawal due to
# toxicity". A guess from the name, which the profile entry says it is.
HARM_NAME = re.compile(
    r"\b(adverse (events?|effects?|reactions?|drug reactions?)|side[- ]effects?|harms?|toxicit(y|ies)"
    r"|complications? of (the )?(treatment|therapy|intervention))\b",
    re.IGNORECASE,
)
SERIOUS_NAME = re.compile(r"\bserious\b", re.IGNORECASE)


def harm_selector(name: str) -> dict[str, Any] | None:
    """A harm outcome's selector, inferred from an analysis name, or None for any other outcome."""
    if not HARM_NAME.search(name):
        return None
    out: dict[str, Any] = {
        "inferred": f"inferred from the analysis name {name[:200]!r} (a harm, by its words); "
        "delete this `harm` entry if the outcome is not a harm"
    }
    if SERIOUS_NAME.search(name) and not re.search(r"\bnon[- ]?serious\b", name, re.IGNORECASE):
        out["seriousness"] = ["serious"]
    return out


def outcome_def(a: ImportedAnalysis) -> dict[str, Any]:
    # The direction is required by the profile but not stated by the file; higher_is_worse is
    # a placeholder (it only decides which side a figure calls favourable), said in the profile.
    out: dict[str, Any] = {
        "id": analysis_outcome(a),
        "label": a.name[:300],
        "data_type": a.data_type,
        "direction": DIRECTION,
    }
    if a.data_type == "dichotomous" and (harm := harm_selector(a.name)) is not None:
        out["harm"] = harm
    return out


def characteristic_def(a: ImportedAnalysis) -> dict[str, Any]:
    values = subgroup_values(a.subgroups)
    return {
        "id": subgroup_variable(a),
        "label": f"Subgroup of analysis {a.number}"[:300],
        "type": "category",
        "values": list(values.values()),
        "subgroups": list(values.values()),
        "value_labels": {v: name[:300] for name, v in values.items()},
    }


def source_entry(r: ImportedReview) -> dict[str, Any]:
    out: dict[str, Any] = {"id": r.id, "kind": "secondary", "citation": r.source_citation}
    if r.doi:
        out["doi"] = r.doi
    if r.url:
        out["url"] = r.url
    if r.sha256:
        out["sha256"] = r.sha256
    return out


def _locator(r: ImportedReview, a: ImportedAnalysis, row: Row) -> str:
    sub = f", subgroup '{row.subgroup}'" if row.subgroup else ""
    return f"Analysis {a.number}{sub}, row '{row.label}'"[:300]


def _arms(row: Row) -> list[dict[str, Any]]:
    d = row.data
    if row.kind == "dichotomous":
        return [
            {"arm": "intervention", "events": d["e_events"], "total": d["e_n"]},
            {"arm": "control", "events": d["c_events"], "total": d["c_n"]},
        ]
    return [
        {"arm": "intervention", "n": d["e_n"], "mean": d["e_mean"], "sd": d["e_sd"]},
        {"arm": "control", "n": d["c_n"], "mean": d["c_mean"], "sd": d["c_sd"]},
    ]


def result(r: ImportedReview, a: ImportedAnalysis, row: Row) -> dict[str, Any]:
    out: dict[str, Any] = {"outcome": analysis_outcome(a)}
    if row.subgroup is not None:
        out["subgroup"] = {
            "variable": subgroup_variable(a),
            "value": subgroup_values(a.subgroups)[row.subgroup],
        }
    out |= {"source": r.id, "locator": _locator(r, a, row)}
    if row.kind in ("generic", "oe"):
        effect, how = generic_effect(a, row)
        out["derivation"] = how
        out["effect"] = effect
    else:
        out["arms"] = _arms(row)
    if row.footnotes:
        out["notes"] = row.footnotes[:4000]
    return out


def assessment(r: ImportedReview, a: ImportedAnalysis, row: Row) -> dict[str, Any] | None:
    """The review's RoB 2 assessment of the row's result as a study-level assessment of its
    outcome (None when the row does not judge every RoB 2 domain)."""
    judged: dict[str, Rob] = {ROB2_DOMAIN_IDS[x.domain]: x for x in row.rob if x.domain in ROB2_DOMAIN_IDS}
    if sorted(judged) != sorted(DOMAINS[Tool.rob2]):
        return None
    domains = [
        {"domain": d, "judgement": judged[d].judgement, "reason": (judged[d].support or NO_SUPPORT)[:4000]}
        for d in DOMAINS[Tool.rob2]
    ]
    out: dict[str, Any] = {"outcome": analysis_outcome(a), "tool": "rob2", "domains": domains}
    printed = next((x.judgement for x in row.rob if x.domain == "Overall bias"), None)
    if printed is not None and printed != overall_by_algorithm(Tool.rob2, [x["judgement"] for x in domains]):
        out |= {"overall": printed, "overall_reason": "as printed by the review"}
    out |= {
        "assessor": f"authors of {r.doi or r.title}"[:300],
        "source": r.id,
        "locator": _locator(r, a, row),
    }
    return out


def study_record(
    r: ImportedReview, sid: str, label: str, year: int, results: list[dict[str, Any]], groups: tuple[str, str]
) -> dict[str, Any]:
    where = {"source": r.id, "locator": f"{r.file}, study '{label}'"[:300]}
    words = [w for w in label.split() if not any(c.isdigit() for c in w)]
    what = f"{label} (study as labelled in {r.title}; the analysis data give no bibliographic details)"
    return {
        "id": sid,
        "citation": {
            "authors": [" ".join(words)[:300] or label[:300]],
            "year": year,
            "title": what[:4000],
            "journal": "not given in the source file",
        },
        "sources": [source_entry(r)],
        "design": {
            "kind": "unclear",
            "randomised": None,
            "blinding": "unclear",
            "control_type": "unclear",
            "description": "Not described in the review's analysis data, which hold only each "
            "analysis's per-arm data and printed results.",
            "provenance": where,
        },
        "population": {
            "description": f"Participants of {label} as included in the review; the analysis "
            "data do not describe them.",
            "provenance": where,
        },
        "intervention": {
            "description": f"{groups[0]} (the review's experimental group; the analysis data "
            "do not describe it).",
            "provenance": where,
        },
        "comparator": {
            "description": f"{groups[1]} (the review's control group; the analysis data do not describe it).",
            "provenance": where,
        },
        "arms": [
            {
                "id": "intervention",
                "role": "intervention",
                "label": "Experimental",
                "n_randomised": {"value": None, "reason": NOT_RANDOMISED},
                "n_analysed": {"value": None, "reason": NOT_ANALYSED},
            },
            {
                "id": "control",
                "role": "control",
                "label": "Control",
                "n_randomised": {"value": None, "reason": NOT_RANDOMISED},
                "n_analysed": {"value": None, "reason": NOT_ANALYSED},
            },
        ],
        "outcomes": results,
    }


def _printed_row(a: ImportedAnalysis, row: Row) -> dict[str, Any]:
    out: dict[str, Any] = {"study": row.study, "label": row.label[:300]}
    if row.subgroup is not None:
        out["subgroup"] = row.subgroup[:300]
    for k in ("estimate", "ci_low", "ci_high", "weight"):
        if getattr(row, k) is not None:
            out[k] = getattr(row, k)
    out["locator"] = f"Analysis {a.number}, row '{row.label}'"[:300]
    return out


def analysis_record(r: ImportedReview, a: ImportedAnalysis) -> dict[str, Any]:
    out: dict[str, Any] = {"id": "a" + "-".join(ascii_words(a.number)), "outcome": analysis_outcome(a)}
    if a.subgroups:
        out["subgroup_variable"] = subgroup_variable(a)
    out |= {
        "measure": a.measure,
        "method": a.method,
        "model": a.model,
        "tau2_method": a.tau2_method,
        "level": a.level,
    }
    if a.software:
        out["software"] = a.software
    out |= {"number": a.number, "name": a.name[:4000]}
    if a.applicability:
        out["applicability"] = a.applicability
    if a.subgroups:
        out["subgroups"] = [s[:300] for s in a.subgroups]
    out["rows"] = [_printed_row(a, row) for row in a.rows]
    out["provenance"] = {"source": r.id, "locator": (a.locator or f"{r.file}, Analysis {a.number}")[:300]}
    if a.notes:
        out["notes"] = a.notes
    return out


def claims(a: ImportedAnalysis, analysis_id: str, r: ImportedReview) -> list[dict[str, Any]]:
    values = subgroup_values(a.subgroups)
    out = []
    for t in a.totals:
        if t.subgroup is not None and t.subgroup not in values:
            continue
        if (t.subgroup is None) != (not a.subgroups):
            continue  # a claim names a subgroup exactly when its analysis is subgrouped
        cid = analysis_id + (f"-{values[t.subgroup].replace('_', '-')}" if t.subgroup else "") + "-total"
        c: dict[str, Any] = {"id": cid[:80].strip("-"), "analysis": analysis_id}
        if t.subgroup is not None:
            c["subgroup_value"] = values[t.subgroup]
        c |= {"estimate": t.estimate, "ci_low": t.ci_low, "ci_high": t.ci_high}
        if t.z is not None:
            c["z"] = t.z
        if t.p is not None:
            c["p_text"] = t.p
        c |= {k: v for k, v in (("chi2", t.chi2), ("i2", t.i2), ("tau2", t.tau2)) if v is not None}
        c["k"] = len({row.label for row in a.rows if row.subgroup == t.subgroup or t.subgroup is None})
        c["provenance"] = {"source": r.id, "locator": t.locator[:300] or f"{r.file}, Analysis {a.number}"}
        out.append(c)
    return out


def build(r: ImportedReview) -> Built:
    """Profile entries, study records and the review record of one imported review."""
    problems: list[Problem] = []
    labels: dict[str, str] = {}
    years: dict[str, int] = {}
    results: dict[str, list[dict[str, Any]]] = {}
    # study -> outcome -> the review's assessment: RoB 2 judges a study's result for an outcome
    # once, so of an outcome's several rows (subgroups) the first judged one gives it
    assessed: dict[str, dict[str, dict[str, Any]]] = {}
    groups: dict[str, tuple[str, str]] = {}
    comparisons: dict[str, int] = {}
    for a in r.analyses:
        for row in a.rows:
            sid = row.study
            if not sid:
                problems.append(
                    Problem(
                        r.file,
                        row.where,
                        f"study label {row.label!r} has no letter or digit",
                        row.line or None,
                    )
                )
                continue
            if row.comparison > 1:
                comparisons[sid] = row.comparison
            if labels.setdefault(sid, row.label) != row.label:
                msg = f"study labels {labels[sid]!r} and {row.label!r} give the same id {sid!r}"
                problems.append(Problem(r.file, row.where, msg, row.line or None))
                continue
            year = row.year or label_year(row.label)
            if year is not None:
                years.setdefault(sid, year)
            results.setdefault(sid, []).append(result(r, a, row))
            if analysis_outcome(a) not in assessed.get(sid, {}):
                rob = assessment(r, a, row)
                if rob is not None:
                    assessed.setdefault(sid, {})[rob["outcome"]] = rob
            groups.setdefault(sid, a.group_labels)
    studies: dict[str, dict[str, Any]] = {}
    for sid, label in labels.items():
        if sid not in years:
            problems.append(Problem(r.file, f"study '{label}'", "no Study year and no year in the label"))
            continue
        studies[sid] = study_record(r, sid, label, years[sid], results.get(sid, []), groups[sid])
        if sid in assessed:
            studies[sid]["risk_of_bias"] = list(assessed[sid].values())
        if sid in comparisons:
            studies[sid]["notes"] = (
                f"Comparison {comparisons[sid]} of the study labelled {label!r}: where the review prints it "
                f"label more than once in one analysis and subgroup (a multi-arm study's comparisons, each "
                f"against its share of the control group), the k-th such row is filed here."
            )
    analyses = [analysis_record(r, a) for a in r.analyses]
    review: dict[str, Any] = {
        "id": r.id,
        "citation": {
            "authors": ["not given in the source file"],
            "year": r.year or max(years.values(), default=2000),
            "title": r.title[:4000],
            "journal": "Cochrane Database of Systematic Reviews"
            if r.doi and r.doi.startswith("10.1002/14651858.")
            else "not given in the source file",
        },
        "sources": [source_entry(r)],
        "included_studies": sorted(studies),
        "analyses": analyses,
        "claims": [c for a, rec in zip(r.analyses, analyses, strict=True) for c in claims(a, rec["id"], r)],
    }
    if r.doi:
        review["citation"]["doi"] = r.doi
    if r.year is None:
        review["notes"] = (
            "The source file does not give the review's publication year: the citation's "
            "year is that of its latest included study, a lower bound."
        )
    return Built(
        [outcome_def(a) for a in r.analyses],
        [characteristic_def(a) for a in r.analyses if a.subgroups],
        studies,
        review,
        problems,
    )
