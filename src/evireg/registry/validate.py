"""Validating one record: parsed data through the models, then (given the registry's profile)
against the outcomes and characteristics the registry declares; each problem named by its field
path and line, in plain words (an unknown key gets a did-you-mean from every field name)."""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Sequence
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from evireg.errors import Problem
from evireg.records.kinds import MODELS, id_from_filename
from evireg.records.profile import Profile
from evireg.records.profile_check import profile_errors
from evireg.records.review import Review, review_errors
from evireg.records.study import Study, study_errors
from evireg.records.yamlio import Parsed, ParseError, parse_file


@cache
def _field_names(*models: type[BaseModel]) -> tuple[str, ...]:
    names: set[str] = set()

    def walk(model: type[BaseModel]) -> None:
        for name, info in model.model_fields.items():
            names.add(info.alias or name)
            for arg in _model_args(info.annotation):
                walk(arg)

    for m in models or tuple(MODELS.values()):
        walk(m)
    return tuple(sorted(names))


def _model_args(annotation: Any) -> Iterator[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        yield from _model_args(arg)


def dotted(loc: Sequence[str | int]) -> str:
    return ".".join(str(p) for p in loc)


def message(err: Any, model: type[BaseModel] | None = None) -> str:
    """A pydantic error in plain words; an unknown key gets a did-you-mean from the field names
    of `model` (default: every record model)."""
    kind, msg = err["type"], err["msg"]
    if kind == "extra_forbidden":
        key = str(err["loc"][-1])
        close = difflib.get_close_matches(key, _field_names(*((model,) if model else ())), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else "; remove it or check the spelling"
        return f"unknown key {key!r}{hint}"
    if kind == "missing":
        return "required field is missing"
    if kind == "string_type" and isinstance(err.get("input"), int | float):
        return f"{msg}; quote it (e.g. '{err['input']}') so the printed digits are kept"
    return str(msg).removeprefix("Value error, ")


def kind_of(data: dict[str, Any], path: Path) -> str:
    schema = str(data.get("$schema", ""))
    if schema.endswith("review.schema.json") or path.parent.name == "reviews":
        return "review"
    if schema.endswith("study.schema.json") or path.parent.name == "studies":
        return "study"
    return "review" if "included_studies" in data else "study"


def validate_data(
    data: Any,
    file: str,
    parsed: Parsed | None = None,
    *,
    kind: str | None = None,
    expect_id: str | None = None,
    profile: Profile | None = None,
) -> tuple[Study | Review | None, list[Problem]]:
    """Validate one parsed record; every problem names the field path (and line if known). With
    the registry's profile, its outcome ids and characteristics are checked too."""

    def line(loc: Sequence[str | int]) -> int | None:
        return parsed.line_of(tuple(loc)) if parsed else None

    if not isinstance(data, dict):
        got = type(data).__name__
        return None, [Problem(file, "", f"expected a mapping of fields at the top, got {got}", line(()))]
    kind = kind or kind_of(data, Path(file))
    model = MODELS[kind]
    try:
        rec = model.model_validate(data, context={"defer_semantic": True})
    except ValidationError as e:
        probs = [Problem(file, dotted(err["loc"]), message(err), line(err["loc"])) for err in e.errors()]
        return None, probs
    sem = study_errors(rec) if isinstance(rec, Study) else review_errors(rec)
    if profile is not None:
        sem += profile_errors(rec, profile)
    probs = [
        Problem(file, p, m, line(tuple(int(x) if x.isdigit() else x for x in p.split(".")))) for p, m in sem
    ]
    if expect_id is not None and rec.id != expect_id:
        probs.append(
            Problem(
                file,
                "id",
                f"id {rec.id!r} differs from the file name {expect_id!r}; rename the file or fix the id",
                line(("id",)),
            )
        )
    return (None if probs else rec), probs


def load_file(
    path: Path, *, kind: str | None = None, profile: Profile | None = None
) -> tuple[Study | Review | None, list[Problem]]:
    file = str(path)
    try:
        parsed = parse_file(path)
    except OSError as e:
        return None, [Problem(file, "", f"cannot read: {e.strerror}")]
    except ParseError as e:
        return None, [Problem(file, "", e.message, e.line)]
    return validate_data(parsed.data, file, parsed, kind=kind, expect_id=id_from_filename(path.name),
                         profile=profile)
