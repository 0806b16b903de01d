"""Load -> dump -> load is lossless, and the dump is stable and readable."""

from __future__ import annotations

from pathlib import Path

import pytest

from evireg.records.yamlio import parse_text
from evireg.registry.canonical import to_yaml
from evireg.registry.validate import load_file

from .conftest import FIXTURES, REGISTRY

FILES = (
    sorted((REGISTRY / "studies").glob("*.yaml"))
    + sorted((REGISTRY / "reviews").glob("*.yaml"))
    + sorted((FIXTURES / "valid").iterdir())
)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_round_trip_is_lossless_and_stable(path: Path, tmp_path: Path) -> None:
    rec, problems = load_file(path)
    assert rec is not None, problems
    text = to_yaml(rec)
    again = tmp_path / f"{rec.id}.yaml"
    again.write_text(text)
    rec2, problems2 = load_file(again, kind="review" if "review" in rec.schema_ else "study")
    assert problems2 == [] and rec2 == rec
    assert to_yaml(rec2) == text  # a second dump changes nothing


@pytest.mark.parametrize("path", FILES[:-3], ids=lambda p: p.name)
def test_registry_files_are_in_canonical_form(path: Path) -> None:
    """Files in registry/ are stored as evireg writes them, so a git diff shows only real edits."""
    rec, _ = load_file(path)
    assert rec is not None
    assert path.read_text() == to_yaml(rec)


def test_key_order_follows_the_model() -> None:
    rec, _ = load_file(FIXTURES / "valid" / "smith-2001.yaml")
    assert rec is not None
    keys = list(parse_text(to_yaml(rec), json_syntax=False).data)
    assert keys[:5] == ["$schema", "id", "citation", "sources", "design"]
