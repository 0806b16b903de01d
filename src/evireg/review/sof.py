"""A GRADE summary of findings: per outcome of a review, what the evidence says and how sure.

One row per analysis of the review (the whole-study analyses; a subgroup analysis gives a row
per subgroup only where the review published a result for it), laid out as GRADEpro GDT and the
Cochrane Handbook (chapter 14) lay out a summary of findings table:

* the relative effect with its CI: the pooled result recomputed from the registry, with the
  method and model `evireg report` uses (the review's, else its software's default), and the
  published claim beside it;
* the illustrative absolute effects: the assumed control risk (the pooled studies' control arms,
  total events / total participants, unless the review's rating states one) and the
  corresponding intervention risk per 1,000 with its CI, from the pooled ratio (certainty.py);
  for continuous outcomes the mean difference in words;
* participants (studies), and the certainty: the review's own rating when it gives one, else the
  rating suggested from the data (certainty.py), labelled so, with the reason for each domain.

An analysis with nothing to pool is a row too, saying so and naming the studies without data.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from evireg.errors import UserError
from evireg.index.connection import records, sql_text
from evireg.index.fresh import connect_readonly
from evireg.registry.paths import Registry
from evireg.review.analysis import analysis_data_type, answer_with, default_review, stated_method
from evireg.review.certainty import Certainty, Downgrade, corresponding_risk, suggest, suggest_unverified
from evireg.review.pooling import kernel_args
from evireg.review.question import Answer, Input, NoData, Question

if TYPE_CHECKING:
    import duckdb

    from evireg.records.review import CertaintyRating, Claim, Review
    from evireg.stats import EggerResult, PoolResult

RATIO_MEASURES = ("OR", "RR", "Peto OR", "HR")
RISK_MEASURES = ("OR", "RR", "Peto OR", "RD")
NOT_RATED = (
    "not rated: with no study's data in the registry, none of the five domains can be assessed "
    "(a rating of the published result alone would rest on nothing that can be checked)"
)
EGGER_MIN_K = 10  # certainty.py assesses publication bias from 10 studies; fewer need no test


@dataclass(frozen=True)
class Absolute:
    """Illustrative absolute effects per 1,000: the assumed (control) risk, the corresponding
    (intervention) risk with its CI, and the difference between them with its CI."""

    assumed: int
    corresponding: int
    ci_low: int
    ci_high: int
    difference: int
    difference_low: int
    difference_high: int
    control_risk: float
    basis: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "assumed_per_1000": self.assumed,
            "corresponding_per_1000": self.corresponding,
            "corresponding_ci_per_1000": [self.ci_low, self.ci_high],
            "difference_per_1000": self.difference,
            "difference_ci_per_1000": [self.difference_low, self.difference_high],
            "control_risk": self.control_risk,
            "basis": self.basis,
        }


@dataclass(frozen=True)
class Published:
    """The review's printed result for the row, as printed."""

    estimate: str
    ci_low: str
    ci_high: str
    p_text: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"estimate": self.estimate, "ci_low": self.ci_low, "ci_high": self.ci_high, "p": self.p_text}


@dataclass(frozen=True)
class SofRow:
    analysis_id: str
    outcome: str  # the outcome's label
    subgroup: str | None
    measure: str
    method: str
    model: str
    published: Published | None
    no_data: list[NoData]
    method_notes: list[str]  # how the method and model were settled, when the review does not say
    k: int = 0
    participants: int = 0
    studies: list[str] = field(default_factory=list)
    estimate: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    absolute: Absolute | None = None
    continuous: str | None = None  # the mean difference in words
    certainty: Certainty | None = None
    suggested: Certainty | None = None  # the suggestion from the data, when the review's rating replaces it
    notes: list[str] = field(default_factory=list)
    not_rated: str | None = None  # why the row has no certainty

    @property
    def title(self) -> str:
        return self.outcome + (f" ({self.subgroup.replace('_', ' ')})" if self.subgroup else "")

    def to_dict(self) -> dict[str, Any]:
        return {
            "analysis": self.analysis_id,
            "outcome": self.outcome,
            "subgroup": self.subgroup,
            "measure": self.measure,
            "method": self.method,
            "model": self.model,
            "relative_effect": None
            if self.estimate is None
            else {"estimate": self.estimate, "ci_low": self.ci_low, "ci_high": self.ci_high},
            "published": self.published.to_dict() if self.published else None,
            "absolute": self.absolute.to_dict() if self.absolute else None,
            "mean_difference": self.continuous,
            "participants": self.participants,
            "studies": self.k,
            "pooled_studies": self.studies,
            "certainty": self.certainty.to_dict() if self.certainty else None,
            "suggested": self.suggested.to_dict() if self.suggested else None,
            "not_rated": self.not_rated,
            "method_notes": self.method_notes,
            "no_data": [{"study": n.study, "subgroup": n.subgroup, "reason": n.reason} for n in self.no_data],
            "notes": self.notes,
        }


