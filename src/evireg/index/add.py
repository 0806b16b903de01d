"""Entering records: the one code path that writes record files.

A valid input file is stored as the user wrote it (comments, key order, layout), filed as
`studies/<id>.yaml` (or `.json` for JSON input) whatever its own name; records evireg builds
itself (guided entry, adjudication) are written as canonical YAML unless the caller hands the
text to store. The bundled registry is refused before anything is touched.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from evireg.errors import InvalidRecords, Problem, UserError
from evireg.index.build import incremental_update
from evireg.index.inputs import Input, input_entries
from evireg.records.profile_check import profile_errors
from evireg.records.review import Review
from evireg.records.study import Study
from evireg.registry.canonical import schema_ref, yaml_from_json
from evireg.registry.journal import Staging
from evireg.registry.loading import Entry
from evireg.registry.lock import lock
from evireg.registry.paths import RECORD_SUFFIXES, Registry, refuse_bundled
from evireg.registry.profile import load_profile

# the suffix a record's kept bytes are filed with, by its input's suffix
KEPT_SUFFIX = {".yaml": ".yaml", ".yml": ".yaml", ".json": ".json"}  # else: parsed as YAML


@dataclass(frozen=True)
class Added:
    id: str
    kind: str
    path: Path
    replaced: bool


@dataclass(frozen=True)
class AddReport:
    added: list[Added]
    skipped: list[Problem]  # with --skip-invalid: what was left out, and why


def input_files(paths: list[Path]) -> tuple[list[Path], list[Problem]]:
    """Files as given, and every record file inside a given folder (recursively)."""
    files: list[Path] = []
    problems: list[Problem] = []
    for p in paths:
        if p.is_dir():
            files.extend(
                sorted(
                    f
                    for f in p.rglob("*")
                    if f.is_file()
                    and f.suffix in RECORD_SUFFIXES
                    and not any(part.startswith(".") for part in f.relative_to(p).parts)
                )
            )
        elif p.is_file():
            files.append(p)
        else:
            problems.append(Problem(str(p), "", "no such file or folder"))
    return files, problems


def add_files(
    reg: Registry, paths: list[Path], *, replace: bool = False, skip_invalid: bool = False
) -> AddReport:
    """Add record files, folders of them, and JSON Lines files (one study per line).

    Every input is validated (on all cores when there are many); a problem anywhere keeps the
    whole call out of the registry, unless skip_invalid, which reports and skips the invalid.
    A file's name need not be its record's id: the record is filed under its id.
    """
    refuse_bundled(reg)
    files, problems = input_files(paths)
    for f in files:
        if f.suffix == ".jsonl" and f.name.startswith("."):
            msg = (
                f"a JSON Lines file named {f.name!r} would be hidden in the registry (evireg skips "
                f"names that start with '.'), so its studies would be lost; rename it, e.g. to "
                f"{f.name.lstrip('.')!r}, and add it again"
            )
            problems.append(Problem(str(f), "", msg))
    if problems:
        raise UserError(f"nothing added: {len(problems)} problem(s) in the input", problems)
    profile = load_profile(reg)  # records name the registry's outcomes and characteristics
    return _add(reg, input_entries(files, profile=profile), replace=replace, skip_invalid=skip_invalid)


def add_records(
    reg: Registry,
    records: list[tuple[str, Study | Review]],
    *,
    replace: bool = False,
    with_files: dict[Path, str] | None = None,
    texts: Mapping[str, str] | None = None,
) -> list[Added]:
    """Write validated records (each with the name of its input, for messages) as registry
    files and update the index, all or nothing. Every entry path (files, guided entry,
    adjudication) goes through here. `with_files` are written in the same commit (e.g. an
    adjudication log beside the record it explains). `texts` gives, by record id, the YAML
    to store instead of the canonical dump (an edited file that keeps its comments); the
    caller has checked that it holds exactly the record."""
    texts = texts or {}
    profile = load_profile(reg)
    problems = [
        Problem(label, path, msg) for label, rec in records for path, msg in profile_errors(rec, profile)
    ]
    if problems:
        n = len(problems)
        raise InvalidRecords(f"nothing added: {n} problem(s) against the registry's profile", problems)
    items = (
        Input(
            Entry(
                label,
                "review" if isinstance(rec, Review) else "study",
                rec.id,
                rec,
                rec.model_dump_json(by_alias=True, exclude_defaults=True),
                [],
            ),
            texts[rec.id].encode() if rec.id in texts else None,
        )
        for label, rec in records
    )
    return _add(reg, items, replace=replace, with_files=with_files).added


def _stored_as(reg: Registry, e: Entry, raw: bytes | None) -> tuple[Path, bytes | str]:
    """Where a record goes in the registry, and what is written there: the bytes given (kept
    with the suffix they were parsed by), or else the canonical YAML."""
    if raw is None:
        text = yaml_from_json(e.as_json or "{}", schema_ref(reg, e.kind))
        return reg.dir_for(e.kind) / f"{e.id}.yaml", text
    suffix = KEPT_SUFFIX.get(Path(e.file).suffix, ".yaml")
    return reg.dir_for(e.kind) / f"{e.id}{suffix}", raw


def _add(
    reg: Registry,
    items: Iterable[Input],
    *,
    replace: bool = False,
    skip_invalid: bool = False,
    with_files: dict[Path, str] | None = None,
) -> AddReport:
    refuse_bundled(reg)  # before the lock: not a byte of the bundled registry may change
    if not reg.writable:
        raise UserError(
            f"{reg.root}: this registry is read-only (the bundled one?); "
            "start your own with `evireg init PATH` and pass --registry PATH"
        )
    with lock(reg), incremental_update(reg) as upd, Staging() as staging:
        existing = upd.record_files()
        known_studies = {k.split(":", 1)[1] for k in existing if k.startswith("study:")}
        problems: list[Problem] = []
        skipped: list[Problem] = []
        seen: dict[str, str] = {}
        reviews: list[tuple[str, Review]] = []
        out: list[Added] = []
        for item in items:
            e = item.entry
            if not e.ok or e.id is None:
                (skipped if skip_invalid else problems).extend(e.problems)
                continue
            label = f"{e.file}:{e.line}" if e.line else e.file
            key = f"{e.kind}:{e.id}"
            if key in seen:
                problems.append(Problem(e.file, "id", f"id {e.id!r} is also given by {seen[key]}", e.line))
                continue
            seen[key] = label
            shard = e.file.endswith(".jsonl")
            data: bytes | str = ""
            if shard:
                target = reg.studies_dir / Path(e.file).name
            else:
                target, data = _stored_as(reg, e, item.raw)
            stored = reg.rel(target)  # the index names files relative to the registry root
            old = existing.get(key)
            if old is not None:
                if not replace:
                    msg = f"{e.id!r} is already in the registry ({old}); pass --replace to overwrite it"
                    problems.append(Problem(e.file, "id", msg, e.line))
                    continue
                if old != stored and old.endswith(".jsonl"):
                    msg = f"{e.id!r} lives in the shard {old}; edit that file instead"
                    problems.append(Problem(e.file, "id", msg, e.line))
                    continue
                upd.replace(e.id)
                if old != stored:
                    staging.delete(reg.inside(old))
            if problems:
                continue  # keep checking the rest for the report; nothing will be written
            if shard:
                if target.exists() and str(target) not in staging.shards:
                    if not replace:
                        msg = (
                            f"a shard named {target.name} is already in the registry; rename the "
                            "input, or pass --replace to replace the whole shard"
                        )
                        problems.append(Problem(e.file, "", msg))
                        continue
                    for k, f in existing.items():  # the new shard replaces every record of the old
                        if f == stored:
                            upd.replace(k.split(":", 1)[1])
                staging.append_line(target, e.as_json or "")
            else:
                staging.write(target, data)
            upd.add(e, stored)
            if isinstance(e.record, Review):
                reviews.append((label, e.record))
            elif e.kind == "study":
                known_studies.add(e.id)
            out.append(Added(e.id, e.kind, target, old is not None))
        for label, review in reviews:
            for i, sid in enumerate(review.included_studies):
                if sid not in known_studies:
                    msg = f"no study {sid!r} in the registry; add it first"
                    problems.append(Problem(label, f"included_studies.{i}", msg))
        if problems:
            raise UserError(f"nothing added: {len(problems)} problem(s) in the input", problems)
        for path, text in (with_files or {}).items():
            staging.write(path, text)
        staging.commit(reg)
    return AddReport(out, skipped)
