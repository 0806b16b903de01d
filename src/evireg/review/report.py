"""A review's analyses recomputed from the registry, with sensitivity analyses and provenance."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from evireg.errors import UserError
from evireg.index.connection import records, sql_text
from evireg.index.fresh import connect_readonly
from evireg.index.profile_sql import literal, read_profile
from evireg.registry.paths import Registry
from evireg.review.analysis import (
    Prefetched,
    answer_with,
    check_question,
    data_type,
    default_review,
    prefetch,
    require_scope,
    stated_method,
)
from evireg.review.harms import StudyHarms, review_harms
from evireg.review.pooling import kernel_args, pool_inputs
from evireg.review.question import Answer, Question
from evireg.review.rob import high_risk, low_only, overall_judgements_of

if TYPE_CHECKING:
    import duckdb

    from evireg.records.profile import Profile
    from evireg.stats import EggerResult, PoolResult


def rob_filters(rob: dict[str, str]) -> list[tuple[str, str]]:
    """The risk-of-bias lines, only when the outcome has assessments: the studies at low risk
    overall, and every study but those at high risk (ROBINS-I serious or critical count as high);
    a study without an assessment is neither low nor high."""
    if not rob:
        return []
    low = ", ".join(literal(s) for s in low_only(rob))
    high = ", ".join(literal(s) for s in sorted(high_risk(rob)))
    return [
        ("Low risk of bias only", f"study_id IN ({low})" if low else "false"),
        ("Excluding high risk of bias", f"study_id NOT IN ({high})" if high else "true"),
    ]


SENSITIVITY_FILTERS = (
    ("Randomised studies only", "randomised"),
    ("Placebo-controlled studies only", "control_type = 'placebo'"),
    ("Randomised and placebo-controlled", "randomised and control_type = 'placebo'"),
)


@dataclass(frozen=True)
class Line:
    """One alternative analysis: what changed, and the pooled result it gives."""

    label: str
    k: int
    estimate: float | None
    ci_low: float | None
    ci_high: float | None
    p: float | None
    i2: float | None

    @classmethod
    def of(cls, label: str, res: PoolResult | None) -> Line:
        if res is None or res.k == 0:
            return cls(label, 0, None, None, None, None, None)

        def f(x: float) -> float | None:
            return x if math.isfinite(x) else None

        return cls(
            label, res.k, f(res.estimate), f(res.ci_low), f(res.ci_high), f(res.p), f(res.heterogeneity.i2)
        )


@dataclass(frozen=True)
class Section:
    analysis_id: str
    title: str
    answer: Answer
    sensitivity: list[Line]
    leave_one_out: list[Line]
    egger: EggerResult | None
    model_note: str | None

    def to_dict(self) -> dict[str, Any]:
        from dataclasses import asdict

        return {
            "analysis_id": self.analysis_id,
            "title": self.title,
            "model_note": self.model_note,
            "result": self.answer.to_dict(),
            "sensitivity": [asdict(s) for s in self.sensitivity],
            "leave_one_out": [asdict(s) for s in self.leave_one_out],
            "egger": self.egger.to_dict() if self.egger else None,
        }


@dataclass(frozen=True)
class Report:
    review_id: str
    title: str
    registry_hash: str | None
    sections: list[Section]
    notes: list[str] = field(default_factory=list)
    harms: list[StudyHarms] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "review": self.review_id,
            "title": self.title,
            "registry_hash": self.registry_hash,
            "analyses": [s.to_dict() for s in self.sections],
            "notes": self.notes,
            "harms": [h.to_dict() for h in self.harms],
        }


def _title(a: dict[str, Any]) -> str:
    outcome = str(a["outcome"]).replace("_", " ")
    by = f" by {str(a['subgroup_variable']).replace('_', ' ')}" if a["subgroup_variable"] else ""
    return f"{a['analysis_id']}: {outcome}{by} ({a['measure']})"


@dataclass(frozen=True)
class Sensitivity:
    """How a pooled result moves: other model, study filters, each study left out, studies
    added in order of publication, and Egger's test for small-study effects."""

    lines: list[Line]
    leave_one_out: list[Line]
    cumulative: list[Line]
    egger: EggerResult | None

    def to_dict(self) -> dict[str, Any]:
        from dataclasses import asdict

        return {
            "analyses": [asdict(x) for x in self.lines],
            "leave_one_out": [asdict(x) for x in self.leave_one_out],
            "cumulative": [asdict(x) for x in self.cumulative],
            "egger": self.egger.to_dict() if self.egger else None,
        }


def sensitivity_with(
    con: duckdb.DuckDBPyConnection,
    main: Answer,
    *,
    profile: Profile | None = None,
    prefetched: Prefetched | None = None,
    narrowed: dict[str, Prefetched] | None = None,
) -> Sensitivity:
    """The sensitivity analyses of ``main``: its rows are read once (or taken from
    ``prefetched``), and every filter's scope in one more query (or taken from ``narrowed``,
    ``prefetched`` under each filter), not one query per line."""
    q = main.question  # with the measure, method, model and level the answer settled
    profile = profile or read_profile(con)
    pre = prefetched
    if pre is None or (pre.review, pre.where) != (q.review, q.where):
        pre, narrowed = prefetch(con, q.review, [q.outcome], profile, where=q.where), None

    def variant(scope: Prefetched, **changes: Any) -> PoolResult | None:
        changed = replace(q, where=scope.where, **changes)
        return answer_with(con, changed, profile=profile, rob=main.rob, prefetched=scope).overall

    other = "random" if q.model == "fixed" else "fixed"
    lines = [
        Line.of(f"As analysed ({_as_analysed(q)})", main.overall),
        Line.of(_other_label(other, q), variant(pre, **_other_model(q))),
    ]
    filters = [*SENSITIVITY_FILTERS, *rob_filters(main.rob)]
    scopes = narrowed_scopes(con, pre, [w for _, w in filters], narrowed)
    for label, where in filters:
        lines.append(Line.of(label, variant(scopes[where])))
    return _study_by_study(main, lines)


