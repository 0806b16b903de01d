from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"
REGISTRY = ROOT / "registry"


def give_profile(root: Path) -> Path:
    """Give a new registry the bundled registry's profile (its outcome and characteristic ids
    are the ones the fixtures use)."""
    shutil.copyfile(REGISTRY / "evireg.yaml", root / "evireg.yaml")
    return root


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture(scope="session")
def _fixture_registry_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The valid fixtures filed once per session through the real `add` path; tests get copies."""
    from evireg.index.add import add_files
    from evireg.registry.layout import init_registry

    root = tmp_path_factory.mktemp("template") / "reg"
    reg = init_registry(root)
    give_profile(root)
    add_files(reg, sorted((FIXTURES / "valid").iterdir()))
    return root


@pytest.fixture
def fixture_registry(tmp_path: Path, _fixture_registry_template: Path) -> Iterator[Path]:
    """A fresh registry holding the valid synthetic fixtures (two studies, one review): a copy of
    the session's template, index included. The same files give the same index (it records
    paths relative to the registry), so the copy's index only needs to be told where it now is;
    rebuilding it for each of some 250 tests cost the suite half a minute of CPU."""
    import duckdb

    from evireg.index.build import db_path, stored_hash
    from evireg.registry.paths import Registry, content_hash

    root = tmp_path / "reg"
    shutil.copytree(_fixture_registry_template, root, symlinks=True)
    reg = Registry(root)
    con = duckdb.connect(str(db_path(reg)))
    try:
        con.execute("UPDATE meta SET value = $root WHERE key = 'root'", {"root": str(root.resolve())})
    finally:
        con.close()
    assert stored_hash(db_path(reg), reg) == content_hash(reg)  # current: no command rebuilds it
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


@pytest.fixture(scope="session")
def bundled_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled review's site, written once by `evireg site` for the site and browser tests."""
    pytest.importorskip("matplotlib")
    from evireg.cli.main import app

    out = tmp_path_factory.mktemp("site") / "out"
    r = CliRunner().invoke(app, ["site", str(out)], env={"EVIREG_REGISTRY": ""})
    assert r.exit_code == 0, r.output
    return out
