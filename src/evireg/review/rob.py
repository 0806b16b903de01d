"""Risk-of-bias tables: per outcome and tool, studies by domains with the overall judgement.

What `evireg rob` and `evireg plot rob` show, read from the `risk_of_bias` view, and each
pooled answer's overall judgements (shown beside its study rows). The symbols are robvis's
(McGuinness & Higgins 2021): + low, ! some concerns or moderate, − high or serious, × critical,
? no information. For sensitivity analyses ROBINS-I's serious and critical count as high risk.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from evireg.errors import InvalidOption, UserError
from evireg.index.connection import records, sql_for_outcomes, sql_text
from evireg.index.fresh import connect_readonly
from evireg.index.profile_sql import read_profile
from evireg.records.profile_check import unknown
from evireg.records.rob import DOMAIN_LABELS, DOMAINS, Tool
from evireg.registry.paths import Registry

if TYPE_CHECKING:
    import duckdb

SYMBOLS = {
    "low": "+",
    "some_concerns": "!",
    "moderate": "!",
    "high": "−",
    "serious": "−",
    "critical": "×",
    "no_information": "?",
}
WORDS = {
    "low": "Low",
    "some_concerns": "Some concerns",
    "moderate": "Moderate",
    "high": "High",
    "serious": "Serious",
    "critical": "Critical",
    "no_information": "No information",
}
HIGH = frozenset({"high", "serious", "critical"})  # high risk, for sensitivity analyses
TOOL_NAMES = {"rob2": "RoB 2", "robins_i": "ROBINS-I"}


def symbol(judgement: str | None) -> str:
    return SYMBOLS.get(judgement or "", "")


@dataclass(frozen=True)
class Judgement:
    """One domain's (or the overall) judgement with its support and where it was read."""

    domain: str
    label: str
    judgement: str
    support: str | None
    source_id: str | None
    locator: str | None

    @property
    def symbol(self) -> str:
        return symbol(self.judgement)


@dataclass(frozen=True)
class StudyRob:
    study_id: str
    assessor: str
    assessed_on: str | None
    domains: list[Judgement]  # in the tool's order
    overall: Judgement
    overridden: bool


@dataclass(frozen=True)
class RobTable:
    """One outcome's assessments with one tool: studies by the tool's domains."""

    outcome: str
    outcome_label: str
    tool: str
    studies: list[StudyRob]

    @property
    def tool_name(self) -> str:
        return TOOL_NAMES.get(self.tool, self.tool)

    @property
    def domains(self) -> list[tuple[str, str]]:
        """(id, label) of the tool's domains, in order."""
        return [(d, DOMAIN_LABELS[d]) for d in DOMAINS[Tool(self.tool)]]

    def to_dict(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome,
            "outcome_label": self.outcome_label,
            "tool": self.tool,
            "domains": [{"domain": d, "label": lab} for d, lab in self.domains],
            "studies": [
                {
                    "study": s.study_id,
                    "assessor": s.assessor,
                    "assessed_on": s.assessed_on,
                    "overall": asdict(s.overall) | {"overridden": s.overridden},
                    "domains": [asdict(j) for j in s.domains],
                }
                for s in self.studies
            ],
        }


@dataclass(frozen=True)
class RobReport:
    tables: list[RobTable] = field(default_factory=list)
    review: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"review": self.review, "outcomes": [t.to_dict() for t in self.tables]}

    def table(self, outcome: str, tool: str | None = None) -> RobTable:
        """The outcome's table with `tool` (default: its first tool, RoB 2 before ROBINS-I)."""
        tables = [t for t in self.tables if t.outcome == outcome]
        if not tables:
            raise UserError(f"no risk-of-bias assessments of {outcome} (see `evireg rob`)")
        for t in tables:
            if tool is None or t.tool == tool:
                return t
        have = [t.tool for t in tables]
        raise InvalidOption(f"--tool {tool!r}: {outcome} is assessed with {', '.join(have)}", have)