def narrowed_scopes(
    con: duckdb.DuckDBPyConnection,
    pre: Prefetched,
    filters: list[str],
    have: dict[str, Prefetched] | None = None,
) -> dict[str, Prefetched]:
    """``pre`` under each filter (by its text), those not in ``have`` read in one query."""
    have = dict(have or {})
    todo = [w for w in dict.fromkeys(filters) if w not in have]
    have.update(zip(todo, pre.narrowed(con, todo), strict=True))
    return have


def sensitivity_of_rows(main: Answer) -> Sensitivity:
    """The sensitivity of an answer pooled from rows given directly (a CSV file, columns): the
    other model, leave-one-out, cumulative (in the order of a year column when there is one) and
    Egger's test. The filters by design and risk of bias read study records a table has not got."""
    q = main.question
    other = "random" if q.model == "fixed" else "fixed"
    changed = replace(q, **_other_model(q))
    moved = replace(main, question=changed, result=pool_inputs(main.inputs, changed, main.data_type))
    lines = [
        Line.of(f"As analysed ({_as_analysed(q)})", main.overall),
        Line.of(_other_label(other, q), moved.overall),
    ]
    return _study_by_study(main, lines)


def _other_model(q: Question) -> dict[str, Any]:
    """The changes that give the other model: HKSJ belongs to random effects, so the fixed
    alternative of an HKSJ analysis drops it (and the random alternative of a fixed one has none)."""
    return {"model": "random" if q.model == "fixed" else "fixed", "hksj": False}


def _as_analysed(q: Question) -> str:
    model = q.model or "fixed"
    return f"{model}, HKSJ" if q.hksj else model


def _other_label(other: str, q: Question) -> str:
    # tau2's estimator names the random-effects alternative; a fixed effect has no tau2
    return f"Random effects ({q.tau2_method})" if other == "random" else "Fixed effect"


def _study_by_study(main: Answer, lines: list[Line]) -> Sensitivity:
    """Each study left out, the studies added by year, and Egger's test, after `lines`."""
    from evireg.stats import sensitivity

    q = main.question
    inputs = main.inputs
    if len(inputs) < 2:
        return Sensitivity(lines, [], [], None)
    labels = [i.study + (f" ({i.subgroup})" if i.subgroup else "") for i in inputs]
    data, opts = kernel_args(inputs, replace(q, by=None))
    data = replace(data, labels=labels)
    loo = [Line.of(f"without {s.omitted}", s.result) for s in sensitivity.leave_one_out_data(data, opts)]
    years = [i.year if i.year is not None else 9999 for i in inputs]
    cumul = [Line.of(f"+ {s.added}", s.result) for s in sensitivity.cumulative_data(data, opts, years)]
    egger = sensitivity.egger_data(data, opts.measure)
    return Sensitivity(lines, loo, cumul, egger)


def sensitivity_report(reg: Registry, q: Question) -> tuple[Answer, Sensitivity]:
    with connect_readonly(reg) as con:
        main = require_scope(answer_with(con, q))
        return main, sensitivity_with(con, main)


def _section(
    con: duckdb.DuckDBPyConnection,
    review: str,
    a: dict[str, Any],
    profile: Profile,
    pre: Prefetched,
    rob: dict[str, str],
    narrowed: dict[str, Prefetched],
) -> Section:
    kind = data_type(profile, Question(a["outcome"]))
    method, why = stated_method(a["method"], a["software"], a["measure"], kind)
    stated = a["model"] if a["model"] in ("fixed", "random") else None
    model = stated or "fixed"
    note = None if stated else "model not stated by the review: fixed effect shown, random effects below"
    if why:
        note = f"{why}; {note}" if note else why
    q = Question(a["outcome"], a["subgroup_variable"], a["measure"], method, model, review=review)
    main = answer_with(con, q, profile=profile, rob=rob, prefetched=pre)
    sens = sensitivity_with(con, main, profile=profile, prefetched=pre, narrowed=narrowed)
    return Section(a["analysis_id"], _title(a), main, sens.lines, sens.leave_one_out, sens.egger, note)


def build_report(reg: Registry, review: str | None = None) -> Report:
    with connect_readonly(reg) as con:
        review = review or default_review(con)
        info = records(con, sql_text("review_info.sql"), {"review": review})
        if not info:
            raise UserError(f"--review {review!r}: no such review in the registry")
        # One read of every outcome's rows, risk of bias and sensitivity filters for the whole
        # report, not one per question: a query costs more to plan than its rows to read.
        profile = read_profile(con)
        outcomes = list(dict.fromkeys(str(a["outcome"]) for a in info))
        for o in outcomes:
            check_question(profile, Question(o))
        pre = prefetch(con, review, outcomes, profile)
        robs = overall_judgements_of(con, outcomes)
        filters = [w for _, w in SENSITIVITY_FILTERS]
        filters += [w for o in outcomes for _, w in rob_filters(robs[o])]
        scopes = narrowed_scopes(con, pre, filters)
        sections = [_section(con, review, a, profile, pre, robs[a["outcome"]], scopes) for a in info]
        title = f"{info[0]['first_author']} {info[0]['year']}: {info[0]['title']}"
        return Report(review, title, pre.registry_hash, sections, harms=review_harms(con, review, profile))
