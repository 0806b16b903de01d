"""Controlled vocabularies of the record format (no pydantic, so the CLI can use them cheaply)."""

from __future__ import annotations

from enum import StrEnum


class Outcome(StrEnum):
    live_birth = "live_birth"
    miscarriage = "miscarriage"
    adverse_reaction = "adverse_reaction"
    clinical_pregnancy = "clinical_pregnancy"
    preterm_birth = "preterm_birth"
    ectopic_pregnancy = "ectopic_pregnancy"


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


class RmcType(StrEnum):
    primary = "primary"
    secondary = "secondary"
    mixed = "mixed"
    other_condition = "other_condition"
    unknown = "unknown"


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
    OR = "OR"
    RR = "RR"
    RD = "RD"


class Method(StrEnum):
    MH = "MH"
    IV = "IV"
    Peto = "Peto"


class Model(StrEnum):
    fixed = "fixed"
    random = "random"
    unknown = "unknown"
