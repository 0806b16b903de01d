"""The committed JSON Schemas equal the models' and accept/reject what evireg does."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator

from evireg.records.schemas import schema_texts

from .conftest import FIXTURES, REGISTRY, ROOT

SCHEMAS = {k: json.loads((ROOT / "schemas" / f"{k}.schema.json").read_text()) for k in ("study", "review")}
MANIFEST = json.loads((FIXTURES / "invalid.manifest.json").read_text())


def as_json(path: Path) -> Any:
    raw = path.read_text()
    data = json.loads(raw) if path.suffix == ".json" else yaml.safe_load(raw)
    return json.loads(json.dumps(data, default=str))  # YAML dates become ISO strings, as in JSON


def kind(data: dict[str, Any]) -> str:
    return "review" if "included_studies" in data or "includes" in data else "study"


def test_committed_schemas_match_the_models() -> None:
    for name, text in schema_texts().items():
        committed = (ROOT / "schemas" / name).read_text()
        assert committed == text, f"schemas/{name} is stale: run `evireg schema --out schemas/`"


def test_schemas_are_valid_draft_2020_12() -> None:
    for s in SCHEMAS.values():
        Draft202012Validator.check_schema(s)
        assert s["$schema"] == "https://json-schema.org/draft/2020-12/schema"


VALID = (
    sorted((REGISTRY / "studies").glob("*.yaml"))
    + sorted((REGISTRY / "reviews").glob("*.yaml"))
    + sorted((FIXTURES / "valid").iterdir())
)


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.name)
def test_valid_files_pass_the_schema(path: Path) -> None:
    data = as_json(path)
    errors = list(
        Draft202012Validator(
            SCHEMAS[kind(data)], format_checker=Draft202012Validator.FORMAT_CHECKER
        ).iter_errors(data)
    )
    assert errors == []


SCHEMA_LEVEL = sorted(n for n, e in MANIFEST.items() if e["schema"])


def test_enough_schema_level_cases() -> None:
    assert len(SCHEMA_LEVEL) >= 15


@pytest.mark.parametrize("name", SCHEMA_LEVEL)
def test_invalid_fixtures_fail_the_schema(name: str) -> None:
    data = as_json(FIXTURES / "invalid" / name)
    assert not Draft202012Validator(
        SCHEMAS[kind(data)], format_checker=Draft202012Validator.FORMAT_CHECKER
    ).is_valid(data)


def _with_refs(schema: dict[str, Any]) -> Draft202012Validator:
    """A validator that resolves `study.schema.json` and its siblings from schemas/."""
    from referencing import Registry, Resource

    resources = [
        (json.loads(p.read_text())["$id"], Resource.from_contents(json.loads(p.read_text())))
        for p in (ROOT / "schemas").glob("*.schema.json")
    ]
    return Draft202012Validator(
        schema,
        registry=Registry().with_resources(resources),
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )


EXTRACTIONS = sorted((FIXTURES / "extractions").glob("*/*.yaml"))


@pytest.mark.parametrize("path", EXTRACTIONS, ids=lambda p: p.name)
def test_extraction_fixtures_pass_their_schema(path: Path) -> None:
    schema = json.loads((ROOT / "schemas" / "extraction.schema.json").read_text())
    data = as_json(path)
    assert list(_with_refs(schema).iter_errors(data)) == []
    broken = {**data, "study": {**data["study"], "arms": "not a list"}}
    assert not _with_refs(schema).is_valid(broken)  # the $ref reaches into the study record


def test_resolution_fixture_passes_its_schema() -> None:
    schema = json.loads((ROOT / "schemas" / "resolutions.schema.json").read_text())
    for path in (FIXTURES / "extractions").glob("*resolutions.yaml"):
        assert list(_with_refs(schema).iter_errors(as_json(path))) == []
