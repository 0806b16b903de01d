"""The study record: one trial's design, population, arms and outcome results, each number with
its source and locator, and the cross-field checks (events <= total, arm and source references)
that every entry path shares because they run as the model's own validator.
"""

from __future__ import annotations

import math
import re
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Any

from pydantic import (
    ConfigDict,
    Field,
    PlainValidator,
    SerializerFunctionWrapHandler,
    Strict,
    StringConstraints,
    ValidationInfo,
    WithJsonSchema,
    model_serializer,
    model_validator,
)

from evireg.records.base import (
    SCHEMA_BASE,
    Citation,
    Count,
    Flag,
    Ident,
    Printed,
    Provenance,
    Record,
    ShortText,
    Slug,
    Source,
    Text,
    duplicates,
    semantic_check,
)
from evireg.records.harms import Harm, harm_errors
from evireg.records.measures import ArmStats, EffectResult, ValuesKind, form_errors
from evireg.records.rob import Assessment
from evireg.records.vocab import Blinding, ControlType, DesignKind, Role, Timing

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
    """Results of part of the study: `variable` is a characteristic of the registry's profile
    and `value` one of its values (checked against the profile, see records/profile_check.py)."""

    variable: Ident
    value: Ident


def _scalar(v: object) -> str | int | float | bool:
    # One plain message instead of one per member of a union (str | int | float | bool).
    if isinstance(v, bool | int | str) or (isinstance(v, float) and math.isfinite(v)):
        if isinstance(v, str) and not 0 < len(v) <= 300:
            raise ValueError("a characteristic's text value has 1 to 300 characters")
        return v
    raise ValueError(f"a characteristic's value is text, a number or true/false, not {type(v).__name__}")


# A characteristic's value: its type is checked against the profile's declaration (so only the
# JSON scalar kinds are fixed here, strictly: a quoted number stays text, and the profile says so).
Scalar = Annotated[
    str | int | float | bool,
    PlainValidator(_scalar),
    WithJsonSchema({"type": ["string", "number", "boolean"]}),
]


def _plain_or_object(schema: dict[str, Any]) -> None:
    """In the JSON Schema too, a characteristic is a plain value or the object with provenance."""
    obj = dict(schema)
    schema.clear()
    schema.update({"title": obj.get("title"), "anyOf": [{"type": ["string", "number", "boolean"]}, obj]})


class CharacteristicValue(Record):
    """A characteristic's value, plain (`setting: hospital`) or with where it was read
    (`{value: hospital, source: pmc, locator: Methods}`), as for counts."""

    value: Scalar
    source: Slug | None = None
    locator: ShortText | None = None
    derivation: Text | None = None

    model_config = ConfigDict(extra="forbid", json_schema_extra=_plain_or_object)

    @model_validator(mode="before")
    @classmethod
    def _plain(cls, data: Any) -> Any:
        return data if isinstance(data, dict) else {"value": data}

    @model_serializer(mode="wrap")
    def _dump(self, handler: SerializerFunctionWrapHandler) -> Any:
        # written back as it is read: a value without provenance stays a plain value, so a record
        # re-dumped (canonical form, adjudication) keeps `setting: x` rather than `{value: x}`
        data = handler(self)
        return data["value"] if isinstance(data, dict) and set(data) <= {"value"} else data

    @model_validator(mode="after")
    def _sourced(self) -> CharacteristicValue:
        if (self.source is None) != (self.locator is None):
            raise ValueError("give both source and locator, or neither")
        return self


def _counts_or_stats(schema: dict[str, Any]) -> None:
    """In the JSON Schema too, an arm result has counts or (continuous) an arm size."""
    schema["anyOf"] = [{"required": ["events", "total"]}, {"required": ["n"]}]


