"""Risk-of-bias assessments: RoB 2 for randomised trials, ROBINS-I for non-randomised studies.

An assessment belongs to a study and an outcome (RoB 2 judges a result, not a trial).  Each
domain has a judgement, the support for it (quotes from a cited source, each with its locator,
and the assessor's reason), and the overall judgement follows the tool's algorithm unless the
assessor overrides it with a reason:

* RoB 2 (Sterne et al. BMJ 2019;366:l4898): high if any domain is high; low if every domain is
  low; otherwise some concerns.  (The tool lets assessors judge several "some concerns" as high;
  that is an override, with its reason.)
* ROBINS-I (Sterne et al. BMJ 2016;355:i4919): the most severe domain judgement (critical, then
  serious, then moderate, then low); "no information" when a domain lacks information and none
  is serious or critical.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from pydantic import Field, model_validator

from evireg.records.base import Ident, Record, ShortText, Slug, Text


class Tool(StrEnum):
    rob2 = "rob2"
    robins_i = "robins_i"


DOMAINS: dict[Tool, tuple[str, ...]] = {
    Tool.rob2: ("randomization", "deviations", "missing_data", "measurement", "reported_result"),
    Tool.robins_i: (
        "confounding",
        "selection",
        "classification",
        "deviations",
        "missing_data",
        "measurement",
        "reported_result",
    ),
}
DOMAIN_LABELS = {
    "randomization": "Bias arising from the randomization process",
    "deviations": "Bias due to deviations from intended interventions",
    "missing_data": "Bias due to missing outcome data",
    "measurement": "Bias in measurement of the outcome",
    "reported_result": "Bias in selection of the reported result",
    "confounding": "Bias due to confounding",
    "selection": "Bias in selection of participants into the study",
    "classification": "Bias in classification of interventions",
}
JUDGEMENTS: dict[Tool, tuple[str, ...]] = {
    Tool.rob2: ("low", "some_concerns", "high"),
    Tool.robins_i: ("low", "moderate", "serious", "critical", "no_information"),
}


def overall_by_algorithm(tool: Tool, judgements: list[str]) -> str:
    """The tool's overall judgement from its domain judgements (see the module docstring)."""
    if tool == Tool.rob2:
        if "high" in judgements:
            return "high"
        return "low" if all(j == "low" for j in judgements) else "some_concerns"
    for worst in ("critical", "serious", "no_information", "moderate"):
        if worst in judgements:
            return worst
    return "low"


class Quote(Record):
    """Words of a cited source that support a judgement, exactly as printed."""

    text: Text
    source: Slug = Field(description="id of an entry in the study's `sources`")
    locator: ShortText


class DomainJudgement(Record):
    domain: Ident = Field(
        description="rob2: randomization, deviations, missing_data, measurement, "
        "reported_result; robins_i: confounding, selection, classification, "
        "deviations, missing_data, measurement, reported_result"
    )
    judgement: Ident = Field(
        description="rob2: low | some_concerns | high; robins_i: low | moderate | "
        "serious | critical | no_information"
    )
    quotes: list[Quote] = Field(default_factory=list)
    reason: Text = Field(description="why this judgement, in the assessor's words")


class Assessment(Record):
    """One tool's assessment of one study's result for an outcome."""

    outcome: Ident = Field(description="an outcome id of the registry's profile")
    tool: Tool
    domains: list[DomainJudgement]
    overall: Ident | None = Field(default=None, description="only to override the tool's algorithm")
    overall_reason: Text | None = Field(default=None, description="why the override")
    assessor: ShortText = Field(description="who judged, e.g. 'registry curators' or a review's authors")
    date: dt.date | None = None
    source: Slug | None = Field(default=None, description="a source whose published judgements these are")
    locator: ShortText | None = None

    @model_validator(mode="after")
    def _valid(self) -> Assessment:
        allowed, names = JUDGEMENTS[self.tool], DOMAINS[self.tool]
        seen = [d.domain for d in self.domains]
        if sorted(seen) != sorted(names):
            raise ValueError(
                f"{self.tool} judges the domains {', '.join(names)} once each; got {', '.join(seen)}"
            )
        bad = [d.judgement for d in self.domains if d.judgement not in allowed]
        if self.overall is not None and self.overall not in allowed:
            bad.append(self.overall)
        if bad:
            raise ValueError(f"{self.tool} judgements are {', '.join(allowed)}; got {', '.join(bad)}")
        if self.overall is not None and self.overall != self.algorithm() and not self.overall_reason:
            raise ValueError(
                f"overall {self.overall!r} differs from the tool's {self.algorithm()!r}: give overall_reason"
            )
        if (self.source is None) != (self.locator is None):
            raise ValueError("give both source and locator, or neither")
        return self

    def algorithm(self) -> str:
        return overall_by_algorithm(self.tool, [d.judgement for d in self.domains])

    @property
    def overall_judgement(self) -> str:
        return self.overall or self.algorithm()
