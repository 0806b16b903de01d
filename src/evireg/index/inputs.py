"""Reading the files a user adds: each record validated whatever the file is called, and the
user's own bytes kept for storing.

Inside a registry a file's name must be its record's id (registry/validate.py checks it); an
input file is named as its author likes (`trial.yaml`, `smith draft 2.json`) and is filed
under its id by `add`. A valid single-record file is stored byte for byte, so that its
comments and layout (extraction notes in a team's git history) survive; the bytes kept here
are the very bytes validated, so a file edited meanwhile cannot slip in unchecked.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from evireg.errors import Problem
from evireg.records.profile import Profile
from evireg.records.review import Review
from evireg.records.yamlio import ParseError, decode, parse_text, read_limited
from evireg.registry.loading import Entry, entries
from evireg.registry.validate import validate_data


@dataclass(frozen=True)
class Input:
    entry: Entry
    raw: bytes | None = None  # a valid single-record file's bytes; None for JSON Lines lines


def _refused(file: str, problem: Problem) -> Input:
    return Input(Entry(file, "study", None, None, None, [problem]))


def read_input(path: Path, profile: Profile | None = None) -> Input:
    """One single-record file (YAML, or JSON if it ends in .json), validated without the
    file-name rule; its bytes are kept when it is valid."""
    file = str(path)
    try:
        raw = read_limited(path)
        parsed = parse_text(decode(raw), json_syntax=path.suffix == ".json")
    except OSError as e:
        return _refused(file, Problem(file, "", f"cannot read: {e.strerror}"))
    except ParseError as e:
        return _refused(file, Problem(file, "", e.message, e.line))
    rec, problems = validate_data(parsed.data, file, parsed, profile=profile)
    kind = "review" if isinstance(rec, Review) else "study"
    if rec is None or problems:
        return Input(Entry(file, kind, None, None, None, problems))
    as_json = rec.model_dump_json(by_alias=True, exclude_defaults=True)
    return Input(Entry(file, kind, rec.id, rec, as_json, []), raw)


def input_entries(files: Sequence[Path], profile: Profile | None = None) -> Iterator[Input]:
    """Every record of the input files in order: JSON Lines files line by line (on all cores
    when large), other files one record each."""
    for p in files:
        if p.suffix == ".jsonl":
            yield from (Input(e) for e in entries([p], profile=profile))
        else:
            yield read_input(p, profile)
