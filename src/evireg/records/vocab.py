"""Controlled vocabularies of the record format (no pydantic, so the CLI can use them cheaply).

Only what every registry shares is here; a registry's own outcomes and study characteristics
are declared by its profile (records/profile.py), so that the package holds no review topic.
"""

from __future__ import annotations

from enum import StrEnum


class DesignKind(StrEnum):
    rct = "rct"
    quasi_rct = "quasi_rct"
    prospective_cohort = "prospective_cohort"
    retrospective_cohort = "retrospective_cohort"
    case_control = "case_control"
    other = "other"
    unclear = "unclear"  # the report could not be read


class Blinding(StrEnum):
    double_blind = "double_blind"
    single_blind = "single_blind"
    open = "open"
    unclear = "unclear"


class ControlType(StrEnum):
    placebo = "placebo"
    untreated = "untreated"
    active = "active"
    standard_care = "standard_care"
    unclear = "unclear"


class Role(StrEnum):
    intervention = "intervention"
    control = "control"


class SourceKind(StrEnum):
    abstract = "abstract"
    full_text = "full_text"
    trial_registry = "trial_registry"
    secondary = "secondary"  # another review's or meta-analysis's table of this trial
    other = "other"


class Timing(StrEnum):
    preconception = "preconception"
    postconception = "postconception"
    both = "both"
    unknown = "unknown"


class Measure(StrEnum):
    """An analysis's effect measure, as RevMan names them (HR for O - E and generic hazard ratios;
    IRR rate ratios; RoM ratios of means)."""

    OR = "OR"
    RR = "RR"
    RD = "RD"
    MD = "MD"
    SMD = "SMD"
    HR = "HR"
    IRR = "IRR"
    RoM = "RoM"


class Applicability(StrEnum):
    """Whether a subgrouped analysis was also pooled overall (RevMan's Applicability column)."""

    subgroup_and_overall = "subgroup_and_overall"
    subgroup_only = "subgroup_only"


class Method(StrEnum):
    MH = "MH"
    IV = "IV"
    Peto = "Peto"


class Model(StrEnum):
    fixed = "fixed"
    random = "random"
    unknown = "unknown"


class DataType(StrEnum):
    """What an outcome's results are: counts of events, means and SDs, or an effect estimate."""

    dichotomous = "dichotomous"
    continuous = "continuous"
    generic = "generic"


class Direction(StrEnum):
    """Which way is good: it decides which side of the null favours the intervention."""

    higher_is_better = "higher_is_better"
    higher_is_worse = "higher_is_worse"


class CharacteristicType(StrEnum):
    category = "category"
    integer = "integer"
    number = "number"
    boolean = "boolean"
    text = "text"
