"""The building blocks every record shares: constrained field types, the strict base model,
and provenance (the sources a record read and where in them each value stands).

The pydantic models are the single definition of the record format: the JSON Schemas in
`schemas/` are generated from them (records/schemas.py). Studies are in study.py, reviews in
review.py; both are made of the parts here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, TypeVar

from pydantic import BaseModel, ConfigDict, Field, Strict, StringConstraints, ValidationInfo, model_validator

from evireg.records.vocab import SourceKind

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

    model_config = ConfigDict(extra="forbid", defer_build=True)


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
    sha256: Annotated[str, StringConstraints(strict=True, pattern=r"^[0-9a-f]{64}$")] | None = Field(
        default=None,
        description="content hash of the file the values were read from (e.g. a RevMan file without a DOI)",
    )
    accessed: dt.date | None = Field(default=None, description="date the source was read")

    @model_validator(mode="after")
    def _identified(self) -> Source:
        if self.pmid is None and self.doi is None and self.url is None and self.sha256 is None:
            raise ValueError("a source needs at least one of pmid, doi, url or sha256")
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


def duplicates(values: list[str]) -> set[str]:
    """The values that occur more than once (for the cross-field checks of studies and reviews)."""
    seen: set[str] = set()
    return {v for v in values if v in seen or seen.add(v)}  # type: ignore[func-returns-value]


R = TypeVar("R", bound=Record)


def semantic_check(record: R, info: ValidationInfo, errors: Callable[[R], list[tuple[str, str]]]) -> R:
    """Run a record's cross-field checks as part of validation, unless the caller asked to run
    them itself (context `defer_semantic`) so that each problem keeps its own field path."""
    if info.context and info.context.get("defer_semantic"):
        return record
    found = errors(record)
    if found:
        raise ValueError("; ".join(f"{path}: {msg}" for path, msg in found))
    return record