@dataclass(frozen=True)
class SummaryOfFindings:
    review_id: str
    title: str
    intervention: str
    control: str
    registry_hash: str | None
    rows: list[SofRow]

    def to_dict(self) -> dict[str, Any]:
        return {
            "review": self.review_id,
            "title": self.title,
            "intervention": self.intervention,
            "control": self.control,
            "registry_hash": self.registry_hash,
            "rows": [r.to_dict() for r in self.rows],
        }


def overall_rob(con: duckdb.DuckDBPyConnection, outcome: str) -> dict[str, str]:
    """Each assessed study's overall risk-of-bias judgement for an outcome; none while the
    index has no `risk_of_bias` view (an index built before risk-of-bias assessments)."""
    import duckdb

    try:
        rows = records(con, sql_text("sof_rob_overall.sql"), {"outcome": outcome})
    except duckdb.CatalogException:
        return {}
    return {str(r["study_id"]): str(r["judgement"]) for r in rows}


def _participants(inputs: list[Input]) -> int:
    return sum(
        int(i.values.get(a, 0)) + int(i.values.get(b, 0))
        for i in inputs
        for a, b in (("total_treat", "total_ctrl"), ("n_treat", "n_ctrl"))
    )


def absolute_effect(
    measure: str, res: PoolResult, inputs: list[Input], stated: float | None
) -> Absolute | None:
    """The absolute effects of a pooled risk measure, from the stated control risk or else the
    pooled control arms' (total events / total participants); None for other measures."""
    if measure not in RISK_MEASURES or not all(
        math.isfinite(x) for x in (res.estimate, res.ci_low, res.ci_high)
    ):
        return None
    if stated is not None:
        acr, basis = stated, "the control risk the review states"
    else:
        events = sum(i.events_ctrl for i in inputs)
        total = sum(i.total_ctrl for i in inputs)
        if not total or not 0 < events < total:
            return None
        acr = events / total
        studies = "pooled study" if len(inputs) == 1 else f"{len(inputs)} pooled studies"
        basis = f"the control arms of the {studies} ({events}/{total})"
    cr, lo, hi = (corresponding_risk(measure, acr, x) for x in (res.estimate, res.ci_low, res.ci_high))
    lo, hi = sorted((lo, hi))

    def k(x: float) -> int:
        return round(1000 * x)

    return Absolute(k(acr), k(cr), k(lo), k(hi), k(cr - acr), k(lo - acr), k(hi - acr), acr, basis)


def _signed(x: float, unit: str) -> str:
    return f"{abs(x):.2f}{unit} {'higher' if x > 0 else 'lower'}" if x else f"0.00{unit}"


def mean_difference_words(measure: str, res: PoolResult, outcome: str, unit: str | None) -> str | None:
    """A continuous outcome's pooled difference as GRADEpro words it."""
    if measure not in ("MD", "SMD") or not math.isfinite(res.estimate):
        return None
    u = f" {unit}" if unit and measure == "MD" else ""
    what = f"The mean {outcome.lower()}" if measure == "MD" else "The standardised mean difference"
    return (
        f"{what} was {_signed(res.estimate, u)} with the intervention "
        f"({_signed(res.ci_low, u)} to {_signed(res.ci_high, u)})"
    )


def _review_certainty(rating: CertaintyRating) -> Certainty:
    from evireg.review.certainty import RATINGS

    given = {d.domain: d for d in rating.downgrades}
    domains = [
        Downgrade(d, given[d].levels, given[d].reason)
        if d in given
        else Downgrade(d, 0, "not downgraded in the review's rating")
        for d in ("risk_of_bias", "inconsistency", "indirectness", "imprecision", "publication_bias")
    ]
    text = rating.rating.replace("_", " ")
    assert text in RATINGS
    return Certainty("high", text, domains, source="the review's rating")


def _egger(inputs: list[Input], q: Question) -> EggerResult | None:
    from evireg.stats.sensitivity import egger_data

    if len(inputs) < EGGER_MIN_K:
        return None
    data, opts = kernel_args(inputs, replace(q, by=None))
    return egger_data(data, opts.measure)


def _claim(review: Review, analysis: str, subgroup: str | None) -> Claim | None:
    return next((c for c in review.claims if c.analysis == analysis and c.subgroup_value == subgroup), None)


