"""The registry profile (`evireg.yaml` at a registry's root): the outcomes, study
characteristics and arm labels of one registry.

The package holds no review topic: which outcomes a study may report, which study-level
fields may split or filter an analysis, and what the two sides are called in tables and
figures are all declared here, per registry, and the records are checked against them
(records/profile_check.py). The model is strict like the records, and its JSON Schema is
generated from it (records/schemas.py).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, PrivateAttr, StringConstraints, model_validator

from evireg.records.base import SCHEMA_BASE, Ident, Record, ShortText, Text, duplicates
from evireg.records.harms import Seriousness
from evireg.records.rob import Tool
from evireg.records.vocab import CharacteristicType, DataType, DesignKind, Direction, Method

PROFILE_FILE = "evireg.yaml"

# Cochrane Handbook chapters 8 and 25: RoB 2 judges randomised trials, ROBINS-I the others.
DEFAULT_ROB_TOOLS: dict[DesignKind, Tool] = {
    DesignKind.rct: Tool.rob2,
    DesignKind.quasi_rct: Tool.robins_i,
    DesignKind.prospective_cohort: Tool.robins_i,
    DesignKind.retrospective_cohort: Tool.robins_i,
    DesignKind.case_control: Tool.robins_i,
    DesignKind.other: Tool.robins_i,
}

# Effect measures each data type may default to (an outcome's `measure`; the command line's
# --measure overrides it).
MEASURES: dict[DataType, tuple[str, ...]] = {
    DataType.dichotomous: ("OR", "RR", "RD"),
    DataType.continuous: ("MD", "SMD"),
    DataType.generic: ("OR", "RR", "RD", "HR", "IRR", "RoM", "MD", "SMD"),
}
DEFAULT_MEASURE = {DataType.dichotomous: "OR", DataType.continuous: "MD", DataType.generic: "OR"}

# Columns the `studies` view has whatever the profile says; a characteristic may not shadow one.
BUILT_IN_COLUMNS = frozenset(
    {
        "study_id",
        "first_author",
        "year",
        "title",
        "journal",
        "pmid",
        "doi",
        "registration",
        "design",
        "randomised",
        "blinding",
        "control_type",
        "prospective",
        "country",
        "intervention_timing",
        "review_discrepancy",
        "file",
    }
)

MeasureName = Annotated[str, StringConstraints(strict=True, pattern=r"^(OR|RR|RD|HR|IRR|RoM|MD|SMD)$")]
Value = Annotated[str, StringConstraints(strict=True, pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=60)]


class HarmSelector(Record):
    """Which harms records make up a harm outcome: a study contributes the one harm (per arm,
    participants with the event over those at risk) whose seriousness, population and term fit.
    An empty list admits any value."""

    seriousness: list[Seriousness] = Field(default_factory=list)
    who: list[Ident] = Field(default_factory=list, description="harm populations (see harm_populations)")
    terms: list[ShortText] = Field(
        default_factory=list, description="terms or preferred terms, matched without regard to case"
    )
    inferred: Text | None = Field(
        default=None, description="how the outcome was recognised as a harm, when a tool guessed it"
    )


class OutcomeDef(Record):
    """One outcome a study or review of this registry may name."""

    id: Ident = Field(description="the id records use, e.g. live_birth")
    label: ShortText = Field(description="how tables and figures name it, e.g. Live birth")
    data_type: DataType = DataType.dichotomous
    direction: Direction = Field(
        description="which way is good: it decides which side of the null favours the intervention"
    )
    measure: MeasureName | None = Field(default=None, description="default effect measure for this outcome")
    unit: ShortText | None = Field(default=None, description='for continuous outcomes, e.g. "g" or "weeks"')
    harm: HarmSelector | None = Field(
        default=None, description="a harm outcome: studies' harms records matching this contribute to it"
    )

    @model_validator(mode="after")
    def _fits_type(self) -> OutcomeDef:
        if self.measure is not None and self.measure not in MEASURES[self.data_type]:
            allowed = " | ".join(MEASURES[self.data_type])
            raise ValueError(f"measure {self.measure!r} does not fit {self.data_type} data (use {allowed})")
        if self.unit is not None and self.data_type != DataType.continuous:
            raise ValueError("a unit is given for continuous outcomes only")
        if self.harm is not None and self.data_type != DataType.dichotomous:
            raise ValueError("a harm outcome is dichotomous (participants with the event over those at risk)")
        return self

    @property
    def default_measure(self) -> str:
        return self.measure or DEFAULT_MEASURE[self.data_type]


class CharacteristicDef(Record):
    """A study-level field usable as a subgroup variable (--by) and in filters (--where)."""

    id: Ident
    label: ShortText
    type: CharacteristicType
    values: list[Value] | None = Field(default=None, description="the allowed values of a category")
    subgroups: list[Value] | None = Field(
        default=None, description="values that form subgroups, in this order (default: all values)"
    )
    not_in_subgroups: dict[Value, Text] = Field(
        default_factory=dict, description="per other value: why such a study cannot join a subgroup"
    )
    value_labels: dict[Value, ShortText] = Field(
        default_factory=dict,
        description="how tables name a value, e.g. {near_va: 'Near VA'} (default: the value)",
    )
    minimum: int | float | None = None
    maximum: int | float | None = None

    @model_validator(mode="after")
    def _consistent(self) -> CharacteristicDef:
        if self.id in BUILT_IN_COLUMNS:
            raise ValueError(f"{self.id!r} is a built-in column of the studies view; choose another id")
        if self.type == CharacteristicType.category:
            if not self.values:
                raise ValueError("a category needs its `values`")
            if dup := duplicates(list(self.values)):
                raise ValueError(f"value(s) {sorted(dup)} listed twice")
            named = [*(self.subgroups or []), *self.not_in_subgroups, *self.value_labels]
            unknown = [v for v in named if v not in self.values]
            if unknown:
                raise ValueError(f"{unknown} not among the values {self.values}")
            both = sorted(set(self.subgroups or []) & set(self.not_in_subgroups))
            if both:
                raise ValueError(f"{both} both form subgroups and are listed in not_in_subgroups")
        elif (
            self.values is not None
            or self.subgroups is not None
            or self.not_in_subgroups
            or self.value_labels
        ):
            raise ValueError(
                "values, subgroups, not_in_subgroups and value_labels are for type category only"
            )
        if (self.minimum is not None or self.maximum is not None) and self.type not in (
            CharacteristicType.integer,
            CharacteristicType.number,
        ):
            raise ValueError("minimum and maximum are for integer and number characteristics only")
        if self.minimum is not None and self.maximum is not None and self.minimum > self.maximum:
            raise ValueError(f"minimum ({self.minimum}) exceeds maximum ({self.maximum})")
        return self

    @property
    def subgroup_values(self) -> tuple[str, ...]:
        """The values that form subgroups, in order (empty for a non-category)."""
        return tuple(self.subgroups if self.subgroups is not None else (self.values or ()))


class ArmLabels(Record):
    """The two sides in tables and figures."""

    intervention: ShortText
    control: ShortText


class Defaults(Record):
    """Analysis defaults; the command line's options override them."""

    measure: MeasureName | None = None
    method: Method = Method.MH
    model: Literal["fixed", "random"] = "fixed"
    level: Literal[90, 95, 99] = 95


