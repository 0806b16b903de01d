"""Writing imported reviews into a registry, all or nothing and repeatably.

Everything is built and validated in memory first (the records against their models and
against the profile as it will be), so a refused row leaves the registry untouched. The profile
(evireg.yaml) gets the new outcomes and characteristics (a clash with a different definition is
refused), then the records go through the one write path (index/add.py `add_records`: lock,
journal, index) in one commit; if that commit fails, the profile is put back as it was. Only
records whose canonical text changed are written, so re-importing the same file changes nothing
and a newer version of a review changes exactly what it changed.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from evireg.errors import InvalidRecords, Problem, UserError
from evireg.index.add import add_records
from evireg.interop.imported import ImportedReview
from evireg.interop.imported_records import Built, build
from evireg.records.profile import PROFILE_FILE, Profile
from evireg.records.profile_check import profile_errors
from evireg.records.review import Review
from evireg.records.study import Study
from evireg.records.yamlio import dump_yaml, parse_file
from evireg.registry.canonical import schema_ref, yaml_from_json
from evireg.registry.fileio import write_atomically
from evireg.registry.layout import init_registry
from evireg.registry.lock import lock
from evireg.registry.paths import Registry, refuse_bundled
from evireg.registry.validate import dotted, message

PROFILE_HEADER = """\
# evireg registry profile written by `evireg import`: one outcome per imported analysis (its id is
# the analysis number and name) and one category per subgrouped analysis (its values are the
# printed subgroup names). The analysis data do not say which way is good: every outcome's
# `direction` is higher_is_worse until you check it against the review's forest plots.
"""


@dataclass
class ImportReport:
    reviews: list[str]
    analyses: int
    rows: int
    studies: int
    written: list[str] = field(default_factory=list)  # registry-relative files added or changed
    unchanged: int = 0
    profile_added: list[str] = field(default_factory=list)  # outcome and characteristic ids


def _clash(kind: str, old: dict[str, Any], new: dict[str, Any], keys: tuple[str, ...]) -> str | None:
    for k in keys:
        if old.get(k) != new.get(k):
            return (
                f"{kind} {new['id']!r} is already in the profile with {k} {old.get(k)!r}; this import "
                f"defines it with {k} {new.get(k)!r}"
            )
    return None


def _merge_characteristic(old: dict[str, Any], new: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    """A subgroup category grows with a newer version of its review: new values are appended."""
    if old.get("type") != "category":
        return old, _clash("characteristic", old, new, ("type",))
    labels = dict(old.get("value_labels") or {})
    for v, name in new["value_labels"].items():
        if labels.setdefault(v, name) != name:
            return old, f"characteristic {new['id']!r} already names value {v!r} {labels[v]!r}, not {name!r}"
    values = list(old.get("values") or [])
    values += [v for v in new["values"] if v not in values]
    subgroups = old.get("subgroups")
    merged = dict(old) | {"values": values, "value_labels": labels}
    if subgroups is not None:
        merged["subgroups"] = list(subgroups) + [v for v in new["values"] if v not in subgroups]
    return merged, None


def merge_profile(
    data: dict[str, Any] | None, built: list[Built], file: str
) -> tuple[dict[str, Any], list[str], list[Problem]]:
    """The profile data with every imported outcome and characteristic, the ids added, and clashes."""
    out: dict[str, Any] = (
        dict(data)
        if data
        else {
            "title": "Imported reviews",
            "outcomes": [],
            "characteristics": [],
            "arms": {"intervention": "Experimental", "control": "Control"},
        }
    )
    outcomes = {o["id"]: o for o in out.get("outcomes") or []}
    chars = {c["id"]: c for c in out.get("characteristics") or []}
    added: list[str] = []
    problems: list[Problem] = []
    for b in built:
        for o in b.outcomes:
            if o["id"] not in outcomes:
                outcomes[o["id"]] = o
                added.append(o["id"])
            elif why := _clash("outcome", outcomes[o["id"]], o, ("label", "data_type")):
                problems.append(Problem(file, f"outcomes.{o['id']}", why))
        for c in b.characteristics:
            if c["id"] not in chars:
                chars[c["id"]] = c
                added.append(c["id"])
                continue
            merged, why = _merge_characteristic(chars[c["id"]], c)
            if why:
                problems.append(Problem(file, f"characteristics.{c['id']}", why))
            chars[c["id"]] = merged
    out["outcomes"] = list(outcomes.values())
    out["characteristics"] = list(chars.values())
    return out, added, problems


def _profile_text(old_text: str | None, data: dict[str, Any]) -> str:
    """The new profile: appended to the old text's structure (its comments kept), or new."""
    if old_text is None:
        return PROFILE_HEADER + dump_yaml(data)
    from ruamel.yaml import YAML

    y = YAML()
    y.preserve_quotes = True
    y.width = 4096
    y.indent(mapping=2, sequence=4, offset=2)
    doc = y.load(old_text)
    for key in ("outcomes", "characteristics"):
        have = doc.get(key)
        if have is None or not isinstance(have, list):
            doc[key] = data[key]
            continue
        by_id = {item["id"]: i for i, item in enumerate(have) if isinstance(item, dict)}
        for item in data[key]:
            if item["id"] not in by_id:
                have.append(item)
            elif dict(have[by_id[item["id"]]]) != item:
                for k, v in item.items():
                    have[by_id[item["id"]]][k] = v
    buf = io.StringIO()
    y.dump(doc, buf)
    return buf.getvalue()