def _row(review: Review, a: dict[str, Any], ans: Answer, subgroup: str | None, rob: dict[str, str]) -> SofRow:
    q = ans.question
    inputs = [i for i in ans.inputs if subgroup is None or i.subgroup == subgroup]
    # In a subgroup row, a study that is in none of the subgroups is not missing from it.
    no_data = [n for n in ans.no_data if n.subgroup == subgroup]
    res = ans.overall if subgroup is None else dict(ans.subgroups).get(subgroup)
    rating = next(
        (c for c in review.certainty if c.analysis == a["analysis_id"] and c.subgroup_value == subgroup), None
    )
    claim = _claim(review, a["analysis_id"], subgroup)
    outcome = ans.labels.outcome or str(a["outcome"]).replace("_", " ")
    measure = str(q.measure)
    certainty = _review_certainty(rating) if rating else None
    missing = ", ".join(sorted({n.study for n in no_data}))
    common: dict[str, Any] = {
        "analysis_id": a["analysis_id"],
        "outcome": outcome,
        "subgroup": subgroup,
        "measure": measure,
        "method": str(q.method),
        "model": str(q.model),
        "published": Published(claim.estimate, claim.ci_low, claim.ci_high, claim.p_text) if claim else None,
        "no_data": no_data,
        "method_notes": a["method_notes"],
    }
    if res is None or res.k == 0:
        if certainty is None and claim is not None:
            # rated from the published result alone, and labelled so (see suggest_unverified)
            certainty = suggest_unverified(
                float(claim.ci_low), float(claim.ci_high), ratio=measure in RATIO_MEASURES
            )
        return SofRow(
            **common,
            certainty=certainty,
            notes=[
                f"not recomputable: no study in the registry has data (without data: {missing or 'none'})"
            ],
            not_rated=None if certainty else NOT_RATED,
        )
    pooled = [i for i in inputs if any(s.label == i.study and s.weight for s in res.studies)]
    participants = _participants(inputs)
    absolute = absolute_effect(measure, res, pooled, rating.assumed_risk if rating else None)
    suggested = suggest(
        res,
        ratio=measure in RATIO_MEASURES,
        participants=participants,
        acr=absolute.control_risk if absolute else None,
        overall_rob={s: j for s, j in rob.items() if s in {i.study for i in inputs}},
        egger=_egger(inputs, q),
    )
    return SofRow(
        **common,
        k=res.k,
        participants=participants,
        studies=[i.study for i in inputs],
        estimate=res.estimate,
        ci_low=res.ci_low,
        ci_high=res.ci_high,
        absolute=absolute,
        continuous=mean_difference_words(measure, res, outcome, ans.labels.unit),
        certainty=certainty or suggested,
        suggested=suggested if certainty else None,
        notes=[f"not pooled (no data): {missing}"] if missing else [],
    )


def _analysis_rows(con: duckdb.DuckDBPyConnection, review: Review, a: dict[str, Any]) -> list[SofRow]:
    method, why = stated_method(
        a["method"], a["software"], a["measure"], analysis_data_type(con, a["outcome"])
    )
    stated = a["model"] if a["model"] in ("fixed", "random") else None
    notes = [why] if why else []
    if stated is None:
        notes.append("model not stated by the review: fixed effect shown")
    a = {**a, "method_notes": notes}
    q = Question(
        a["outcome"], a["subgroup_variable"], a["measure"], method, stated or "fixed", review=review.id
    )
    ans = answer_with(con, q)
    rob = overall_rob(con, a["outcome"])
    if a["subgroup_variable"] is None:
        return [_row(review, a, ans, None, rob)]
    published = [
        c.subgroup_value for c in review.claims if c.analysis == a["analysis_id"] and c.subgroup_value
    ]
    return [_row(review, a, ans, str(v), rob) for v in dict.fromkeys(published)]


def summary_of_findings(con: duckdb.DuckDBPyConnection, review: Review) -> SummaryOfFindings:
    """The summary of findings of a review's analyses over the registry's index."""
    from evireg.index.profile_sql import read_profile

    info = records(con, sql_text("review_info.sql"), {"review": review.id})
    if not info:
        raise UserError(f"--review {review.id!r}: no such review in the registry")
    rows = [row for a in info for row in _analysis_rows(con, review, a)]
    h = con.execute(sql_text("registry_hash.sql")).fetchone()
    arms = read_profile(con).arms
    title = f"{info[0]['first_author']} {info[0]['year']}: {info[0]['title']}"
    return SummaryOfFindings(review.id, title, arms.intervention, arms.control, h[0] if h else None, rows)


def load_review(reg: Registry, con: duckdb.DuckDBPyConnection, review: str) -> Review:
    """A review's record, read from the file the index says holds it."""
    from evireg.records.review import Review
    from evireg.registry.validate import load_file

    row = con.execute(sql_text("sof_review_file.sql"), {"review": review}).fetchone()
    if row is None:
        raise UserError(f"--review {review!r}: no such review in the registry")
    rec, problems = load_file(reg.root / str(row[0]), kind="review")
    if not isinstance(rec, Review):
        raise UserError("; ".join(f"{p.file}: {p.path}: {p.message}" for p in problems) or "cannot read")
    return rec


def build_sof(reg: Registry, review: str | None = None) -> SummaryOfFindings:
    """`evireg sof`: the summary of findings of a review (the registry's only one by default)."""
    with connect_readonly(reg) as con:
        review = review or default_review(con)
        return summary_of_findings(con, load_review(reg, con, review))
