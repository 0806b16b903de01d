"""Compatibility only: the record models under their old module name.

The models now live by concern: records/base.py (field types, Record, Provenance, Source,
Citation), study.py, review.py, kinds.py (MODELS, id_from_filename) and schemas.py (json_schema).
cli/guided.py still imports these names from here; once it imports them from their modules,
delete this file.
"""

from __future__ import annotations

from evireg.records.base import (
    Count,
    Doi,
    Pmid,
    Provenance,
    Registration,
    ShortText,
    Slug,
    Source,
    Text,
    Year,
)
from evireg.records.study import (
    Arm,
    ArmResult,
    Design,
    NotReported,
    OutcomeResult,
    Population,
    Regimen,
    ReportedCount,
    Study,
)

__all__ = [
    "Arm",
    "ArmResult",
    "Count",
    "Design",
    "Doi",
    "NotReported",
    "OutcomeResult",
    "Pmid",
    "Population",
    "Provenance",
    "Regimen",
    "Registration",
    "ReportedCount",
    "ShortText",
    "Slug",
    "Source",
    "Study",
    "Text",
    "Year",
]
