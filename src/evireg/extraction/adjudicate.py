"""Adjudication: the study both extractions agree on, with each disagreement resolved as a
resolution file (or the prompts) chose, and a log of every choice with its reason in
`extractions/<study>/adjudication.yaml`. The record and its log are written in one commit."""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import ValidationError

from evireg.errors import Problem, UserError
from evireg.extraction.compare import Comparison, FieldComparison, keyed_path, show, unflatten
from evireg.index.add import add_records
from evireg.records.extraction_files import (
    AdjudicationLog,
    Decision,
    ExtractorRef,
    Resolution,
    ResolutionFile,
)
from evireg.records.study import Study
from evireg.records.yamlio import ParseError, decode, dump_yaml, parse_text, read_limited
from evireg.registry.extractions import Extraction, _parse, _pydantic_problems, log_path
from evireg.registry.paths import Registry, refuse_bundled
from evireg.registry.validate import validate_data
from evireg.registry.yamledit import edited, has_comments


def load_resolutions(path: Path) -> ResolutionFile:
    parsed, problems = _parse(path)
    if parsed is None:
        raise UserError(f"{path}: cannot read the resolution file", problems)
    try:
        return ResolutionFile.model_validate(parsed.data)
    except ValidationError as e:
        what = "a resolution file holds adjudicator and resolutions (field path -> choose, value, reason)"
        problems = _pydantic_problems(e, str(path), parsed, what)
        raise UserError(f"{path}: not a valid resolution file", problems) from None


def _side(choose: str, cmp: Comparison) -> Literal["a", "b", "value"] | None:
    c = choose.strip()
    if c == "value":
        return "value"
    if c in ("a", cmp.a.extractor):
        return "a"
    if c in ("b", cmp.b.extractor):
        return "b"
    return None


def _chosen(f: FieldComparison, r: Resolution, cmp: Comparison) -> tuple[bool, Any]:
    """Whether the adjudicated record has the field, and its value."""
    side = _side(r.choose, cmp)
    if side == "a":
        return f.in_a, f.a
    if side == "b":
        return f.in_b, f.b
    return True, r.value


