"""A new registry on disk: its folders, a README, a .gitignore for the derived index, the
JSON Schemas of its files, a commented profile (`evireg.yaml`) to edit, and commented study and
review templates in `templates/` (outside studies/ and reviews/, so never read as records)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from evireg.errors import UserError
from evireg.records.schemas import schema_texts
from evireg.registry.fileio import write_atomically
from evireg.registry.paths import Registry

README_STUB = """# Evidence registry

One YAML file per study in `studies/` and per review in `reviews/`, validated by evireg
(`evireg validate --registry .`). The DuckDB index in `.evireg/` is derived from the files and
rebuilt on demand; never edit it. Record format: the JSON Schemas in `schemas/`.

`evireg.yaml` declares this registry's outcomes, study characteristics and arm labels: edit it
first. `templates/study.yaml` and `templates/review.yaml` show every field of a record, with a
comment each: copy one, fill it in, and `evireg add FILE --registry .`.
"""

PROFILE = "evireg.yaml"
TEMPLATES = ("study.yaml", "review.yaml")


def skeleton_text(name: str) -> str:
    """A file shipped in registry/skeleton/: the profile template or a record template."""
    return (resources.files("evireg.registry") / "skeleton" / name).read_text(encoding="utf-8")


def write_schemas(out: Path) -> list[Path]:
    files = {out / name: text for name, text in schema_texts().items()}
    write_atomically(files)
    return sorted(files)


def init_registry(path: Path, *, profile: str | None = None) -> Registry:
    """Start a registry at `path`; `profile` is the text of its evireg.yaml (default: the
    commented template, one example outcome and characteristic)."""
    if (path / "studies").exists() or (path / "reviews").exists():
        raise UserError(f"{path}: already holds a registry; nothing changed")
    if path.exists() and not path.is_dir():
        raise UserError(f"{path}: exists and is not a folder")
    files = {
        path / "README.md": README_STUB,
        path / ".gitignore": ".evireg/\n",
        path / "studies" / ".gitkeep": "",
        path / "reviews" / ".gitkeep": "",
        path / PROFILE: skeleton_text(PROFILE) if profile is None else profile,
    }
    files.update({path / "templates" / n: skeleton_text(n) for n in TEMPLATES})
    files.update({path / "schemas" / n: t for n, t in schema_texts().items()})
    write_atomically(files)
    return Registry(path)


def init_example(path: Path) -> Registry:
    """Start the example registry at `path`: aspirin after myocardial infarction (Fleiss 1993),
    seven trials and the review whose pooled odds ratio they reproduce, every value read from
    the RevMan 5 file Fleiss1993.rm5 (R package meta). A second, unrelated topic, so that a
    new user sees a registry end to end and the tests pool one that is not the bundled one."""
    example = resources.files("evireg.registry") / "example"
    reg = init_registry(path, profile=(example / PROFILE).read_text(encoding="utf-8"))
    files: dict[Path, str] = {}
    for folder in ("studies", "reviews"):
        for item in (example / folder).iterdir():
            if item.name.endswith(".yaml"):
                files[path / folder / item.name] = item.read_text(encoding="utf-8")
    write_atomically(files)
    return reg
