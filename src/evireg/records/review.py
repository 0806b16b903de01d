"""The review record: a published meta-analysis's citation, included studies, analyses and its
claims exactly as printed, the reviewers' GRADE certainty ratings, and the cross-field checks
(analysis and source references, ratings consistent with their downgrades) that run as the
model's own validator.
"""

from __future__ import annotations

from typing import Literal, get_args

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


# The GRADE domains that rate certainty down, as review/certainty.py names them (records sit
# below review in the layers, so the vocabulary lives here; a test keeps the two in step).
GradeDomain = Literal["risk_of_bias", "inconsistency", "indirectness", "imprecision", "publication_bias"]
GRADE_DOMAINS: tuple[str, ...] = get_args(GradeDomain)
GRADE_RATINGS = ("very_low", "low", "moderate", "high")  # lowest first, as certainty.RATINGS


class Downgrade(Record):
    """One GRADE domain's judgement: how many levels it rates the evidence down, and why."""

    domain: GradeDomain
    levels: Literal[0, 1, 2] = Field(description="0 not serious, 1 serious, 2 very serious")
    reason: Text


class CertaintyRating(Record):
    """The reviewers' GRADE certainty of one analysis (or one subgroup of it): it takes precedence
    over the rating `evireg sof` suggests from the data."""

    analysis: Slug = Field(description="id of an entry in `analyses`")
    subgroup_value: Ident | None = Field(
        default=None, description="the subgroup rated, exactly when the analysis has a subgroup_variable"
    )
    rating: Literal["high", "moderate", "low", "very_low"]
    downgrades: list[Downgrade] = Field(
        default_factory=list, description="each domain at most once; a domain not listed was not downgraded"
    )
    assumed_risk: float | None = Field(
        default=None,
        gt=0,
        lt=1,
        description="the control risk the review states for the absolute effects (default: the pooled "
        "control arms' risk)",
    )
    note: Text | None = Field(
        default=None,
        description="why, when the rating is not 'high' less the downgrades "
        "(e.g. rated up for a large effect)",
    )


def expected_rating(downgrades: list[Downgrade]) -> str:
    """The rating left from high after the downgrades (never below very low)."""
    levels = sum(d.levels for d in downgrades)
    return GRADE_RATINGS[max(0, len(GRADE_RATINGS) - 1 - levels)]


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
    certainty: list[CertaintyRating] = Field(
        default_factory=list, description="the reviewers' GRADE ratings; optional"
    )
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
    out += _certainty_errors(r, analyses)
    return out


def _certainty_errors(r: Review, analyses: dict[str, Analysis]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    keys = [f"{c.analysis}/{c.subgroup_value}" if c.subgroup_value else c.analysis for c in r.certainty]
    for d in sorted(duplicates(keys)):
        out.append(("certainty", f"{d!r} rated twice; keep one rating per analysis (and subgroup)"))
    for i, c in enumerate(r.certainty):
        an = analyses.get(c.analysis)
        if an is None:
            out.append((f"certainty.{i}.analysis", f"unknown analysis {c.analysis!r}"))
        elif (an.subgroup_variable is None) != (c.subgroup_value is None):
            out.append(
                (
                    f"certainty.{i}.subgroup_value",
                    "give subgroup_value exactly when the analysis has a subgroup_variable",
                )
            )
        for d in sorted(duplicates([g.domain for g in c.downgrades])):
            out.append((f"certainty.{i}.downgrades", f"domain {d!r} listed twice"))
        expected = expected_rating(c.downgrades)
        if c.rating != expected and c.note is None:
            out.append(
                (
                    f"certainty.{i}.rating",
                    f"{c.rating!r}, but high less the downgrades gives {expected!r}; "
                    "correct it or say why in `note`",
                )
            )
    return out