class ArmResult(ArmStats):
    """One arm's result: `events` of `total` for a dichotomous outcome, or for a continuous one
    `n` and the summary statistics printed (records/measures.py)."""

    events: Count | None = None
    total: Annotated[int, Strict(), Field(ge=1, le=10_000_000)] | None = None
    percent: Printed | None = Field(
        default=None, description="the printed percentage `events` was derived from, e.g. '52.9'"
    )
    events_formula: Formula | None = Field(
        default=None, description="printed counts `events` was computed from, e.g. '23 - 16'"
    )
    total_formula: Formula | None = Field(
        default=None, description="printed counts `total` was computed from, e.g. '49 - 29'"
    )

    model_config = ConfigDict(extra="forbid", json_schema_extra=_counts_or_stats)

    @model_validator(mode="after")
    def _events_fit(self) -> ArmResult:
        counted = [f for f in ("events", "total", "percent", "events_formula", "total_formula")
                   if getattr(self, f) is not None]
        if self.is_continuous:
            if counted:
                raise ValueError(f"give counts (events, total) or summary statistics (n, mean, sd...), "
                                 f"not both (got {', '.join(counted)} with n or statistics)")
            return self
        if self.events is None or self.total is None:
            raise ValueError("needs events and total (or, for a continuous outcome, n with mean and sd)")
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
    outcome: Ident = Field(description="an outcome id of the registry's profile (evireg.yaml)")
    subgroup: Subgroup | None = None
    definition: Text | None = Field(default=None, description="how the study defines the outcome")
    denominator: ShortText | None = Field(
        default=None, description='which count `total` is, e.g. "randomised", "pregnant", "analysed"'
    )
    source: Slug
    locator: ShortText
    derivation: Text | None = None
    values: ValuesKind | None = Field(
        default=None, description="continuous: final values (default) or change from baseline"
    )
    arms: list[ArmResult] = Field(default_factory=list, min_length=2)
    effect: EffectResult | None = Field(
        default=None, description="the result as an effect estimate, not per arm"
    )
    alternatives: list[AlternativeResult] = Field(default_factory=list)
    notes: Text | None = None

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"oneOf": [{"required": ["arms"]}, {"required": ["effect"]}]}
    )


class NotReported(Record):
    outcome: Ident = Field(description="an outcome id of the registry's profile (evireg.yaml)")
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
    characteristics: dict[Ident, CharacteristicValue] = Field(
        default_factory=dict,
        description="the study's values of the characteristics its registry's profile declares "
        "(e.g. subgroup variables), each plain or with source and locator",
    )
    intervention: Regimen
    comparator: Regimen
    arms: list[Arm] = Field(min_length=2)
    outcomes: list[OutcomeResult] = Field(default_factory=list)
    not_reported: list[NotReported] = Field(default_factory=list)
    harms: list[Harm] = Field(default_factory=list, description="adverse events as the sources report them")
    harms_not_reported: Text | None = Field(
        default=None, description="what was searched for harms and why no harm is recorded"
    )
    risk_of_bias: list[Assessment] = Field(
        default_factory=list, description="risk-of-bias assessments, one per outcome and tool (see rob.py)"
    )
    notes: Text | None = None

    model_config = ConfigDict(populate_by_name=True)

    @model_validator(mode="after")
    def _consistent(self, info: ValidationInfo) -> Study:
        return semantic_check(self, info, study_errors)


