"""A record's canonical file text: YAML with `$schema` first and the rest in model order, and the
`$schema` reference a file written into a given registry gets."""

from __future__ import annotations

import json

from evireg.records.review import Review
from evireg.records.study import Study
from evireg.records.yamlio import dump_yaml
from evireg.registry.paths import Registry


def schema_ref(reg: Registry, kind: str) -> str:
    """`$schema` for a file in this registry: its own schemas/ copy, or the project's."""
    name = f"{kind}.schema.json"
    if (reg.root / "schemas" / name).exists():
        return f"../schemas/{name}"
    if (reg.root.parent / "schemas" / name).exists():
        return f"../../schemas/{name}"
    return f"../schemas/{name}"


def to_yaml(rec: Study | Review, schema: str | None = None) -> str:
    return yaml_from_json(rec.model_dump_json(by_alias=True, exclude_defaults=True), schema or rec.schema_)


def yaml_from_json(as_json: str, schema: str) -> str:
    """A record's canonical YAML from its canonical JSON: `$schema` first, then model order."""
    data = json.loads(as_json)
    return dump_yaml({"$schema": schema, **{k: v for k, v in data.items() if k != "$schema"}})
