"""The review record: a published meta-analysis's citation, included studies, analyses and its
claims exactly as printed, and the cross-field checks (analysis and source references) that
run as the model's own validator.
"""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field, ValidationInfo, model_validator

from evireg.records.base import (
    SCHEMA_BASE,
    Citation,
    Ident,
    Printed,
    Provenance,
    Record,
    ShortText,
    Slug,
    SmallInt,
    Source,
    Text,
    duplicates,
    semantic_check,
)
from evireg.records.vocab import Applicability, Measure, Method, Model


class PrintedRow(Record):
    """One study row of an analysis exactly as the review printed it (a Cochrane review's analysis
    data or a RevMan 5 file): its effect, CI and percentage weight; null where the row is empty
    (RevMan prints no effect for a study it cannot estimate)."""

    study: Slug = Field(description="the study's record id")
    label: ShortText = Field(description="the study label as printed, e.g. 'Smith 2001a'")
    subgroup: ShortText | None = Field(default=None, description="the subgroup's name as printed")
    estimate: Printed | None = None
    ci_low: Printed | None = None
    ci_high: Printed | None = None
    weight: Printed | None = None
    locator: ShortText


class Analysis(Record):
    id: Slug
    outcome: Ident = Field(description="an outcome id of the registry's profile (evireg.yaml)")
    subgroup_variable: Ident | None = None
    measure: Measure | None = Field(
        default=None, description="null when the review's data do not say (the audit infers it)"
    )
    method: Method | None = Field(default=None, description="null when the review does not state it")
    model: Model
    tau2_method: Literal["DL", "REML", "PM"] | None = Field(default=None, description="null when not stated")
    level: Literal[90, 95, 99] | None = Field(
        default=None, description="CI level in percent; null when not stated"
    )
    software: ShortText | None = None
    number: ShortText | None = Field(default=None, description="the review's analysis number, e.g. '1.2'")
    name: Text | None = Field(default=None, description="the analysis's name as printed")
    applicability: Applicability | None = None
    subgroups: list[ShortText] = Field(
        default_factory=list, description="subgroup names as printed, in order"
    )
    rows: list[PrintedRow] = Field(default_factory=list, description="the printed study rows")
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
    chi2: Printed | None = Field(default=None, description="the printed heterogeneity Chi² (Cochran's Q)")
    i2: Printed | None = Field(default=None, description="the printed I², in percent")
    tau2: Printed | None = Field(default=None, description="the printed Tau²")
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
        return semantic_check(self, info, review_errors)


def review_errors(r: Review) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    known = {s.id for s in r.sources}
    for d in sorted(duplicates([s.id for s in r.sources])):
        out.append(("sources", f"duplicate source id {d!r}"))
    for d in sorted(duplicates(list(r.included_studies))):
        out.append(("included_studies", f"study {d!r} listed twice"))
    for d in sorted(duplicates([a.id for a in r.analyses])):
        out.append(("analyses", f"duplicate analysis id {d!r}"))
    for d in sorted(duplicates([c.id for c in r.claims])):
        out.append(("claims", f"duplicate claim id {d!r}"))
    analyses = {a.id: a for a in r.analyses}
    if r.totals and r.totals.provenance.source not in known:
        out.append(("totals.provenance.source", f"unknown source {r.totals.provenance.source!r}"))
    included = set(r.included_studies)
    for i, a in enumerate(r.analyses):
        if a.provenance.source not in known:
            out.append((f"analyses.{i}.provenance.source", f"unknown source {a.provenance.source!r}"))
        # One label may be printed more than once in a subgroup (a multi-arm study's comparisons,
        # each against its share of the control arm), each row then with its own study record.
        seen: set[tuple[str, str | None]] = set()
        for row in a.rows:
            if (row.study, row.subgroup) in seen:
                where = f" in subgroup {row.subgroup!r}" if row.subgroup else ""
                out.append((f"analyses.{i}.rows", f"study row {row.study!r}{where} printed twice"))
            seen.add((row.study, row.subgroup))
        for j, row in enumerate(a.rows):
            if row.study not in included:
                out.append((f"analyses.{i}.rows.{j}.study", f"{row.study!r} is not in included_studies"))
            if row.subgroup is not None and a.subgroups and row.subgroup not in a.subgroups:
                out.append(
                    (
                        f"analyses.{i}.rows.{j}.subgroup",
                        f"{row.subgroup!r} is not in the analysis's subgroups",
                    )
                )
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
