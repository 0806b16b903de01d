"""The JSON Schemas of every record file, generated from the models (what `evireg schema` writes
and `evireg init` puts in a new registry, so editors can check files as they are typed)."""

from __future__ import annotations

import json
from typing import Any

from evireg.records.base import SCHEMA_BASE
from evireg.records.extraction_files import file_schemas
from evireg.records.kinds import MODELS, RecordKind
from evireg.records.profile import Profile


def json_schema(kind: RecordKind) -> dict[str, Any]:
    schema = MODELS[kind].model_json_schema(by_alias=True, mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = SCHEMA_BASE + f"{kind}.schema.json"
    return schema


def profile_schema() -> dict[str, Any]:
    """The JSON Schema of a registry's profile, `evireg.yaml`."""
    schema = Profile.model_json_schema(by_alias=True, mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = SCHEMA_BASE + "profile.schema.json"
    return schema


def schema_texts() -> dict[str, str]:
    """Every record file's JSON Schema: study, review, the registry profile, and the
    double-extraction files."""
    schemas = {f"{k}.schema.json": json_schema(k) for k in ("study", "review")}
    schemas["profile.schema.json"] = profile_schema()
    schemas.update(file_schemas())
    return {name: json.dumps(schema, indent=2) + "\n" for name, schema in schemas.items()}
