"""Record models: valid fixtures load, each invalid fixture fails with its own path and message."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from evireg.records.study import Study
from evireg.registry.paths import Registry
from evireg.registry.profile import load_profile
from evireg.registry.validate import load_file, validate_data

from .conftest import FIXTURES, REGISTRY

MANIFEST: dict[str, dict[str, Any]] = json.loads((FIXTURES / "invalid.manifest.json").read_text())
BASE = yaml.safe_load((FIXTURES / "valid" / "smith-2001.yaml").read_text())
BUNDLED_PROFILE = load_profile(Registry(REGISTRY))  # the vocabulary the fixtures are written in


def test_manifest_covers_every_invalid_fixture() -> None:
    assert sorted(MANIFEST) == sorted(p.name for p in (FIXTURES / "invalid").iterdir())
    assert len(MANIFEST) >= 50


@pytest.mark.parametrize("path", sorted((FIXTURES / "valid").iterdir()), ids=lambda p: p.name)
def test_valid_fixtures_load(path: Path) -> None:
    rec, problems = load_file(path)
    assert problems == []
    assert rec is not None and rec.id == path.stem


@pytest.mark.parametrize(
    "path",
    sorted((REGISTRY / "studies").glob("*.yaml")) + sorted((REGISTRY / "reviews").glob("*.yaml")),
    ids=lambda p: p.name,
)
def test_registry_files_load(path: Path) -> None:
    _, problems = load_file(path)
    assert problems == [], [str(p) for p in problems]


@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_invalid_fixture_names_path_and_reason(name: str) -> None:
    expected = MANIFEST[name]
    rec, problems = load_file(FIXTURES / "invalid" / name, profile=BUNDLED_PROFILE)
    assert rec is None
    assert problems, "an invalid fixture must produce at least one problem"
    assert all(p.file.endswith(name) for p in problems)
    hits = [p for p in problems if p.path == expected["path"] and expected["message"] in p.message]
    assert hits, [str(p) for p in problems]


def test_yaml_problems_carry_line_numbers() -> None:
    _, problems = load_file(FIXTURES / "invalid" / "typo-key-evnets.yaml")
    text = (FIXTURES / "invalid" / "typo-key-evnets.yaml").read_text().splitlines()
    (p,) = [p for p in problems if p.path.endswith("evnets")]
    assert p.line is not None and "evnets" in text[p.line - 1]


def test_syntax_error_line_is_reported() -> None:
    _, (p,) = load_file(FIXTURES / "invalid" / "invalid-yaml.yaml")
    # line 2 is where `arms:` is indented under a scalar: the parser's own line, 1-based
    assert p.line == 2 and "mapping values are not allowed" in p.message


def test_not_reported_is_explicit_never_zero() -> None:
    data = copy.deepcopy(BASE)
    data["arms"][0]["n_analysed"] = {"value": None, "reason": "abstract only"}
    rec, problems = validate_data(data, "x.yaml")
    assert problems == [] and isinstance(rec, Study)
    assert rec.arms[0].n_analysed.value is None  # stays null: no default 0
    data["arms"][0]["n_analysed"] = {"reason": "abstract only"}
    _, problems = validate_data(data, "x.yaml")
    assert any(p.path == "arms.0.n_analysed.value" and "required" in p.message for p in problems)


@settings(max_examples=60, deadline=None)
@given(events=st.integers(-5, 60), total=st.integers(-5, 60))
def test_events_total_rule(events: int, total: int) -> None:
    data = copy.deepcopy(BASE)
    data["outcomes"][0]["arms"][0].update(events=events, total=total)
    data["outcomes"][0]["notes"] = "totals may exceed randomised in this property test"
    data["outcomes"] = data["outcomes"][:1]
    rec, problems = validate_data(data, "x.yaml")
    assert (rec is not None) == (0 <= events <= total and total >= 1)
    assert all(p.path.startswith("outcomes.0.arms.0") for p in problems)


@settings(max_examples=60, deadline=None)
@given(pmid=st.text(min_size=0, max_size=12))
def test_pmid_rule(pmid: str) -> None:
    data = copy.deepcopy(BASE)
    data["citation"]["pmid"] = pmid
    rec, _ = validate_data(data, "x.yaml")
    well_formed = pmid.isascii() and pmid.isdigit() and pmid[:1] != "0" and 1 <= len(pmid) <= 9
    assert (rec is not None) == well_formed
