"""Typed trial and review records. Every number carries a source id and a locator.

The pydantic models are the single definition of the record format: the JSON Schemas in
`schemas/` are generated from them, and the semantic checks (events <= total, arm references,
provenance references) live here as validators so that every entry path shares them.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    Strict,
    StringConstraints,
    ValidationInfo,
    model_validator,
)

from evireg.records.vocab import (
    Blinding,
    ControlType,
    DesignKind,
    Measure,
    Method,
    Model,
    Outcome,
    RmcType,
    Role,
    SourceKind,
    Timing,
)

SLUG = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
Slug = Annotated[str, StringConstraints(strict=True, pattern=SLUG, max_length=80)]
Ident = Annotated[str, StringConstraints(strict=True, pattern=r"^[a-z][a-z0-9_]*$", max_length=60)]
Pmid = Annotated[str, StringConstraints(strict=True, pattern=r"^[1-9][0-9]{0,8}$")]
Doi = Annotated[str, StringConstraints(strict=True, pattern=r"^10\.[0-9]{4,9}/\S+$", max_length=300)]
# Trial registries' identifier formats: ClinicalTrials.gov, ISRCTN, UMIN, jRCT, ChiCTR, ANZCTR,
# IRCT, EU-CTR, DRKS, CTRI.
Registration = Annotated[
    str,
    StringConstraints(
        strict=True,
        pattern=r"^(NCT[0-9]{8}|ISRCTN[0-9]{8}|UMIN[0-9]{9}|jRCT[0-9a-z]{10}|ChiCTR[0-9A-Za-z-]{6,20}"
        r"|ACTRN[0-9]{14}|IRCT[0-9A-Za-z]{6,30}|EUCTR[0-9]{4}-[0-9]{6}-[0-9]{2}|DRKS[0-9]{8}"
        r"|CTRI/[0-9]{4}/[0-9]{2,3}/[0-9]{6})$",
    ),
]
Text = Annotated[str, StringConstraints(strict=True, min_length=1, max_length=4000)]
ShortText = Annotated[str, StringConstraints(strict=True, min_length=1, max_length=300)]
# Published statistics are kept as printed (trailing zeros matter for rounding checks).
Printed = Annotated[str, StringConstraints(strict=True, pattern=r"^-?[0-9]+(\.[0-9]+)?$")]
# Counts are bounded so that an absurd value (a typo with extra digits) is caught.
Count = Annotated[int, Strict(), Field(ge=0, le=10_000_000)]
Flag = Annotated[bool, Strict()]
Year = Annotated[int, Strict(), Field(ge=1900, le=2100)]
SmallInt = Annotated[int, Strict(), Field(ge=1, le=10_000_000)]

SCHEMA_BASE = "https://evireg.invalid/schemas/"


class Record(BaseModel):
    """Base: unknown keys are errors; numbers, flags and text are never coerced across types."""

    model_config = ConfigDict(extra="forbid")


# --- controlled vocabularies: see vocab.py ---------------------------------------------------


# --- provenance ---------------------------------------------------------------------------


class Provenance(Record):
    """Where a value was read: a `sources` id of the same record and a locator inside it."""

    source: Slug = Field(description="id of an entry in this record's `sources`")
    locator: ShortText = Field(description='where in the source, e.g. "abstract, results" or "Table 2"')
    derivation: Text | None = Field(
        default=None,
        description="how the value was computed when it is not printed as such "
        '(e.g. "54% of 24 = 12.96 -> 13; 13/24 is the only integer that rounds to 54%")',
    )


class Source(Record):
    id: Slug
    kind: SourceKind
    citation: Text = Field(description="what the source is, in words")
    pmid: Pmid | None = None
    doi: Doi | None = None
    url: Annotated[str, StringConstraints(strict=True, pattern=r"^https?://\S+$")] | None = None
    accessed: dt.date | None = Field(default=None, description="date the source was read")

    @model_validator(mode="after")
    def _identified(self) -> Source:
        if self.pmid is None and self.doi is None and self.url is None:
            raise ValueError("a source needs at least one of pmid, doi or url")
        return self


class Citation(Record):
    authors: list[ShortText] = Field(min_length=1)
    year: Year
    title: Text
    journal: ShortText
    volume: ShortText | None = None
    issue: ShortText | None = None
    pages: ShortText | None = None
    pmid: Pmid | None = None
    doi: Doi | None = None
    registration: Registration | None = Field(
        default=None, description="trial registration number (NCT..., ISRCTN..., UMIN...)"
    )


Formula = Annotated[str, StringConstraints(strict=True, pattern=r"^[0-9]+( *[-+] *[0-9]+)+$")]


def percent_matches(events: int, total: int, percent: str) -> bool:
    """Does events/total print as `percent` (half-up at the printed decimals)?"""
    places = len(percent.partition(".")[2])
    q = Decimal(1).scaleb(-places)
    value = (Decimal(100) * events / Decimal(total)).quantize(q, rounding=ROUND_HALF_UP)
    return value == Decimal(percent)


def formula_value(formula: str) -> int:
    """The value of a sum or difference of whole numbers, e.g. `"32 - 20"`."""
    terms = re.findall(r"([-+]?) *([0-9]+)", formula)
    return sum(int(n) * (-1 if sign == "-" else 1) for sign, n in terms)


class ReportedCount(Record):
    """An arm count. `value: null` means not reported and then `reason` is required."""

    value: Count | None
    source: Slug | None = None
    locator: ShortText | None = None
    derivation: Text | None = None
    formula: Formula | None = Field(default=None, description="printed counts the value was computed from")
    reason: Text | None = Field(default=None, description="why the value is null")

    @model_validator(mode="after")
    def _sourced(self) -> ReportedCount:
        if self.formula is not None and formula_value(self.formula) != self.value:
            raise ValueError(f"formula {self.formula!r} = {formula_value(self.formula)}, not {self.value}")
        if self.value is None:
            if self.reason is None:
                raise ValueError("a count that is not reported (value: null) needs a reason")
        elif self.source is None or self.locator is None:
            raise ValueError("a reported count needs source and locator")
        return self


# --- study --------------------------------------------------------------------------------


class Design(Record):
    kind: DesignKind
    randomised: Flag | None = Field(description="null when no source read says")
    blinding: Blinding
    control_type: ControlType
    prospective: Flag | None = Field(default=None, description="null when the report does not say")
    description: Text = Field(description="the design in the primary report's words, paraphrased")
    provenance: Provenance
    review_discrepancy: Text | None = Field(
        default=None, description="how a review's description of this design differs from the report"
    )


class Population(Record):
    rmc_type: RmcType
    min_prior_losses: Annotated[int, Strict(), Field(ge=1, le=20)] | None = None
    description: Text
    provenance: Provenance


class Regimen(Record):
    description: Text
    product: ShortText | None = None
    dose: ShortText | None = None
    schedule: Text | None = None
    timing: Timing = Timing.unknown
    provenance: Provenance


class Arm(Record):
    id: Slug
    role: Role
    label: ShortText
    n_randomised: ReportedCount
    n_analysed: ReportedCount


class Subgroup(Record):
    variable: Ident
    value: Ident

    @model_validator(mode="after")
    def _known_value(self) -> Subgroup:
        if self.variable == "rmc_type" and self.value not in {"primary", "secondary"}:
            raise ValueError("an rmc_type subgroup is primary or secondary")
        return self


class ArmResult(Record):
    arm: Slug
    events: Count
    total: Annotated[int, Strict(), Field(ge=1, le=10_000_000)]
    percent: Printed | None = Field(
        default=None, description="the printed percentage `events` was derived from, e.g. '52.9'"
    )
    events_formula: Formula | None = Field(
        default=None, description="printed counts `events` was computed from, e.g. '23 - 16'"
    )
    total_formula: Formula | None = Field(
        default=None, description="printed counts `total` was computed from, e.g. '49 - 29'"
    )

    @model_validator(mode="after")
    def _events_fit(self) -> ArmResult:
        if self.events > self.total:
            raise ValueError(f"events ({self.events}) exceed total ({self.total})")
        if self.percent is not None:
            fits = [k for k in range(self.total + 1) if percent_matches(k, self.total, self.percent)]
            if fits != [self.events]:
                raise ValueError(
                    f"{self.percent}% of {self.total} is met by events {fits or 'none'}, "
                    f"so it does not derive {self.events} uniquely"
                )
        for name, formula, value in (("events", self.events_formula, self.events),
                                     ("total", self.total_formula, self.total)):
            if formula is not None and formula_value(formula) != value:
                raise ValueError(f"{name}_formula {formula!r} = {formula_value(formula)}, not {value}")
        return self


class AlternativeResult(Record):
    """A value from another source that disagrees with the one used."""

    source: Slug
    locator: ShortText
    arms: list[ArmResult] = Field(min_length=1)
    derivation: Text | None = None
    note: Text


class OutcomeResult(Record):
    outcome: Outcome
    subgroup: Subgroup | None = None
    definition: Text | None = Field(default=None, description="how the study defines the outcome")
    denominator: ShortText | None = Field(
        default=None, description='which count `total` is, e.g. "randomised", "pregnant", "analysed"'
    )
    source: Slug
    locator: ShortText
    derivation: Text | None = None
    arms: list[ArmResult] = Field(min_length=2)
    alternatives: list[AlternativeResult] = Field(default_factory=list)
    notes: Text | None = None


class NotReported(Record):
    outcome: Outcome
    subgroup: Subgroup | None = None
    reason: Text = Field(description="what was searched and why the value is missing")


class Study(Record):
    schema_: str = Field(alias="$schema", default=SCHEMA_BASE + "study.schema.json")
    id: Slug = Field(description="firstauthor-year, e.g. christiansen-2002")
    citation: Citation
    sources: list[Source] = Field(min_length=1)
    design: Design
    country: ShortText | None = None
    population: Population
    intervention: Regimen
    comparator: Regimen
    arms: list[Arm] = Field(min_length=2)
    outcomes: list[OutcomeResult] = Field(default_factory=list)
    not_reported: list[NotReported] = Field(default_factory=list)
    notes: Text | None = None

    model_config = ConfigDict(populate_by_name=True)

    @model_validator(mode="after")
    def _consistent(self, info: ValidationInfo) -> Study:
        if info.context and info.context.get("defer_semantic"):
            return self  # the caller runs study_errors itself to report each path separately
        errors = study_errors(self)
        if errors:
            raise ValueError("; ".join(f"{path}: {msg}" for path, msg in errors))
        return self


def _dupes(values: list[str]) -> set[str]:
    seen: set[str] = set()
    return {v for v in values if v in seen or seen.add(v)}  # type: ignore[func-returns-value]


def study_errors(s: Study) -> list[tuple[str, str]]:
    """Cross-field checks; each is (field path, message)."""
    out: list[tuple[str, str]] = []
    source_ids = [src.id for src in s.sources]
    for d in sorted(_dupes(source_ids)):
        out.append(("sources", f"duplicate source id {d!r}"))
    known = set(source_ids)

    def check_src(path: str, sid: str | None) -> None:
        if sid is not None and sid not in known:
            out.append((path, f"unknown source {sid!r}; add it to `sources` (have: {sorted(known)})"))

    check_src("design.provenance.source", s.design.provenance.source)
    check_src("population.provenance.source", s.population.provenance.source)
    check_src("intervention.provenance.source", s.intervention.provenance.source)
    check_src("comparator.provenance.source", s.comparator.provenance.source)

    arm_ids = [a.id for a in s.arms]
    for d in sorted(_dupes(arm_ids)):
        out.append(("arms", f"duplicate arm id {d!r}"))
    roles = [a.role for a in s.arms]
    if roles.count(Role.intervention) < 1:
        out.append(("arms", "needs one arm with role intervention"))
    if roles.count(Role.control) < 1:
        out.append(("arms", "needs at least one arm with role control"))
    arms = {a.id: a for a in s.arms}
    for i, a in enumerate(s.arms):
        check_src(f"arms.{i}.n_randomised.source", a.n_randomised.source)
        check_src(f"arms.{i}.n_analysed.source", a.n_analysed.source)
        n_rand, n_anal = a.n_randomised.value, a.n_analysed.value
        if n_rand is not None and n_anal is not None and n_anal > n_rand and a.n_analysed.derivation is None:
            msg = f"analysed ({n_anal}) exceeds randomised ({n_rand}); explain in derivation"
            out.append((f"arms.{i}.n_analysed", msg))

    overall: dict[tuple[str, str], int] = {}
    keys: list[str] = []
    for i, o in enumerate(s.outcomes):
        sg = o.subgroup
        keys.append(f"{o.outcome}/{sg.variable}={sg.value}" if sg else str(o.outcome))
        check_src(f"outcomes.{i}.source", o.source)
        ids = [r.arm for r in o.arms]
        for d in sorted(_dupes(ids)):
            out.append((f"outcomes.{i}.arms", f"arm {d!r} listed twice"))
        for j, r in enumerate(o.arms):
            if r.arm not in arms:
                out.append((f"outcomes.{i}.arms.{j}.arm", f"unknown arm {r.arm!r} (arms: {arm_ids})"))
                continue
            if sg is None:
                overall[(str(o.outcome), r.arm)] = r.total
            rand = arms[r.arm].n_randomised.value
            if rand is not None and r.total > rand and not (o.derivation or o.notes):
                out.append(
                    (
                        f"outcomes.{i}.arms.{j}.total",
                        f"total ({r.total}) exceeds arm {r.arm!r} randomised ({rand}); explain in notes",
                    )
                )
        if {arms[a].role for a in ids if a in arms} != {Role.intervention, Role.control}:
            out.append((f"outcomes.{i}.arms", "needs results for an intervention and a control arm"))
        for k, alt in enumerate(o.alternatives):
            check_src(f"outcomes.{i}.alternatives.{k}.source", alt.source)
            for j, r in enumerate(alt.arms):
                if r.arm not in arms:
                    out.append((f"outcomes.{i}.alternatives.{k}.arms.{j}.arm", f"unknown arm {r.arm!r}"))
    for d in sorted(_dupes(keys)):
        out.append(("outcomes", f"outcome {d!r} given twice; keep one and move the other to alternatives"))
    for i, o in enumerate(s.outcomes):
        if o.subgroup is None:
            continue
        for j, r in enumerate(o.arms):
            whole = overall.get((str(o.outcome), r.arm))
            if whole is not None and r.total > whole:
                out.append(
                    (
                        f"outcomes.{i}.arms.{j}.total",
                        f"subgroup total ({r.total}) exceeds the whole-study total ({whole})",
                    )
                )
    reported = set(keys)
    for i, nr in enumerate(s.not_reported):
        sg = nr.subgroup
        key = f"{nr.outcome}/{sg.variable}={sg.value}" if sg else str(nr.outcome)
        if key in reported:
            out.append((f"not_reported.{i}", f"{key!r} is both reported and listed as not reported"))
    return out


# --- review -------------------------------------------------------------------------------


class Analysis(Record):
    id: Slug
    outcome: Outcome
    subgroup_variable: Ident | None = None
    measure: Measure
    method: Method | None = Field(default=None, description="null when the review does not state it")
    model: Model
    software: ShortText | None = None
    provenance: Provenance
    notes: Text | None = None


class Claim(Record):
    """A published result, exactly as printed."""

    id: Slug
    analysis: Slug
    subgroup_value: Ident | None = None
    estimate: Printed
    ci_low: Printed
    ci_high: Printed
    z: Printed | None = None
    p_text: ShortText | None = Field(default=None, description='as printed, e.g. "P<0.00001"')
    k: SmallInt | None = None
    participants: SmallInt | None = None
    provenance: Provenance

    @model_validator(mode="after")
    def _ordered(self) -> Claim:
        if not float(self.ci_low) <= float(self.estimate) <= float(self.ci_high):
            raise ValueError("estimate must lie within [ci_low, ci_high]")
        return self


class ReviewTotals(Record):
    studies: SmallInt | None = None
    participants: SmallInt | None = None
    intervention: SmallInt | None = None
    control: SmallInt | None = None
    provenance: Provenance


class Review(Record):
    schema_: str = Field(alias="$schema", default=SCHEMA_BASE + "review.schema.json")
    id: Slug
    citation: Citation
    sources: list[Source] = Field(min_length=1)
    included_studies: list[Slug] = Field(min_length=1)
    totals: ReviewTotals | None = None
    analyses: list[Analysis] = Field(min_length=1)
    claims: list[Claim] = Field(default_factory=list)
    notes: Text | None = None

    model_config = ConfigDict(populate_by_name=True)

    @model_validator(mode="after")
    def _consistent(self, info: ValidationInfo) -> Review:
        if info.context and info.context.get("defer_semantic"):
            return self  # the caller runs review_errors itself to report each path separately
        errors = review_errors(self)
        if errors:
            raise ValueError("; ".join(f"{path}: {msg}" for path, msg in errors))
        return self


def review_errors(r: Review) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    known = {s.id for s in r.sources}
    for d in sorted(_dupes([s.id for s in r.sources])):
        out.append(("sources", f"duplicate source id {d!r}"))
    for d in sorted(_dupes(list(r.included_studies))):
        out.append(("included_studies", f"study {d!r} listed twice"))
    for d in sorted(_dupes([a.id for a in r.analyses])):
        out.append(("analyses", f"duplicate analysis id {d!r}"))
    for d in sorted(_dupes([c.id for c in r.claims])):
        out.append(("claims", f"duplicate claim id {d!r}"))
    analyses = {a.id: a for a in r.analyses}
    if r.totals and r.totals.provenance.source not in known:
        out.append(("totals.provenance.source", f"unknown source {r.totals.provenance.source!r}"))
    for i, a in enumerate(r.analyses):
        if a.provenance.source not in known:
            out.append((f"analyses.{i}.provenance.source", f"unknown source {a.provenance.source!r}"))
    for i, c in enumerate(r.claims):
        if c.provenance.source not in known:
            out.append((f"claims.{i}.provenance.source", f"unknown source {c.provenance.source!r}"))
        an = analyses.get(c.analysis)
        if an is None:
            out.append((f"claims.{i}.analysis", f"unknown analysis {c.analysis!r}"))
        elif (an.subgroup_variable is None) != (c.subgroup_value is None):
            out.append(
                (
                    f"claims.{i}.subgroup_value",
                    "give subgroup_value exactly when the analysis has a subgroup_variable",
                )
            )
    return out


RecordKind = Literal["study", "review"]
MODELS: dict[str, type[Study] | type[Review]] = {"study": Study, "review": Review}

_ID_FROM_NAME = re.compile(r"^(?P<id>.+)\.(ya?ml|json)$")


def id_from_filename(name: str) -> str | None:
    m = _ID_FROM_NAME.match(name)
    return m.group("id") if m else None


def json_schema(kind: RecordKind) -> dict[str, Any]:
    schema = MODELS[kind].model_json_schema(by_alias=True, mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = SCHEMA_BASE + f"{kind}.schema.json"
    return schema
