"""Double data extraction: per-extractor records, field-level comparison and adjudication.

Each extractor's record of a study lives in `extractions/<study>/<extractor>.yaml` and holds a
full Study under `study:`. Two extractions are compared after flattening each study to
`field path -> value`, where list items are keyed by what identifies them (arm id, outcome and
subgroup, source id) rather than by position, so a reordered list is not a disagreement.
Adjudication rebuilds the study from the agreeing values plus one chosen value per disagreement,
and records every choice with its reason in `extractions/<study>/adjudication.yaml`.

Functions here never print; `cli_extract.py` renders their results.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import yaml
from pydantic import ConfigDict, Field, StringConstraints, ValidationError

from .errors import Problem, UserError
from .models import Record, ShortText, Slug, Study, Text
from .registry import Registry, extraction_files, validate_data
from .yamlio import Parsed, ParseError, decode, dump_yaml, parse_text

if TYPE_CHECKING:
    import duckdb

LOG_NAME = "adjudication"  # extractions/<study>/adjudication.yaml: the adjudication log
RESOLUTIONS_NAME = "resolutions"  # extractions/<study>/resolutions.yaml: default resolution file
RESERVED = (LOG_NAME, RESOLUTIONS_NAME)  # file names in a study folder that are not extractions
HEADER_KEYS = "$schema, extractor, extracted_on and study"


def extractions_dir(reg: Registry) -> Path:
    return reg.root / "extractions"


# --- file models ---------------------------------------------------------------------------


class ExtractionFile(Record):
    """One extractor's record of one study. The study is validated separately so that its
    problems keep their own field paths (prefixed `study.`) and line numbers."""

    schema_: str | None = Field(default=None, alias="$schema")
    extractor: Slug = Field(description="who extracted; equals the file name")
    extracted_on: dt.date = Field(description="when the extraction was done")
    study: dict[str, Any] = Field(description="a full study record; its id equals the folder name")

    model_config = ConfigDict(populate_by_name=True)


def file_schemas() -> dict[str, dict[str, Any]]:
    """JSON Schemas of the extraction, resolution and adjudication-log files; an extraction's
    `study` refers to the study schema, so editors check the record inside too."""
    from .models import SCHEMA_BASE

    out: dict[str, dict[str, Any]] = {}
    for name, model in (
        ("extraction", ExtractionFile),
        ("resolutions", ResolutionFile),
        ("adjudication", AdjudicationLog),
    ):
        schema = model.model_json_schema(by_alias=True, mode="validation")
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        schema["$id"] = SCHEMA_BASE + f"{name}.schema.json"
        if name == "extraction":
            schema["properties"]["study"] = {
                "$ref": "study.schema.json",
                "description": "a full study record; its id equals the folder name",
            }
        out[f"{name}.schema.json"] = schema
    return out


class Resolution(Record):
    """How one disagreement was resolved: a, b (or an extractor's name), or a given value."""

    choose: ShortText
    value: Any = Field(default=None, description="the value, with choose: value")
    reason: Text


class ResolutionFile(Record):
    adjudicator: ShortText | None = None
    resolutions: dict[str, Resolution] = Field(default_factory=dict)


Sha256 = Annotated[str, StringConstraints(strict=True, pattern=r"^[0-9a-f]{64}$")]


class ExtractorRef(Record):
    extractor: Slug
    extracted_on: dt.date | None = None
    file: ShortText
    sha256: Sha256 = Field(description="of the extraction file as adjudicated")


class Decision(Record):
    field_path: ShortText
    a: Any = None
    b: Any = None
    choice: Literal["a", "b", "value"]
    value: Any = None
    reason: Text


class AdjudicationLog(Record):
    study: Slug
    adjudicator: ShortText
    adjudicated_on: dt.date
    extractor_a: ExtractorRef
    extractor_b: ExtractorRef
    fields_compared: int
    fields_agreeing: int
    agreement_rate: float
    decisions: list[Decision] = Field(default_factory=list)


# --- loading -------------------------------------------------------------------------------


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
        return parse_text(decode(path.read_bytes()), json_syntax=path.suffix == ".json"), []
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


def pick_pair(exts: list[Extraction], names: list[str] | None) -> tuple[Extraction, Extraction]:
    """The two extractions to compare: the named ones, or the only two."""
    have = {e.extractor: e for e in exts}
    if names:
        unknown = [n for n in names if n not in have]
        if unknown or len(set(names)) != 2:
            msg = f"name two different extractors (have: {', '.join(have)}); got {', '.join(names)}"
            raise UserError(msg)
        return have[names[0]], have[names[1]]
    if len(exts) != 2:
        raise UserError(
            f"{len(exts)} extraction(s) ({', '.join(have)}); comparing needs two: "
            "add one, or choose two with --extractor NAME --extractor NAME"
        )
    return exts[0], exts[1]


# --- flattening ----------------------------------------------------------------------------

Provenance = tuple[str, str]  # source id, locator


@dataclass(frozen=True)
class FieldValue:
    value: Any  # a JSON scalar, or a list of them (e.g. authors)
    provenance: Provenance | None = None  # for numbers: the source and locator they were read at


def _key_fields(name: str, top: bool) -> tuple[str, ...]:
    """The fields that identify an item of list `name` (and so name it in field paths)."""
    if name == "sources" or (name == "arms" and top):
        return ("id",)
    if name == "arms":
        return ("arm",)  # an outcome's (or alternative's) per-arm result
    if name in ("outcomes", "not_reported"):
        return ("outcome", "subgroup")
    if name == "alternatives":
        return ("source",)
    return ()


def _item_key(fields: tuple[str, ...], item: dict[str, Any]) -> str | None:
    if fields == ("outcome", "subgroup"):
        sg = item.get("subgroup")
        if "outcome" not in item:
            return None
        if isinstance(sg, dict):
            return f"{item['outcome']}/{sg['variable']}={sg['value']}"
        return str(item["outcome"])
    return str(item[fields[0]]) if fields and fields[0] in item else None


def _key_item(fields: tuple[str, ...], key: str) -> dict[str, Any]:
    """The identifying fields of an item, back from its key (inverse of _item_key)."""
    key = re.sub(r"#[0-9]+$", "", key)
    if fields == ("outcome", "subgroup"):
        outcome, _, sub = key.partition("/")
        variable, _, value = sub.partition("=")
        return {"outcome": outcome, **({"subgroup": {"variable": variable, "value": value}} if sub else {})}
    return {fields[0]: key} if fields else {}


def _provenance(node: dict[str, Any]) -> Provenance | None:
    p = node.get("provenance")
    if isinstance(p, dict):
        node = p
    src, loc = node.get("source"), node.get("locator")
    return (src, loc) if isinstance(src, str) and isinstance(loc, str) else None


def flatten(study: Study) -> dict[str, FieldValue]:
    """Every set leaf of a study by field path, e.g. `outcomes[live_birth].arms[ivig].events`.

    Fields left at their defaults are left out (one left at its default in both extractions was
    extracted by neither). A required field may be null, e.g. a count not reported; it is kept.
    """
    data = study.model_dump(mode="json", by_alias=True, exclude_defaults=True)
    data.pop("$schema", None)
    out: dict[str, FieldValue] = {}
    _walk(data, "", None, (), out)
    return out


def _walk(
    node: dict[str, Any],
    prefix: str,
    prov: Provenance | None,
    skip: tuple[str, ...],
    out: dict[str, FieldValue],
) -> None:
    prov = _provenance(node) or prov
    for name, value in node.items():
        path = f"{prefix}{name}"
        if name in skip:
            continue
        if isinstance(value, dict):
            _walk(value, path + ".", prov, (), out)
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            fields = _key_fields(name, prefix == "")
            used: dict[str, int] = {}
            for pos, item in enumerate(value, start=1):
                key = _item_key(fields, item) or str(pos)
                used[key] = used.get(key, 0) + 1
                if used[key] > 1:  # e.g. two alternatives from one source
                    key = f"{key}#{used[key]}"
                _walk(item, f"{path}[{key}].", prov, fields, out)
        elif isinstance(value, list):
            if value:
                out[path] = FieldValue(value)
        else:
            numeric = isinstance(value, int | float) and not isinstance(value, bool)
            out[path] = FieldValue(value, prov if numeric else None)


_SEGMENT = re.compile(r"^(?P<name>[$A-Za-z_][$\w]*)(?:\[(?P<key>[^\]]+)\])?$")


def unflatten(flat: Mapping[str, Any]) -> dict[str, Any]:
    """A record from `field path -> value`; list items appear in first-seen order."""
    root: dict[str, Any] = {}
    items: dict[tuple[int, str], dict[str, Any]] = {}
    for path, value in flat.items():
        node = root
        segments = path.split(".")
        for i, seg in enumerate(segments):
            m = _SEGMENT.match(seg)
            if m is None:
                raise UserError(f"{path!r} is not a field path (segment {seg!r})")
            name, key = m["name"], m["key"]
            if key is None:
                if i == len(segments) - 1:
                    node[name] = value
                else:
                    child = node.setdefault(name, {})
                    if not isinstance(child, dict):
                        raise UserError(f"{path!r}: {name!r} holds a value, not fields")
                    node = child
                continue
            lst = node.setdefault(name, [])
            ident = (id(lst), key)
            if ident not in items:
                items[ident] = _key_item(_key_fields(name, node is root), key)
                lst.append(items[ident])
            node = items[ident]
    return root


def keyed_path(data: Any, dotted: str) -> str:
    """A positional problem path (`outcomes.0.arms.1.events`) in field-path form
    (`outcomes[live_birth].arms[placebo].events`), so it matches `evireg compare`."""
    out: list[str] = []
    node = data
    for part in dotted.split(".") if dotted else []:
        if isinstance(node, list) and part.isdigit() and int(part) < len(node) and out:
            item = node[int(part)]
            name = out.pop()
            key = _item_key(_key_fields(name, not out), item) if isinstance(item, dict) else None
            out.append(f"{name}[{key}]" if key else f"{name}.{part}")
            node = item
        else:
            out.append(part)
            node = node.get(part) if isinstance(node, dict) else None
    return ".".join(out)


def _normal(value: Any) -> Any:
    if isinstance(value, str):
        return " ".join(value.split())  # line wrapping and spacing are not disagreements
    if isinstance(value, list):
        return [_normal(v) for v in value]
    return value


def match_key(value: Any) -> str:
    """What two values must share to agree (JSON, so 1 and true and "1" all differ)."""
    return json.dumps(_normal(value), sort_keys=True, ensure_ascii=False, default=str)


def show(value: Any) -> str:
    """A value as a person reads it in a table or message."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ", ".join(show(v) for v in value)
    return str(value)


# --- comparison ----------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldComparison:
    path: str
    a: Any  # the value in extraction a (None when absent or null; see in_a)
    b: Any
    in_a: bool  # whether extraction a has the field at all
    in_b: bool
    agree: bool
    provenance_a: Provenance | None
    provenance_b: Provenance | None


@dataclass(frozen=True)
class Comparison:
    a: Extraction
    b: Extraction
    fields: list[FieldComparison]  # a's fields in record order, then those only b has

    @property
    def study_id(self) -> str:
        return self.a.study.id

    @property
    def compared(self) -> int:
        return len(self.fields)

    @property
    def agreeing(self) -> int:
        return sum(f.agree for f in self.fields)

    @property
    def disagreements(self) -> list[FieldComparison]:
        return [f for f in self.fields if not f.agree]

    @property
    def rate(self) -> float:
        return self.agreeing / self.compared if self.compared else 1.0


def compare_extractions(a: Extraction, b: Extraction) -> Comparison:
    """Field-level agreement of two extractions; a field only one of them has is a disagreement."""
    fa, fb = flatten(a.study), flatten(b.study)
    fields: list[FieldComparison] = []
    for path in [*fa, *(p for p in fb if p not in fa)]:
        va, vb = fa.get(path), fb.get(path)
        agree = va is not None and vb is not None and match_key(va.value) == match_key(vb.value)
        fields.append(
            FieldComparison(
                path,
                va.value if va else None,
                vb.value if vb else None,
                va is not None,
                vb is not None,
                agree,
                va.provenance if va else None,
                vb.provenance if vb else None,
            )
        )
    return Comparison(a, b, fields)


# --- adjudication --------------------------------------------------------------------------


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


def log_path(reg: Registry, study_id: str) -> Path:
    return extractions_dir(reg) / study_id / f"{LOG_NAME}.yaml"


def save_adjudication(reg: Registry, study: Study, log: AdjudicationLog) -> tuple[Path, Path, bool]:
    """Write the study record and its log in one commit, through the one entry path; the
    extraction files are not touched. Returns the record path, the log path and whether a
    record was replaced."""
    from .entry import add_records

    target = log_path(reg, study.id)
    log_text = dump_yaml(log.model_dump(mode="json", exclude_unset=True))
    added = add_records(
        reg, [(f"adjudicated {study.id}", study)], replace=True, with_files={target: log_text}
    )
    return added[0].path, target, added[0].replaced


# --- index ---------------------------------------------------------------------------------


def _columns(names: str) -> dict[str, list[Any]]:
    return {n: [] for n in names.split()}


def _append(rows: dict[str, list[Any]], *values: Any) -> None:
    for col, v in zip(rows.values(), values, strict=True):
        col.append(v)


def build_tables(con: duckdb.DuckDBPyConnection, reg: Registry) -> None:
    """Create the extraction tables and views in the index being built.

    Invalid extraction files are skipped here (`evireg validate` reports them), so that one bad
    file does not take the whole index, and with it `evireg query`, down.
    """
    from .store import insert_columns, sql_text

    con.execute(sql_text("extractions.sql"))
    found = scan(reg)
    ext = _columns("study_id extractor extracted_on file")
    fields = _columns("study_id extractor field_no field_path value match_key source_id locator")
    adj = _columns(
        "study_id field_path extractor_a extractor_b choice chosen_extractor value reason adjudicator "
        "adjudicated_on"
    )
    for e in found.extractions:
        _append(ext, e.study.id, e.extractor, e.extracted_on, reg.rel(e.file))
        for no, (path, fv) in enumerate(flatten(e.study).items()):
            src, loc = fv.provenance or (None, None)
            shown = None if fv.value is None else show(fv.value)
            _append(fields, e.study.id, e.extractor, no, path, shown, match_key(fv.value), src, loc)
    for log in found.logs:
        a, b = log.extractor_a.extractor, log.extractor_b.extractor
        for d in log.decisions:
            who = a if d.choice == "a" else b if d.choice == "b" else None
            shown = None if d.value is None else show(d.value)
            _append(
                adj,
                log.study,
                d.field_path,
                a,
                b,
                d.choice,
                who,
                shown,
                d.reason,
                log.adjudicator,
                log.adjudicated_on,
            )
    insert_columns(con, "t_extractions", ext)
    insert_columns(con, "t_extraction_fields", fields)
    insert_columns(con, "t_adjudications", adj)
