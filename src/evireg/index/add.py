"""Starting a registry and entering records: the one code path that writes record files."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from evireg.errors import InvalidRecords, Problem, UserError
from evireg.index.build import incremental_update
from evireg.records.profile_check import profile_errors
from evireg.records.review import Review
from evireg.records.study import Study
from evireg.registry.canonical import schema_ref, yaml_from_json
from evireg.registry.journal import Staging
from evireg.registry.loading import Entry, entries
from evireg.registry.lock import lock
from evireg.registry.paths import RECORD_SUFFIXES, Registry
from evireg.registry.profile import load_profile


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
    """
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
    return _add(reg, entries(files, profile=profile), replace=replace, skip_invalid=skip_invalid)


def add_records(
    reg: Registry,
    records: list[tuple[str, Study | Review]],
    *,
    replace: bool = False,
    with_files: dict[Path, str] | None = None,
) -> list[Added]:
    """Write validated records (each with the name of its input, for messages) as registry
    files and update the index, all or nothing. Every entry path (files, guided entry,
    adjudication) goes through here. `with_files` are written in the same commit (e.g. an
    adjudication log beside the record it explains)."""
    profile = load_profile(reg)
    problems = [
        Problem(label, path, msg) for label, rec in records for path, msg in profile_errors(rec, profile)
    ]
    if problems:
        n = len(problems)
        raise InvalidRecords(f"nothing added: {n} problem(s) against the registry's profile", problems)
    items = (
        Entry(
            label,
            "review" if isinstance(rec, Review) else "study",
            rec.id,
            rec,
            rec.model_dump_json(by_alias=True, exclude_defaults=True),
            [],
        )
        for label, rec in records
    )
    return _add(reg, items, replace=replace, with_files=with_files).added


def _add(
    reg: Registry,
    items: Iterable[Entry],
    *,
    replace: bool = False,
    skip_invalid: bool = False,
    with_files: dict[Path, str] | None = None,
) -> AddReport:
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
        for e in items:
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
            target = reg.studies_dir / Path(e.file).name if shard else reg.dir_for(e.kind) / f"{e.id}.yaml"
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
                staging.write(target, yaml_from_json(e.as_json or "{}", schema_ref(reg, e.kind)))
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
