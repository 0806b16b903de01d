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


def registry_schemas(profile: Profile) -> dict[str, str]:
    """The study and review schemas narrowed to one registry's vocabulary: outcome ids, subgroup
    variables and characteristic values as enums from its profile, so an editor checks a user's
    own records as strictly as `evireg validate` does. Written beside the generic ones as
    `<kind>.registry.schema.json`."""
    outcomes = [o.id for o in profile.outcomes]
    chars = {c.id: c for c in profile.characteristics}
    out: dict[str, str] = {}
    for kind in ("study", "review"):
        schema = json_schema(kind)
        schema["$id"] = SCHEMA_BASE + f"{kind}.registry.schema.json"
        defs = schema.get("$defs", {})
        for name in ("OutcomeResult", "NotReported", "Analysis"):
            prop = defs.get(name, {}).get("properties", {}).get("outcome")
            if prop is not None:
                prop["enum"] = outcomes
        sub = defs.get("Subgroup", {}).get("properties", {})
        if "variable" in sub:
            sub["variable"]["enum"] = sorted(chars)
        if kind == "study" and chars:
            schema["properties"]["characteristics"] = {
                "description": "this registry's characteristics (evireg.yaml), each plain or with source "
                "and locator",
                "type": "object",
                "additionalProperties": False,
                "properties": {cid: _characteristic(c) for cid, c in chars.items()},
            }
        out[f"{kind}.registry.schema.json"] = json.dumps(schema, indent=2) + "\n"
    return out


_JSON_TYPES = {"category": "string", "text": "string", "integer": "integer", "number": "number",
               "boolean": "boolean"}


def _characteristic(c: Any) -> dict[str, Any]:
    plain: dict[str, Any] = {"type": _JSON_TYPES[str(c.type)]}
    if c.values:
        plain["enum"] = list(c.values)
    if c.minimum is not None:
        plain["minimum"] = c.minimum
    if c.maximum is not None:
        plain["maximum"] = c.maximum
    sourced = {"type": "object", "required": ["value"], "additionalProperties": False,
               "properties": {"value": plain, "source": {"type": "string"}, "locator": {"type": "string"},
                              "derivation": {"type": "string"}}}
    return {"title": str(c.label), "anyOf": [plain, sourced]}
