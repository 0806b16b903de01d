"""A new registry on disk: its folders, a README, a .gitignore for the derived index, and the
JSON Schemas of its files."""

from __future__ import annotations

from pathlib import Path

from evireg.errors import UserError
from evireg.records.schemas import schema_texts
from evireg.registry.fileio import write_atomically
from evireg.registry.paths import Registry

README_STUB = """# Evidence registry

One YAML file per study in `studies/` and per review in `reviews/`, validated by evireg
(`evireg validate --registry .`). The DuckDB index in `.evireg/` is derived from the files and
rebuilt on demand; never edit it. Record format: the JSON Schemas in `schemas/`.
"""


def write_schemas(out: Path) -> list[Path]:
    files = {out / name: text for name, text in schema_texts().items()}
    write_atomically(files)
    return sorted(files)


def init_registry(path: Path) -> Registry:
    if (path / "studies").exists() or (path / "reviews").exists():
        raise UserError(f"{path}: already holds a registry; nothing changed")
    if path.exists() and not path.is_dir():
        raise UserError(f"{path}: exists and is not a folder")
    files = {
        path / "README.md": README_STUB,
        path / ".gitignore": ".evireg/\n",
        path / "studies" / ".gitkeep": "",
        path / "reviews" / ".gitkeep": "",
    }
    files.update({path / "schemas" / n: t for n, t in schema_texts().items()})
    write_atomically(files)
    return Registry(path)
