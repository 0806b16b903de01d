from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"
REGISTRY = ROOT / "registry"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def fixture_registry(tmp_path: Path) -> Iterator[Path]:
    """A fresh registry holding the valid synthetic fixtures (two studies, one review)."""
    from evireg.index.add import add_files
    from evireg.registry.layout import init_registry

    root = tmp_path / "reg"
    reg = init_registry(root)
    add_files(reg, sorted((FIXTURES / "valid").iterdir()))
    yield root


@pytest.fixture
def bundled_copy(tmp_path: Path) -> Path:
    """A writable copy of the bundled registry."""
    dst = tmp_path / "bundled"
    shutil.copytree(REGISTRY, dst, ignore=shutil.ignore_patterns(".evireg"))
    return dst


def copy_registry(name: str, tmp_path: Path) -> Path:
    """A writable copy of one of fixtures/registries/<name> (so the index is built in tmp)."""
    dst = tmp_path / name
    shutil.copytree(FIXTURES / "registries" / name, dst, ignore=shutil.ignore_patterns(".evireg"))
    return dst
