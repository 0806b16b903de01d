"""The JSON Schemas of every record file, generated from the models (what `evireg schema` writes
and `evireg init` puts in a new registry, so editors can check files as they are typed)."""

from __future__ import annotations

import json

from evireg.records.extraction_files import file_schemas
from evireg.records.models import json_schema


def schema_texts() -> dict[str, str]:
    """Every record file's JSON Schema: study, review, and the double-extraction files."""
    schemas = {f"{k}.schema.json": json_schema(k) for k in ("study", "review")}
    schemas.update(file_schemas())
    return {name: json.dumps(schema, indent=2) + "\n" for name, schema in schemas.items()}