class Profile(Record):
    schema_: str = Field(alias="$schema", default=SCHEMA_BASE + "profile.schema.json")
    title: Text | None = None
    outcomes: list[OutcomeDef] = Field(min_length=1)
    characteristics: list[CharacteristicDef] = Field(default_factory=list)
    harm_populations: list[Ident] = Field(
        default_factory=lambda: ["participant"],
        description="who a harm may happen to, e.g. mother, fetus, newborn (default: participant)",
    )
    arms: ArmLabels
    defaults: Defaults = Field(default_factory=Defaults)
    risk_of_bias: dict[DesignKind, Tool] = Field(
        default_factory=lambda: dict(DEFAULT_ROB_TOOLS),
        description="the risk-of-bias tool for each study design (default: RoB 2 for randomised trials, "
        "ROBINS-I for the rest; a design not listed, e.g. unclear, may use either)",
    )

    model_config = Record.model_config | {"populate_by_name": True}

    @model_validator(mode="after")
    def _unique(self) -> Profile:
        for what, ids in (
            ("outcome", [o.id for o in self.outcomes]),
            ("characteristic", [c.id for c in self.characteristics]),
        ):
            if dup := duplicates(ids):
                raise ValueError(f"{what} id(s) {sorted(dup)} declared twice")
        for o in self.outcomes:
            unknown = [w for w in (o.harm.who if o.harm else []) if w not in self.harm_populations]
            if unknown:
                raise ValueError(
                    f"outcome {o.id!r}: harm.who {unknown} not among harm_populations {self.harm_populations}"
                )
        return self

    # by id, built on first use: an imported review's profile has hundreds of outcomes, and every
    # result of every study is checked against it
    _by_id: dict[str, dict[str, Any]] | None = PrivateAttr(default=None)

    def _index(self) -> dict[str, dict[str, Any]]:
        if self._by_id is None:
            self._by_id = {
                "outcome": {o.id: o for o in self.outcomes},
                "characteristic": {c.id: c for c in self.characteristics},
            }
        return self._by_id

    def outcome(self, outcome_id: str) -> OutcomeDef | None:
        found: OutcomeDef | None = self._index()["outcome"].get(outcome_id)
        return found

    def characteristic(self, characteristic_id: str) -> CharacteristicDef | None:
        found: CharacteristicDef | None = self._index()["characteristic"].get(characteristic_id)
        return found

    @property
    def outcome_ids(self) -> list[str]:
        return [o.id for o in self.outcomes]

    @property
    def characteristic_ids(self) -> list[str]:
        return [c.id for c in self.characteristics]
