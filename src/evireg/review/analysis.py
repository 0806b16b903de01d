"""Questions to answers: outcome rows from the views, pooled, with the provenance of every input.

A question names an outcome and optionally a subgroup variable, a review (its included studies),
and a filter on study attributes; the registry's profile (stored in the index) says which
outcomes and subgroup variables there are, the order of the subgroups and why a study that is
in none of them cannot contribute. The answer carries each contributing 2x2 with the study,
source and locator it came from, every study in scope that could not contribute and why, and the
content hash of the registry it was computed from.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evireg.errors import InvalidOption, UserError
from evireg.index.connection import records, sql_for_outcomes, sql_text
from evireg.index.fresh import connect_readonly
from evireg.index.profile_sql import read_profile
from evireg.records.profile import BUILT_IN_COLUMNS, Profile
from evireg.records.profile_check import unknown
from evireg.registry.paths import Registry
from evireg.review.csvinput import read_columns, read_tables
from evireg.review.pooling import data_type_of, pool_inputs, resolve
from evireg.review.question import Answer, Input, Labels, NoData, Question
from evireg.review.rob import overall_judgements
from evireg.review.rows import ROWS_SQL, WHAT, to_input

if TYPE_CHECKING:
    import duckdb


def _scope(con: duckdb.DuckDBPyConnection, q: Question) -> list[dict[str, Any]]:
    """The studies in scope; a --where filter runs capped in time and memory (see sqlguard)."""
    import duckdb

    from evireg.index.sqlguard import ENV_TIMEOUT, describe_error, filtered_sql, run_capped, timeout_from_env

    sql = sql_text("analysis_scope.sql").rstrip().rstrip(";")
    params = {"review": q.review}
    if q.where is None:
        return records(con, sql, params)
    where, label = q.where, f"--where {q.where!r}"
    timeout = timeout_from_env()
    try:
        return run_capped(
            con,
            lambda: records(con, filtered_sql(con, sql, where), params),
            timeout,
            stopped=f"{label}: stopped after {timeout:g} s; narrow the filter or raise {ENV_TIMEOUT}",
        )
    except duckdb.BinderException as e:
        raise UserError(
            f"{label}: {describe_error(e)}; a filter may use the columns of the studies view "
            "(see `evireg views`)"
        ) from None
    except duckdb.Error as e:
        raise UserError(f"{label}: {describe_error(e)}") from None


def check_question(profile: Profile, q: Question) -> None:
    """An outcome or subgroup variable the registry does not declare is a usage error that
    names the valid ones (never an answer in which every study lacks data)."""
    if profile.outcome(q.outcome) is None:
        raise InvalidOption(
            f"--outcome: {unknown('outcome', q.outcome, profile.outcome_ids)}", profile.outcome_ids
        )
    if q.by is not None and q.by not in BUILT_IN_COLUMNS and profile.characteristic(q.by) is None:
        valid = [*profile.characteristic_ids, "design", "blinding", "control_type", "country"]
        raise InvalidOption(f"--by: {unknown('subgroup variable', q.by, valid)}", valid)


def data_type(profile: Profile, q: Question) -> str:
    """The outcome's data type, as the registry's profile declares it."""
    o = profile.outcome(q.outcome)
    return str(o.data_type) if o is not None else "dichotomous"


def labels_of(profile: Profile, q: Question) -> Labels:
    o = profile.outcome(q.outcome)
    return Labels(
        profile.arms.intervention,
        profile.arms.control,
        o.label if o else None,
        str(o.direction) if o else None,
        o.unit if o else None,
    )


@dataclass(frozen=True)
class Prefetched:
    """The index rows of many questions about one review's studies, read in one query each (the
    audit of an imported review asks one question per analysis, each of its own outcome)."""

    review: str | None
    scope: list[dict[str, Any]]
    rows: dict[str, list[dict[str, Any]]]  # by outcome
    missing: dict[str, list[dict[str, Any]]]  # by outcome
    registry_hash: str | None
    where: str | None = None  # the filter the scope was read with

    def narrowed(self, con: duckdb.DuckDBPyConnection, filters: list[str]) -> list[Prefetched]:
        """This scope under each of evireg's own filters (a report's sensitivity lines), read in
        one query: the filters are evireg's text, not the user's, so they need no vetting."""
        from evireg.index.sqlguard import combine

        if not filters:
            return []
        scope_sql = sql_text("analysis_scope.sql").rstrip().rstrip(";")
        flags = "".join(f", coalesce(({f}), false) AS f{i}" for i, f in enumerate(filters))
        sql = sql_text("scope_flags.sql").replace("/*scope*/", scope_sql).replace("/*flags*/", flags)
        passed = {r[0]: r[1:] for r in con.execute(sql, {"review": self.review}).fetchall()}
        return [
            replace(
                self,
                scope=[s for s in self.scope if passed.get(s["study_id"], [False] * len(filters))[i]],
                where=combine(self.where, f),
            )
            for i, f in enumerate(filters)
        ]


@dataclass(frozen=True)
class Preread:
    """The rows of many outcomes, read once for many reviews (``evireg audit --all``)."""

    rows: dict[str, list[dict[str, Any]]]
    missing: dict[str, list[dict[str, Any]]]
    registry_hash: str | None


def prefetch(
    con: duckdb.DuckDBPyConnection,
    review: str | None,
    outcomes: Iterable[str],
    profile: Profile,
    preread: Preread | None = None,
    where: str | None = None,
) -> Prefetched:
    """Read what :func:`gather` needs for questions about ``outcomes`` over ``review``'s studies
    (the outcomes' rows from ``preread`` when given: only the review's scope is read then),
    filtered by ``where`` when given (vetted and time-capped as a --where filter)."""
    pre = preread or read_outcomes(con, outcomes, profile)
    scope = _scope(con, Question("", review=review, where=where))
    return Prefetched(review, scope, pre.rows, pre.missing, pre.registry_hash, where)


def read_outcomes(con: duckdb.DuckDBPyConnection, outcomes: Iterable[str], profile: Profile) -> Preread:
    """Every row of ``outcomes`` (one query per data type) and why studies lack them."""
    by_kind: dict[str, list[str]] = defaultdict(list)
    for o in dict.fromkeys(outcomes):
        by_kind[data_type(profile, Question(o))].append(o)
    rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for kind, names in by_kind.items():
        for r in records(con, sql_for_outcomes(ROWS_SQL[kind]), {"outcomes": names}):
            rows[r["outcome"]].append(r)
    missing: dict[str, list[dict[str, Any]]] = defaultdict(list)
    every = [o for names in by_kind.values() for o in names]
    for m in records(con, sql_for_outcomes("analysis_missing.sql"), {"outcomes": every}):
        missing[m["outcome"]].append(m)
    h = con.execute(sql_text("registry_hash.sql")).fetchone()
    return Preread(dict(rows), dict(missing), h[0] if h else None)


def gather(
    con: duckdb.DuckDBPyConnection,
    q: Question,
    profile: Profile | None = None,
    prefetched: Prefetched | None = None,
) -> tuple[list[Input], list[NoData], str | None]:
    """The inputs and the no-data list of a question, read from the views (or from what was
    prefetched for its review, when the question has no --where filter)."""
    profile = profile or read_profile(con)
    check_question(profile, q)
    kind = data_type(profile, q)
    fits = prefetched is not None and (q.review, q.where) == (prefetched.review, prefetched.where)
    pre = prefetched if fits else None
    if pre is not None:
        scope, rows = pre.scope, pre.rows.get(q.outcome, [])
        missing_rows = pre.missing.get(q.outcome, [])
    else:
        scope = _scope(con, q)
        if q.review is not None and q.review not in review_ids(con):
            raise UserError(
                f"--review {q.review!r}: no such review in the registry (see `evireg query "
                '"select review_id from reviews"`)'
            )
        rows = records(con, sql_text(ROWS_SQL[kind]), {"outcome": q.outcome})
        missing_rows = records(con, sql_text("analysis_missing.sql"), {"outcome": q.outcome})
    missing = defaultdict(list)
    for m in missing_rows:
        missing[(m["study_id"], m["subgroup_value"])].append(m["reason"])
    whole: dict[str, list[dict[str, Any]]] = defaultdict(list)
    split: dict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        if r["subgroup_variable"] is None:
            whole[r["study_id"]].append(r)
        else:
            split[(r["study_id"], r["subgroup_variable"], r["subgroup_value"])].append(r)

    def why(study: str, subgroup: str | None = None) -> str:
        reasons = missing.get((study, subgroup)) or missing.get((study, None))
        return "; ".join(reasons) if reasons else f"no {WHAT[kind]} for {q.outcome} in the study file"

    # A category's subgroups are its declared values (in order); a study with another value
    # can only contribute results it reports by subgroup. Any other column splits by its value.
    char = profile.characteristic(q.by) if q.by else None
    groups = char.subgroup_values if char is not None and char.values else None
    inputs: list[Input] = []
    no_data: list[NoData] = []
    for s in scope:
        sid = s["study_id"]
        if q.by is None:
            if whole.get(sid):
                inputs.append(to_input(kind, sid, None, whole[sid]))
            else:
                no_data.append(NoData(sid, None, why(sid)))
        elif groups is None or s.get(q.by) in groups:
            value = str(s.get(q.by))
            if whole.get(sid):
                inputs.append(to_input(kind, sid, value, whole[sid]))
            else:
                no_data.append(NoData(sid, value, why(sid)))
        else:
            reported = sorted(k for k in split if k[0] == sid and k[1] == q.by)
            for key in reported:
                inputs.append(to_input(kind, sid, key[2], split[key]))
            if not reported:
                assert char is not None
                enrolled = char.not_in_subgroups.get(str(s.get(q.by)))
                prefix = f"{enrolled}; " if enrolled else ""
                no_data.append(NoData(sid, None, f"{prefix}no {q.outcome} results reported by {q.by}"))
    order = {v: i for i, v in enumerate(groups or ())}
    inputs.sort(key=lambda i: (order.get(i.subgroup or "", len(order)), i.subgroup or "", i.study))
    if pre is not None:
        return inputs, no_data, pre.registry_hash
    h = con.execute(sql_text("registry_hash.sql")).fetchone()
    return inputs, no_data, (h[0] if h else None)


def stated_method(
    method: str | None, software: str | None, measure: str, data_type: str = "dichotomous"
) -> tuple[str, str | None]:
    """The method a review used; RevMan's default for dichotomous data is Mantel-Haenszel, and
    continuous, generic and O - E data have one method each (inverse variance; Peto for O - E)."""
    if method:
        return method, None
    if data_type != "dichotomous":
        return ("Peto" if data_type == "o-e" else "IV"), None
    sw = (software or "").lower()
    if "review manager" in sw or sw.startswith("revman"):
        return "MH", f"method not stated; {software} pools {measure} by Mantel-Haenszel by default"
    return "MH", "method not stated; Mantel-Haenszel assumed"


def analysis_data_type(con: duckdb.DuckDBPyConnection, outcome: str) -> str:
    """The data type the registry's profile declares for an outcome."""
    return data_type(read_profile(con), Question(outcome))