def _judgement(r: dict[str, Any]) -> Judgement:
    return Judgement(
        r["domain"], r["domain_label"], r["judgement"], r["support"], r["source_id"], r["locator"]
    )


def rob_tables(con: duckdb.DuckDBPyConnection, outcome: str | None, review: str | None) -> RobReport:
    """The assessments of `outcome` (None: every outcome) over `review`'s studies (None: all)."""
    profile = read_profile(con)
    if outcome is not None and profile.outcome(outcome) is None:
        ids = profile.outcome_ids
        raise InvalidOption(f"--outcome: {unknown('outcome', outcome, ids)}", ids)
    reviews = [str(r[0]) for r in con.execute(sql_text("review_ids.sql")).fetchall()]
    if review is not None and review not in reviews:
        raise UserError(f"--review {review!r}: no such review in the registry")
    rows = records(con, sql_text("rob_assessments.sql"), {"outcome": outcome, "review": review})
    grouped: dict[tuple[str, str], dict[str, list[dict[str, Any]]]] = defaultdict(lambda: defaultdict(list))
    for r in rows:
        grouped[(r["outcome"], r["tool"])][r["study_id"]].append(r)
    order = {o: i for i, o in enumerate(profile.outcome_ids)}
    tables = []
    keys = sorted(grouped, key=lambda k: (order.get(k[0], len(order)), k))
    for out, tool in keys:
        studies = grouped[(out, tool)]
        place = {d: i for i, d in enumerate(DOMAINS[Tool(tool)])}
        made = []
        for sid in sorted(studies):
            rs = studies[sid]
            overall = next(r for r in rs if r["domain"] == "overall")
            doms = sorted((r for r in rs if r["domain"] != "overall"), key=lambda r: place[r["domain"]])
            when = overall["assessed_on"]
            made.append(
                StudyRob(sid, overall["assessor"], when.isoformat() if when else None,
                         [_judgement(r) for r in doms], _judgement(overall), bool(overall["overridden"]))
            )
        o = profile.outcome(out)
        tables.append(RobTable(out, o.label if o else out, tool, made))
    return RobReport(tables, review)


def risk_of_bias(reg: Registry, outcome: str | None = None, review: str | None = None) -> RobReport:
    with connect_readonly(reg) as con:
        return rob_tables(con, outcome, review)


def overall_judgements(con: duckdb.DuckDBPyConnection, outcome: str) -> dict[str, str]:
    """study id -> its overall judgement of `outcome` (RoB 2's when it has both tools'); empty
    when the outcome has no assessment, so that answers without any look as they always have."""
    out: dict[str, str] = {}
    for r in records(con, sql_text("answer_rob.sql"), {"outcome": outcome}):
        out.setdefault(r["study_id"], r["judgement"])
    return out


def overall_judgements_of(con: duckdb.DuckDBPyConnection, outcomes: list[str]) -> dict[str, dict[str, str]]:
    """:func:`overall_judgements` of many outcomes in one query (outcome -> study -> judgement)."""
    out: dict[str, dict[str, str]] = {o: {} for o in outcomes}
    for r in records(con, sql_for_outcomes("answer_rob.sql"), {"outcomes": outcomes}):
        out[r["outcome"]].setdefault(r["study_id"], r["judgement"])
    return out


def low_only(rob: dict[str, str]) -> list[str]:
    """The studies judged at low risk overall."""
    return sorted(s for s, j in rob.items() if j == "low")


def high_risk(rob: dict[str, str]) -> set[str]:
    """The studies judged at high risk overall (ROBINS-I serious or critical count as high)."""
    return {s for s, j in rob.items() if j in HIGH}


def study_weights(answer: Any) -> dict[str, float]:
    """study id -> its percentage weight in an answer's overall analysis (summed over its rows,
    for a study in several subgroups), for the weighted summary bar chart."""
    out: dict[str, float] = defaultdict(float)
    res = answer.overall
    for s in res.studies if res is not None else []:
        if s.excluded is None:
            out[s.label] += float(s.weight)
    return dict(out)