def study_errors(s: Study) -> list[tuple[str, str]]:
    """Cross-field checks; each is (field path, message)."""
    out: list[tuple[str, str]] = []
    source_ids = [src.id for src in s.sources]
    for d in sorted(duplicates(source_ids)):
        out.append(("sources", f"duplicate source id {d!r}"))
    known = set(source_ids)

    def check_src(path: str, sid: str | None) -> None:
        if sid is not None and sid not in known:
            out.append((path, f"unknown source {sid!r}; add it to `sources` (have: {sorted(known)})"))

    check_src("design.provenance.source", s.design.provenance.source)
    check_src("population.provenance.source", s.population.provenance.source)
    for name, v in s.characteristics.items():
        check_src(f"characteristics.{name}.source", v.source)
    check_src("intervention.provenance.source", s.intervention.provenance.source)
    check_src("comparator.provenance.source", s.comparator.provenance.source)

    arm_ids = [a.id for a in s.arms]
    for d in sorted(duplicates(arm_ids)):
        out.append(("arms", f"duplicate arm id {d!r}"))
    roles = [a.role for a in s.arms]
    if roles.count(Role.intervention) < 1:
        out.append(("arms", "needs one arm with role intervention"))
    if roles.count(Role.control) < 1:
        out.append(("arms", "needs at least one arm with role control"))
    arms = {a.id: a for a in s.arms}
    out += harm_errors(s.harms, set(arms), known)
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
        out += [(f"outcomes.{i}.{path}", msg) for path, msg in form_errors(o.arms, o.effect, o.values)]
        ids = [r.arm for r in o.arms]
        for d in sorted(duplicates(ids)):
            out.append((f"outcomes.{i}.arms", f"arm {d!r} listed twice"))
        for j, r in enumerate(o.arms):
            if r.arm not in arms:
                out.append((f"outcomes.{i}.arms.{j}.arm", f"unknown arm {r.arm!r} (arms: {arm_ids})"))
                continue
            size, field = (r.n, "n") if r.is_continuous else (r.total, "total")
            if sg is None and size is not None:
                overall[(str(o.outcome), r.arm)] = size
            rand = arms[r.arm].n_randomised.value
            if rand is not None and size is not None and size > rand and not (o.derivation or o.notes):
                out.append(
                    (
                        f"outcomes.{i}.arms.{j}.{field}",
                        f"{field} ({size}) exceeds arm {r.arm!r} randomised ({rand}); explain in notes",
                    )
                )
        if ids and {arms[a].role for a in ids if a in arms} != {Role.intervention, Role.control}:
            out.append((f"outcomes.{i}.arms", "needs results for an intervention and a control arm"))
        for k, alt in enumerate(o.alternatives):
            check_src(f"outcomes.{i}.alternatives.{k}.source", alt.source)
            for j, r in enumerate(alt.arms):
                if r.is_continuous:
                    msg = "alternatives hold dichotomous results (events, total) only"
                    out.append((f"outcomes.{i}.alternatives.{k}.arms.{j}", msg))
                if r.arm not in arms:
                    out.append((f"outcomes.{i}.alternatives.{k}.arms.{j}.arm", f"unknown arm {r.arm!r}"))
    for d in sorted(duplicates(keys)):
        out.append(("outcomes", f"outcome {d!r} given twice; keep one and move the other to alternatives"))
    for i, o in enumerate(s.outcomes):
        if o.subgroup is None:
            continue
        for j, r in enumerate(o.arms):
            whole = overall.get((str(o.outcome), r.arm))
            size, field = (r.n, "n") if r.is_continuous else (r.total, "total")
            if whole is not None and size is not None and size > whole:
                out.append(
                    (
                        f"outcomes.{i}.arms.{j}.{field}",
                        f"subgroup {field} ({size}) exceeds the whole-study {field} ({whole})",
                    )
                )
    for i, rob in enumerate(s.risk_of_bias):
        check_src(f"risk_of_bias.{i}.source", rob.source)
        for j, dom in enumerate(rob.domains):
            for k, q in enumerate(dom.quotes):
                check_src(f"risk_of_bias.{i}.domains.{j}.quotes.{k}.source", q.source)
    for d in sorted(duplicates([f"{rob.outcome}/{rob.tool}" for rob in s.risk_of_bias])):
        out.append(("risk_of_bias", f"{d} assessed twice; keep one assessment per outcome and tool"))
    reported = set(keys)
    for i, nr in enumerate(s.not_reported):
        sg = nr.subgroup
        key = f"{nr.outcome}/{sg.variable}={sg.value}" if sg else str(nr.outcome)
        if key in reported:
            out.append((f"not_reported.{i}", f"{key!r} is both reported and listed as not reported"))
    return out