def check_resolutions(cmp: Comparison, resolutions: Mapping[str, Resolution], source: str) -> None:
    """Every disagreement resolved, every resolution about a disagreement, every choice valid."""
    problems: list[Problem] = []
    open_ = {f.path: f for f in cmp.disagreements}
    names = f"a ({cmp.a.extractor}) or b ({cmp.b.extractor})"
    for path, r in resolutions.items():
        if path not in open_:
            close = difflib.get_close_matches(path, list(open_), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            problems.append(Problem(source, path, f"not a disagreement between the extractions{hint}"))
        elif _side(r.choose, cmp) is None:
            problems.append(Problem(source, path, f"choose {r.choose!r}: use {names}, or value"))
        elif _side(r.choose, cmp) == "value" and "value" not in r.model_fields_set:
            problems.append(Problem(source, path, "choose: value needs a `value:`"))
    for path, f in open_.items():
        if path not in resolutions:
            msg = (
                f"no resolution: {cmp.a.extractor} has {show(f.a) if f.in_a else 'nothing'}, "
                f"{cmp.b.extractor} has {show(f.b) if f.in_b else 'nothing'}; "
                f"give `choose:` {names}, or value (with `value:`), and a `reason:`"
            )
            problems.append(Problem(source, path, msg))
    if problems:
        msg = f"cannot adjudicate {cmp.study_id}: {len(problems)} problem(s) with the resolutions"
        raise UserError(msg, problems)


def adjudicate(cmp: Comparison, resolutions: Mapping[str, Resolution], source: str = "resolutions") -> Study:
    """The study both extractions agree on, with each disagreement resolved as chosen.

    Raises UserError listing unresolved disagreements, or the problems of the resulting record.
    """
    check_resolutions(cmp, resolutions, source)
    flat = {}
    for f in cmp.fields:
        present, value = (True, f.a) if f.agree else _chosen(f, resolutions[f.path], cmp)
        if present:
            flat[f.path] = value
    data = unflatten(flat)
    label = f"{source} (adjudicated {cmp.study_id})"
    rec, problems = validate_data(data, label, kind="study")
    if problems or not isinstance(rec, Study):
        problems = [Problem(p.file, keyed_path(data, p.path), p.message) for p in problems]
        raise UserError(
            f"the adjudicated {cmp.study_id} would not be a valid study; change the resolutions", problems
        )
    return rec


def _ref(e: Extraction) -> ExtractorRef:
    digest = hashlib.sha256(e.file.read_bytes()).hexdigest()
    return ExtractorRef(extractor=e.extractor, extracted_on=e.extracted_on, file=e.file.name, sha256=digest)


def adjudication_log(
    cmp: Comparison, resolutions: Mapping[str, Resolution], adjudicator: str, on: dt.date
) -> AdjudicationLog:
    """What was decided, by whom, when and why; with the checksums of the two originals."""
    decisions = []
    for f in cmp.disagreements:
        r = resolutions[f.path]
        present, chosen = _chosen(f, r, cmp)
        # only what is there is set, so that the log tells an absent field from a null one
        given: dict[str, Any] = {"a": f.a} if f.in_a else {}
        given |= {"b": f.b} if f.in_b else {}
        given |= {"value": chosen} if present else {}
        side = _side(r.choose, cmp) or "value"
        decisions.append(Decision(field_path=f.path, choice=side, reason=r.reason, **given))
    return AdjudicationLog(
        study=cmp.study_id,
        adjudicator=adjudicator,
        adjudicated_on=on,
        extractor_a=_ref(cmp.a),
        extractor_b=_ref(cmp.b),
        fields_compared=cmp.compared,
        fields_agreeing=cmp.agreeing,
        agreement_rate=round(cmp.rate, 4),
        decisions=decisions,
    )


def save_adjudication(reg: Registry, study: Study, log: AdjudicationLog) -> tuple[Path, Path, bool]:
    """Write the study record and its log in one commit, through the one entry path; the
    extraction files are not touched. Returns the record path, the log path and whether a
    record was replaced. A record file with comments is edited in place of being rewritten,
    so its comments and key order survive and only the changed values change."""
    refuse_bundled(reg)
    target = log_path(reg, study.id)
    log_text = dump_yaml(log.model_dump(mode="json", exclude_unset=True))
    kept = _edited_record(reg, study)
    added = add_records(
        reg,
        [(f"adjudicated {study.id}", study)],
        replace=True,
        with_files={target: log_text},
        texts={study.id: kept} if kept is not None else None,
    )
    return added[0].path, target, added[0].replaced


def _edited_record(reg: Registry, study: Study) -> str | None:
    """The study's existing YAML file with the adjudicated values set over its own, if it has
    comments to keep; None (write canonical YAML) when there is none, it has no comments, or
    the edit would not read back as exactly this record."""
    from ruamel.yaml.error import YAMLError

    candidates = (reg.studies_dir / f"{study.id}{suffix}" for suffix in (".yaml", ".yml"))
    old = next((f for f in candidates if f.is_file()), None)
    if old is None:
        return None
    new = json.loads(study.model_dump_json(by_alias=True, exclude_defaults=True))
    full = json.loads(study.model_dump_json(by_alias=True))
    new.pop("$schema", None)
    full.pop("$schema", None)
    try:
        text = decode(read_limited(old))
        before = parse_text(text, json_syntax=False).data
        if not isinstance(before, dict) or not has_comments(text):
            return None
        schema = {"$schema": before["$schema"]} if "$schema" in before else {}
        out = edited(text, {**schema, **new}, {**schema, **full})
        rec, problems = validate_data(parse_text(out, json_syntax=False).data, str(old), kind="study")
    except (OSError, ParseError, YAMLError, ValueError):
        return None
    if problems or rec is None:
        return None
    again = json.loads(rec.model_dump_json(by_alias=True, exclude_defaults=True))
    again.pop("$schema", None)
    return out if again == new else None