def review_ids(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [str(r[0]) for r in con.execute(sql_text("review_ids.sql")).fetchall()]


def default_review(con: duckdb.DuckDBPyConnection) -> str:
    ids = review_ids(con)
    if len(ids) == 1:
        return ids[0]
    if not ids:
        raise UserError(
            "the registry holds no review; pass --outcome to `evireg pool` instead, or add a review file"
        )
    raise UserError(f"the registry holds {len(ids)} reviews ({', '.join(ids)}); choose one with --review")


def answer_with(
    con: duckdb.DuckDBPyConnection,
    q: Question,
    *,
    profile: Profile | None = None,
    rob: dict[str, str] | None = None,
    prefetched: Prefetched | None = None,
) -> Answer:
    """The answer to ``q``; ``profile``, ``rob`` (the outcome's overall risk-of-bias
    judgements) and the rows ``prefetched`` for its review and filter, when the caller already
    has them, spare their queries (a report asks a dozen variants of each question)."""
    profile = profile or read_profile(con)
    inputs, no_data, h = gather(con, q, profile, prefetched)
    kind = data_type(profile, q)
    q = resolve(q, kind, inputs, profile)
    notes = [f"{i.study}: {i.note}" for i in inputs if i.note]
    result = pool_inputs(inputs, q, kind)
    rob = overall_judgements(con, q.outcome) if rob is None else rob
    return Answer(q, h, inputs, no_data, result, notes, labels_of(profile, q), kind, rob)


def answer(reg: Registry, q: Question) -> Answer:
    with connect_readonly(reg) as con:
        return require_scope(answer_with(con, q))


def require_scope(ans: Answer) -> Answer:
    """A question the user filtered must keep at least one study: an empty answer to a filter
    that matched nothing reads like "no evidence", which is not what happened."""
    q = ans.question
    if q.where is not None and not ans.inputs and not ans.no_data:
        raise UserError(
            f"--where {q.where!r}: no study matches the filter, so there is nothing to analyse; "
            'check it against `evireg query "select * from studies"`'
        )
    return ans


def answers(reg: Registry, questions: Iterable[Question]) -> list[Answer]:
    with connect_readonly(reg) as con:
        return [answer_with(con, q) for q in questions]


def variant(q: Question, **changes: Any) -> Question:
    return replace(q, **changes)


def answer_from_csv(path: str | os.PathLike[str], q: Question) -> Answer:
    """Pool a CSV of 2x2 rows (see csvinput); the provenance is the file's hash and row numbers."""
    path = Path(path)
    inputs, digest = read_tables(path)
    return _answer_from_inputs(inputs, digest, q, str(path))


def answer_from_rows(columns: dict[str, list[Any]], q: Question) -> Answer:
    """Pool 2x2 rows given as columns (see csvinput.read_columns); provenance is the row number."""
    inputs, digest = read_columns(columns)
    return _answer_from_inputs(inputs, digest, q, "data")


def _answer_from_inputs(inputs: list[Input], digest: str, q: Question, label: str) -> Answer:
    kind = data_type_of(inputs)
    q = resolve(q, kind, inputs)
    if q.by is None and any(i.subgroup for i in inputs):
        q = replace(q, by="subgroup")
    if q.by is not None:
        unnamed = [i.study for i in inputs if not i.subgroup]
        if unnamed:
            raise UserError(
                f"{label}: rows without a subgroup ({', '.join(unnamed)}); "
                "fill the subgroup column for every row or for none"
            )
    return Answer(q, f"sha256:{digest}", inputs, [], pool_inputs(inputs, q, kind), data_type=kind)