def _validated(
    model: type[Study] | type[Review], data: dict[str, Any], file: str, what: str
) -> tuple[Study | Review | None, list[Problem]]:
    try:
        return model.model_validate(data), []
    except ValidationError as e:
        return None, [Problem(file, f"{what}: {dotted(err['loc'])}", message(err)) for err in e.errors()]


def _existing_study(reg: Registry, sid: str) -> dict[str, Any] | None:
    path = reg.studies_dir / f"{sid}.yaml"
    if not path.is_file():
        return None
    data = parse_file(path).data
    return data if isinstance(data, dict) else None


def _merged_study(old: dict[str, Any] | None, new: dict[str, Any], source: str) -> dict[str, Any]:
    """A study already in the registry keeps what other sources gave it; this review's source
    and results are replaced by the new ones."""
    if old is None:
        return new
    out = {k: v for k, v in old.items() if k != "$schema"}
    out["sources"] = [s for s in old.get("sources") or [] if s.get("id") != source] + new["sources"]
    out["outcomes"] = [o for o in old.get("outcomes") or [] if o.get("source") != source] + new["outcomes"]
    return out


def _canonical(reg: Registry, kind: str, rec: Study | Review) -> str:
    return yaml_from_json(rec.model_dump_json(by_alias=True, exclude_defaults=True), schema_ref(reg, kind))


def import_reviews(root: Path, reviews: list[ImportedReview]) -> ImportReport:
    """Import reviews into the registry at `root` (started, with a profile, if it has none)."""
    reg = Registry(root)
    refuse_bundled(reg)
    exists = (root / "studies").is_dir()
    profile_file = root / PROFILE_FILE
    old_text = profile_file.read_text(encoding="utf-8") if profile_file.is_file() else None
    old_data = parse_file(profile_file).data if old_text is not None else None
    built = [build(r) for r in reviews]
    problems = [p for b in built for p in b.problems]
    seen: dict[str, str] = {}
    for r in reviews:
        if seen.setdefault(r.id, r.file) != r.file:
            problems.append(
                Problem(r.file, "", f"review id {r.id!r} is also that of {seen[r.id]}; give --review-id")
            )
    label = reviews[0].file if reviews else str(root)
    data, added, clashes = merge_profile(old_data if isinstance(old_data, dict) else None, built, label)
    problems += clashes
    try:
        profile = Profile.model_validate(data)
    except ValidationError as e:
        problems += [Problem(PROFILE_FILE, dotted(err["loc"]), message(err, Profile)) for err in e.errors()]
    if problems:
        raise InvalidRecords(f"nothing imported: {len(problems)} problem(s) in the input", problems)
    studies: dict[str, dict[str, Any]] = {}
    records: list[tuple[str, Study | Review]] = []
    for r, b in zip(reviews, built, strict=True):
        for sid, new in b.studies.items():
            base = studies.get(sid) or (_existing_study(reg, sid) if exists else None)
            studies[sid] = _merged_study(base, new, r.id)
        rec, found = _validated(Review, b.review, r.file, f"review {r.id}")
        problems += found
        if rec is not None:
            records.append((r.file, rec))
    for sid, sdata in studies.items():
        rec, found = _validated(Study, sdata, label, f"study {sid}")
        problems += found
        if rec is not None:
            records.insert(0, (label, rec))
    problems += [
        Problem(f, f"{type(rec).__name__.lower()} {rec.id}: {path}", msg)
        for f, rec in records
        for path, msg in profile_errors(rec, profile)
    ]
    if problems:
        raise InvalidRecords(f"nothing imported: {len(problems)} problem(s) in the input", problems)
    report = ImportReport(
        [r.id for r in reviews],
        sum(len(r.analyses) for r in reviews),
        sum(len(a.rows) for r in reviews for a in r.analyses),
        len(studies),
        profile_added=added,
    )
    new_text = _profile_text(old_text, data) if added or old_text is None or data != old_data else old_text
    if not exists:
        reg = init_registry(root, profile=new_text)
    changed: list[tuple[str, Study | Review]] = []
    for f, rec in records:
        kind = "review" if isinstance(rec, Review) else "study"
        target = reg.dir_for(kind) / f"{rec.id}.yaml"
        if target.is_file() and target.read_text(encoding="utf-8") == _canonical(reg, kind, rec):
            report.unchanged += 1
        else:
            changed.append((f, rec))
            report.written.append(reg.rel(target))
    if exists and new_text != old_text:
        with lock(reg):
            write_atomically({profile_file: new_text})
        report.written.insert(0, PROFILE_FILE)
    if not changed:
        return report
    try:
        add_records(reg, changed, replace=True)
    except BaseException:
        if exists and new_text != old_text:
            with lock(reg):  # the profile back as it was (or gone, if the import wrote it)
                if old_text is None:
                    profile_file.unlink(missing_ok=True)
                else:
                    write_atomically({profile_file: old_text})
        raise
    return report


def refuse_empty(reviews: list[ImportedReview]) -> None:
    for r in reviews:
        if not r.analyses:
            raise UserError(f"{r.file}: no analysis rows to import")
