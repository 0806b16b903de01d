"""The files of double data extraction: one extractor's record of a study, a resolution file, and
the adjudication log evireg writes. Models and their JSON Schemas only; reading them from a
registry is registry/extractions.py, comparing them extraction/."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, StringConstraints

from evireg.records.base import Record, ShortText, Slug, Text


class ExtractionFile(Record):
    """One extractor's record of one study. The study is validated separately so that its
    problems keep their own field paths (prefixed `study.`) and line numbers."""

    schema_: str | None = Field(default=None, alias="$schema")
    extractor: Slug = Field(description="who extracted; equals the file name")
    extracted_on: dt.date = Field(description="when the extraction was done")
    study: dict[str, Any] = Field(description="a full study record; its id equals the folder name")

    model_config = ConfigDict(populate_by_name=True)


def file_schemas() -> dict[str, dict[str, Any]]:
    """JSON Schemas of the extraction, resolution and adjudication-log files; an extraction's
    `study` refers to the study schema, so editors check the record inside too."""
    from evireg.records.base import SCHEMA_BASE

    out: dict[str, dict[str, Any]] = {}
    for name, model in (
        ("extraction", ExtractionFile),
        ("resolutions", ResolutionFile),
        ("adjudication", AdjudicationLog),
    ):
        schema = model.model_json_schema(by_alias=True, mode="validation")
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        schema["$id"] = SCHEMA_BASE + f"{name}.schema.json"
        if name == "extraction":
            schema["properties"]["study"] = {
                "$ref": "study.schema.json",
                "description": "a full study record; its id equals the folder name",
            }
        out[f"{name}.schema.json"] = schema
    return out


class Resolution(Record):
    """How one disagreement was resolved: a, b (or an extractor's name), or a given value."""

    choose: ShortText
    value: Any = Field(default=None, description="the value, with choose: value")
    reason: Text


class ResolutionFile(Record):
    adjudicator: ShortText | None = None
    resolutions: dict[str, Resolution] = Field(default_factory=dict)


Sha256 = Annotated[str, StringConstraints(strict=True, pattern=r"^[0-9a-f]{64}$")]


class ExtractorRef(Record):
    extractor: Slug
    extracted_on: dt.date | None = None
    file: ShortText
    sha256: Sha256 = Field(description="of the extraction file as adjudicated")


class Decision(Record):
    field_path: ShortText
    a: Any = None
    b: Any = None
    choice: Literal["a", "b", "value"]
    value: Any = None
    reason: Text


class AdjudicationLog(Record):
    study: Slug
    adjudicator: ShortText
    adjudicated_on: dt.date
    extractor_a: ExtractorRef
    extractor_b: ExtractorRef
    fields_compared: int
    fields_agreeing: int
    agreement_rate: float
    decisions: list[Decision] = Field(default_factory=list)
