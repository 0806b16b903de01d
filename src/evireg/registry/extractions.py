"""Double-extraction files on disk: `extractions/<study>/<extractor>.yaml`, each holding a full
study under `study:`, and the adjudication log beside them. Reading and validating them belongs
here (`evireg validate` reports their problems); comparing and adjudicating is extraction/."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import ValidationError

from evireg.errors import Problem, UserError
from evireg.records.extraction_files import AdjudicationLog, ExtractionFile
from evireg.records.study import Study
from evireg.records.yamlio import Parsed, ParseError, parse_file
from evireg.registry.paths import Registry, extraction_files
from evireg.registry.validate import validate_data

LOG_NAME = "adjudication"  # extractions/<study>/adjudication.yaml: the adjudication log
RESOLUTIONS_NAME = "resolutions"  # extractions/<study>/resolutions.yaml: default resolution file
RESERVED = (LOG_NAME, RESOLUTIONS_NAME)  # file names in a study folder that are not extractions
HEADER_KEYS = "$schema, extractor, extracted_on and study"


def extractions_dir(reg: Registry) -> Path:
    return reg.root / "extractions"



@dataclass(frozen=True)
class Extraction:
    extractor: str
    extracted_on: dt.date | None  # None for a plain study file compared as is
    study: Study
    file: Path


def _pydantic_problems(e: ValidationError, file: str, parsed: Parsed | None, what: str) -> list[Problem]:
    out: list[Problem] = []
    for err in e.errors():
        loc = tuple(err["loc"])
        if err["type"] == "extra_forbidden":
            msg = f"unknown key {loc[-1]!r}; {what}"
        elif err["type"] == "missing":
            msg = "required field is missing"
        else:
            msg = str(err["msg"]).removeprefix("Value error, ")
        out.append(Problem(file, ".".join(map(str, loc)), msg, parsed.line_of(loc) if parsed else None))
    return out


def _parse(path: Path) -> tuple[Parsed | None, list[Problem]]:
    try:
        return parse_file(path), []
    except OSError as e:
        return None, [Problem(str(path), "", f"cannot read: {e.strerror}")]
    except ParseError as e:
        return None, [Problem(str(path), "", e.message, e.line)]


def _sub_parsed(parsed: Parsed, key: str) -> Parsed:
    """The parsed value under `key`, with its own YAML node so that lines stay right."""
    sub = None
    if isinstance(parsed.node, yaml.MappingNode):
        sub = next((v for k, v in parsed.node.value if getattr(k, "value", None) == key), None)
    return Parsed(parsed.data[key], sub)


def load_extraction(path: Path, *, in_registry: bool = True) -> tuple[Extraction | None, list[Problem]]:
    """Read and validate one extraction file.

    In a registry the file name must equal the extractor and the folder the study id. Outside
    one (`evireg compare FILE_A FILE_B`) a plain study record is accepted too, named after its file.
    """
    file = str(path)
    if path.suffix == ".jsonl":
        msg = "an extraction is one YAML or JSON file per extractor, not JSON Lines"
        return None, [Problem(file, "", msg)]
    parsed, problems = _parse(path)
    if parsed is None:
        return None, problems
    data = parsed.data
    if not isinstance(data, dict):
        msg = f"expected a mapping with {HEADER_KEYS}, got {type(data).__name__}"
        return None, [Problem(file, "", msg, parsed.line_of(()))]
    if not in_registry and "study" not in data and "extractor" not in data:
        rec, probs = validate_data(data, file, parsed, kind="study")
        return (Extraction(path.stem, None, rec, path) if isinstance(rec, Study) else None), probs

    head: ExtractionFile | None = None
    try:
        head = ExtractionFile.model_validate(data)
    except ValidationError as e:
        problems.extend(_pydantic_problems(e, file, parsed, f"an extraction file holds {HEADER_KEYS}"))
    rec = None
    if isinstance(data.get("study"), dict):
        rec, probs = validate_data(data["study"], file, _sub_parsed(parsed, "study"), kind="study")
        problems.extend(Problem(p.file, f"study.{p.path}".rstrip("."), p.message, p.line) for p in probs)
    if in_registry and head is not None and head.extractor != path.stem:
        msg = f"extractor {head.extractor!r} differs from the file name {path.stem!r}; rename one of them"
        problems.append(Problem(file, "extractor", msg, parsed.line_of(("extractor",))))
    if in_registry and isinstance(rec, Study) and rec.id != path.parent.name:
        msg = f"study id {rec.id!r} differs from its folder {path.parent.name!r}; move the file or fix the id"
        problems.append(Problem(file, "study.id", msg, parsed.line_of(("study", "id"))))
    if problems or head is None or not isinstance(rec, Study):
        return None, problems
    return Extraction(head.extractor, head.extracted_on, rec, path), []


def _load_log(path: Path) -> tuple[AdjudicationLog | None, list[Problem]]:
    parsed, problems = _parse(path)
    if parsed is None:
        return None, problems
    try:
        log = AdjudicationLog.model_validate(parsed.data)
    except ValidationError as e:
        return None, _pydantic_problems(e, str(path), parsed, "this is an adjudication log written by evireg")
    if log.study != path.parent.name:
        return None, [Problem(str(path), "study", f"study {log.study!r} differs from its folder")]
    return log, []


@dataclass
class Scan:
    """Every valid extraction and adjudication log of a registry, and the problems of the rest."""

    extractions: list[Extraction]
    logs: list[AdjudicationLog]
    problems: list[Problem]


def scan(reg: Registry) -> Scan:
    out = Scan([], [], [])
    seen: dict[tuple[str, str], Path] = {}
    for p in extraction_files(reg):
        if p.stem == LOG_NAME:
            log, probs = _load_log(p)
            out.problems.extend(probs)
            if log is not None:
                out.logs.append(log)
            continue
        if p.stem == RESOLUTIONS_NAME:
            continue  # a working file read by `evireg adjudicate`, not a record
        ext, probs = load_extraction(p)
        out.problems.extend(probs)
        if ext is None:
            continue
        key = (ext.study.id, ext.extractor)
        if key in seen:
            msg = f"{ext.extractor!r} also extracted {key[0]} in {seen[key]}"
            out.problems.append(Problem(str(p), "extractor", msg))
            continue
        seen[key] = p
        out.extractions.append(ext)
    return out


def extraction_problems(reg: Registry) -> list[Problem]:
    """What `evireg validate` reports about extraction files and adjudication logs (the index
    build skips the invalid ones instead of failing)."""
    return scan(reg).problems


def study_extractions(reg: Registry, study_id: str) -> list[Extraction]:
    """The valid extractions of one study, by extractor name; any invalid one is an error."""
    folder = extractions_dir(reg) / study_id
    files = [p for p in extraction_files(reg) if p.parent == folder and p.stem not in RESERVED]
    if not files:
        raise UserError(f"no extractions of {study_id!r}: expected {folder}/<extractor>.yaml")
    found: list[Extraction] = []
    problems: list[Problem] = []
    for p in files:
        ext, probs = load_extraction(p)
        problems.extend(probs)
        if ext is not None:
            if any(e.extractor == ext.extractor for e in found):
                msg = f"a second file for extractor {ext.extractor!r}"
                problems.append(Problem(str(p), "extractor", msg))
            found.append(ext)
    if problems:
        msg = f"the extractions of {study_id} have {len(problems)} problem(s); fix them first"
        raise UserError(msg, problems)
    return sorted(found, key=lambda e: e.extractor)


def log_path(reg: Registry, study_id: str) -> Path:
    return extractions_dir(reg) / study_id / f"{LOG_NAME}.yaml"
