"""Starting a registry and entering records: the one code path that writes record files."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from .errors import Problem, UserError
from .models import Review, Study, json_schema
from .registry import (
    Registry,
    commit_files,
    load_file,
    load_registry,
    lock,
    record_files,
    schema_ref,
    to_yaml,
    write_files_atomically,
)
from .store import build_locked

README_STUB = """# Evidence registry

One YAML file per study in `studies/` and per review in `reviews/`, validated by evireg
(`evireg validate --registry .`). The DuckDB index in `.evireg/` is derived from the files and
rebuilt on demand; never edit it. Record format: the JSON Schemas in `schemas/`.
"""


def schema_texts() -> dict[str, str]:
    return {f"{k}.schema.json": json.dumps(json_schema(k), indent=2) + "\n" for k in ("study", "review")}


def write_schemas(out: Path) -> list[Path]:
    files = {out / name: text for name, text in schema_texts().items()}
    write_files_atomically(files)
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
    write_files_atomically(files)
    return Registry(path)


@dataclass(frozen=True)
class Added:
    id: str
    kind: str
    path: Path
    replaced: bool


def add_files(reg: Registry, files: list[Path], *, replace: bool = False) -> list[Added]:
    """Validate every input file, then add them all (see add_records), or change nothing."""
    records: list[tuple[str, Study | Review]] = []
    problems: list[Problem] = []
    for f in files:
        if not f.is_file():
            problems.append(Problem(str(f), "", "no such file"))
            continue
        rec, probs = load_file(f)
        problems.extend(probs)
        if rec is not None:
            records.append((str(f), rec))
    if problems:
        raise UserError(f"nothing added: {len(problems)} problem(s) in the input", problems)
    return add_records(reg, records, replace=replace)


def add_records(
    reg: Registry, records: list[tuple[str, Study | Review]], *, replace: bool = False
) -> list[Added]:
    """Write validated records (each with the name of its input, for messages) as registry
    files and update the index, all or nothing. Every entry path (files, guided entry,
    adjudication) goes through here."""
    if not reg.writable:
        raise UserError(
            f"{reg.root}: this registry is read-only (the bundled one?); "
            "start your own with `evireg init PATH` and pass --registry PATH"
        )
    problems: list[Problem] = []
    with lock(reg):
        existing = {p.stem: p for p in record_files(reg)}
        current = load_registry(reg)
        if current.problems:
            raise UserError(
                f"{reg.root}: fix the registry's own problems before adding (run `evireg validate`)",
                current.problems,
            )
        study_ids = {s.id for s in current.studies}
        seen: dict[str, str] = {}
        out: list[Added] = []
        texts: dict[Path, str] = {}
        for f, rec in records:
            kind = "review" if isinstance(rec, Review) else "study"
            if rec.id in seen:
                problems.append(Problem(f, "id", f"id {rec.id!r} is also given by {seen[rec.id]}"))
                continue
            seen[rec.id] = f
            target = reg.dir_for(kind) / f"{rec.id}.yaml"
            old = existing.get(rec.id)
            if old is not None and old.parent == target.parent and not replace:
                msg = f"{rec.id!r} is already in the registry ({old}); pass --replace to overwrite it"
                problems.append(Problem(f, "id", msg))
                continue
            if isinstance(rec, Study):
                study_ids.add(rec.id)
            texts[target] = to_yaml(rec, schema_ref(reg, kind))
            out.append(Added(rec.id, kind, target, old is not None))
        for f, rec in records:
            if isinstance(rec, Review):
                for i, sid in enumerate(rec.included_studies):
                    if sid not in study_ids:
                        msg = f"no study {sid!r} in the registry; add it first"
                        problems.append(Problem(f, f"included_studies.{i}", msg))
        if problems:
            raise UserError(f"nothing added: {len(problems)} problem(s) in the input", problems)
        commit_files(reg, texts)
        build_locked(reg)
    return out
