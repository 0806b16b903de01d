"""A review's harms, as its studies' records report them: per study, each adverse event with who had
it, how serious, and per arm the participants with it over those at risk (or the statement's
quote); and, for a study that records none, what was searched and why nothing is recorded."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from evireg.index.connection import records, sql_text

if TYPE_CHECKING:
    import duckdb

    from evireg.records.profile import Profile


@dataclass(frozen=True)
class HarmArmTally:
    arm: str
    role: str | None
    participants: int | None
    events: int | None
    at_risk: int | None
    derivation: str | None
    reason: str | None

    @property
    def text(self) -> str:
        """`4/23`, `4/?` (at risk not reported), or `not reported`."""
        if self.participants is None:
            return "not reported"
        return f"{self.participants}/{self.at_risk if self.at_risk is not None else '?'}"


@dataclass(frozen=True)
class HarmRecord:
    study: str
    term: str
    seriousness: str
    who: str
    quote: str | None
    source_id: str
    locator: str
    arms: list[HarmArmTally] = field(default_factory=list)
    outcome: str | None = None  # a harm outcome's result recorded directly, not a harms record
    key: str | None = None  # "h<harm number>" for a harms record (see review_harms.sql)


@dataclass(frozen=True)
class StudyHarms:
    study: str
    harms: list[HarmRecord]
    not_reported: str | None  # what was searched, when the study records no harm

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def review_harms(
    con: duckdb.DuckDBPyConnection, review: str, profile: Profile | None = None
) -> list[StudyHarms]:
    """Every study of ``review`` with a harms record, a result of a harm outcome, or a statement of
    what was searched. A harm outcome's result (an imported review's adverse-event analysis) is
    named by the outcome's label, with the seriousness and population its selector names."""
    from evireg.index.profile_sql import read_profile

    profile = profile or read_profile(con)
    by_study: dict[str, dict[Any, HarmRecord]] = {}
    missing: dict[str, str | None] = {}
    for r in records(con, sql_text("review_harms.sql"), {"review": review}):
        sid = str(r["study_id"])
        by_study.setdefault(sid, {})
        if r["not_reported"] is not None:
            missing[sid] = str(r["not_reported"])
            continue
        term, seriousness, who = r["term"], r["seriousness"], r["who"]
        if r["outcome"] is not None:
            o = profile.outcome(str(r["outcome"]))
            sel = o.harm if o is not None else None
            term = o.label if o is not None else str(r["outcome"])
            if r["subgroup"]:
                term += f" ({r['subgroup']})"
            seriousness = "/".join(str(s) for s in sel.seriousness) if sel and sel.seriousness else "any"
            who = "/".join(sel.who) if sel and sel.who else "-"
        rec = by_study[sid].setdefault(
            r["harm_key"],
            HarmRecord(
                sid, term, seriousness, who, r["quote"], r["source_id"], r["locator"],
                outcome=r["outcome"], key=r["harm_key"],
            ),
        )
        if r["arm"] is not None:
            rec.arms.append(
                HarmArmTally(r["arm"], r["role"], r["participants"], r["events"], r["at_risk"],
                             r["derivation"], r["reason"])
            )
    return [StudyHarms(sid, list(h.values()), missing.get(sid)) for sid, h in by_study.items()]


def fitting(con: duckdb.DuckDBPyConnection, outcome: str) -> set[tuple[str, str]]:
    """(study, record key) of each harms record that fits a harm outcome, as the harm_matches
    view decides (the one place that matching is written)."""
    rows = con.execute(sql_text("harm_fits.sql"), {"outcome": outcome}).fetchall()
    return {(str(study), f"h{harm_no}") for study, harm_no in rows}


def explain(selector: Any, harms: list[StudyHarms], fits: set[tuple[str, str]]) -> list[str]:
    """What a review's harms records give a harm outcome, study by study: which record counts
    toward it and what it lacks for a two-arm count, which records it does not count, and which
    studies record no harm at all."""
    who = ", ".join(selector.who) or "anyone"
    grades = ", ".join(str(s).replace("_", "-") for s in selector.seriousness) or "any seriousness"
    terms = ", ".join(selector.terms) or "any term"
    lines = [f"harm outcome: harms of {who} ({grades}; {terms})"]
    usable, silent = 0, []
    for st in harms:
        records_ = [h for h in st.harms if h.outcome is None]  # a harm outcome's result is not a record
        counted = [h for h in records_ if (st.study, h.key) in fits]
        for h in counted:
            roles = {a.role for a in h.arms if a.participants is not None and a.at_risk is not None}
            arms = "; ".join(f"{a.arm} {a.text}" for a in h.arms) or f'a statement: "{h.quote}"'
            if {"intervention", "control"} <= roles:
                usable += 1
                lines.append(f"{st.study}: {h.term} ({h.seriousness}), {arms}: counts in both arms")
            else:
                lines.append(f"{st.study}: {h.term} ({h.seriousness}), {arms}: no two-arm count")
        others = [h for h in records_ if h not in counted]
        if others:
            named = ", ".join(f"{h.term} ({h.who})" for h in others)
            lines.append(f"{st.study}: records {named}, which this outcome does not count")
        if not records_:
            silent.append(st.study)
    if silent:
        lines.append(f"no harm recorded for {len(silent)} studies ({', '.join(silent)}); "
                     "each study record says what was searched")
    if not usable:
        lines.append("no study's harms records give counts in both arms, so the printed result cannot "
                     "be recomputed from the harms the sources report")
    return lines
