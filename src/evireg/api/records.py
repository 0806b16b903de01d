"""Record files outside an open registry: validating them, checking a study built in memory,
and the JSON Schemas of the file format (`evireg validate PATH`, `evireg schema`, guided entry)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evireg.api.options import PathLike

if TYPE_CHECKING:
    from evireg.errors import Problem
    from evireg.records.profile import Profile
    from evireg.records.study import Study
    from evireg.registry.loading import ValidationReport


def validate(*paths: PathLike) -> ValidationReport:
    """Check record files and registry folders, each folder with its cross-file checks.

    Parameters
    ----------
    paths : record files (YAML, JSON, JSON Lines) and registry folders (or their ``studies/``,
        ``reviews/``); a registry folder's half-done commit, if a writer was killed, is
        finished first.

    Returns
    -------
    ValidationReport : ``.files`` and ``.records`` read, and every problem (``.problems``,
        each with file, field path and line); none means all are valid.
    """
    from evireg.registry.loading import validate_paths

    return validate_paths([Path(p) for p in paths])


def check_study(
    data: Mapping[str, Any], label: str, *, profile: Profile | None = None
) -> tuple[Study | None, list[Problem]]:
    """Check a study given as plain data, as a record file holds it.

    Parameters
    ----------
    data : the study's fields (``id``, ``citation``, ``sources``, ...).
    label : what the problems name as their file, e.g. ``"<guided entry>"``.
    profile : a registry's profile (:meth:`Registry.profile`); with it, the study's outcome ids,
        subgroups and characteristics are checked against it too, as adding it would.

    Returns
    -------
    (Study or None, list of Problem) : the validated study, or None and every problem with it.
    """
    from evireg.records.study import Study
    from evireg.registry.validate import validate_data

    rec, problems = validate_data(dict(data), label, kind="study", profile=profile)
    return (rec if isinstance(rec, Study) and not problems else None), problems


def schemas() -> dict[str, str]:
    """The JSON Schema of each kind of record file.

    Returns
    -------
    dict : the schema texts by file name (``study.schema.json``, ``review.schema.json``, ...).
    """
    from evireg.records.schemas import schema_texts

    return schema_texts()


def write_schemas(out: PathLike) -> list[Path]:
    """Write the JSON Schema files of :func:`schemas` into a folder.

    Parameters
    ----------
    out : the folder (created if missing).

    Returns
    -------
    list of Path : the files written.
    """
    from evireg.registry.layout import write_schemas as write

    return write(Path(out))
