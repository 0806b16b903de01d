"""Study rows from a CSV file (`evireg pool --csv`): each bad row refused with its number and reason.

The header decides the data type (DESIGN.md, the `pool` contract): 2x2 counts
(`events_treat,total_treat,events_ctrl,total_ctrl`), continuous arms
(`mean_treat,sd_treat,n_treat,mean_ctrl,sd_ctrl,n_ctrl`), a generic estimate with its SE on the
analysis scale (`estimate,se`; log for ratio measures) or O - E with its variance
(`o_minus_e,variance`), each after `study` and with an optional `subgroup`; other columns are
ignored, and a header that fits none of the four, or more than one, is refused naming them.
Header names are matched trimmed and case-insensitively (`Study`, ` Events_Treat`), and a name
given twice is refused rather than one of its columns silently winning. The delimiter is the one
of comma, semicolon and tab that the header line uses most: Excel saves semicolon-separated CSV
in the many locales whose decimal mark is a comma, so in such a file `1,5` reads as 1.5.

`study` (within a subgroup) is the key of a row: its provenance (file and row) is looked up by it,
so a label used twice, or two labels that differ only by an invisible character, are refused
rather than credited to one row. Rows are numbered by the line where they start, as a text
editor shows them, so a quoted cell spanning lines does not shift the numbers after it.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
import os
import re
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

from evireg.errors import Problem, UserError
from evireg.review.question import Input

FORMS: dict[str, tuple[str, ...]] = {
    "dichotomous": ("events_treat", "total_treat", "events_ctrl", "total_ctrl"),
    "continuous": ("mean_treat", "sd_treat", "n_treat", "mean_ctrl", "sd_ctrl", "n_ctrl"),
    "generic": ("estimate", "se"),
    "o-e": ("o_minus_e", "variance"),
}
REQUIRED = ("study", *FORMS["dichotomous"])
_WHOLE = {"events_treat", "total_treat", "events_ctrl", "total_ctrl", "n_treat", "n_ctrl"}
MAX_FILE_BYTES = 50_000_000  # checked before reading; a table of 2x2 rows is far smaller
MAX_CELL_CHARS = 1_000
MAX_COUNT = 10_000_000  # as a registry record allows (models.Count)
# ASCII digits only: int() and float() also take "1_000", "٣" and "nan", which no table means.
_NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_YEAR = re.compile(r"[0-9]{4}")
# Line breaks, tabs and the like, and invisible format characters (zero-width spaces,
# direction overrides) that make two labels look the same or break a table.
_HIDDEN = {"Cc", "Cf", "Zl", "Zp"}
DELIMITERS = (",", ";", "\t")  # the first wins a tie: a header with none of them is one column
_DECIMAL_COMMA = re.compile(r"\s*[+-]?[0-9]+,[0-9]+(?:[eE][+-]?[0-9]+)?\s*")


def _show(text: str) -> str:
    return repr(text if len(text) <= 40 else text[:40] + "...")


def _count(raw: str | None) -> int | str:
    """The integer in a cell, or a reason it is not one."""
    text = (raw or "").strip()
    if not text:
        return "is missing"
    if not _NUMBER.fullmatch(text):
        return f"is not a number ({_show(text)})"
    value = float(text)  # finite or inf (1e400): never nan, which the pattern excludes
    if value < 0:
        return "is negative"
    if value > MAX_COUNT:
        return f"is larger than {MAX_COUNT:,} ({_show(text)})"
    if value != int(value):
        return f"is not a whole number ({_show(text)})"
    return int(value)


def _real(raw: str | None) -> float | str:
    """The finite number in a cell, or a reason it is not one."""
    text = (raw or "").strip()
    if not text:
        return "is missing"
    if not _NUMBER.fullmatch(text):
        return f"is not a number ({_show(text)})"
    value = float(text)
    if not math.isfinite(value):
        return f"is too large ({_show(text)})"
    return value


def _value(column: str, raw: str | None) -> float | int | str:
    """A cell's value for its column, or why it cannot be: counts and arm sizes are whole
    numbers, SDs, SEs and variances positive, an arm of a continuous outcome has n >= 2."""
    if column in _WHOLE:
        v: float | int | str = _count(raw)
        if isinstance(v, int) and column.startswith("n_") and v < 2:
            return f"is {v}; an arm needs n >= 2 (its SD has n - 1 degrees of freedom)"
        return v
    v = _real(raw)
    if isinstance(v, float) and column in ("sd_treat", "sd_ctrl", "se", "variance") and not v > 0:
        return f"is {v:g}; it must be > 0"
    return v


def form_of(source: str, header: list[str]) -> str:
    """The data type a header gives, or a clear refusal naming the four forms."""
    fits = [kind for kind, cols in FORMS.items() if all(c in header for c in cols)]
    forms = "; ".join(f"{kind}: study,{','.join(cols)}" for kind, cols in FORMS.items())
    if "study" not in header or not fits:
        # the nearest form says what is missing: a typo in one column is the usual cause
        near = max(FORMS, key=lambda k: sum(c in header for c in FORMS[k]) / len(FORMS[k]))
        lacks = [c for c in ("study", *FORMS[near]) if c not in header]
        hint = f"; as {near} data it lacks {', '.join(lacks)}" if len(lacks) < len(FORMS[near]) else ""
        raise UserError(f"{source}: the header fits none of the four forms ({forms}), each with an "
                        f"optional subgroup column{hint}")
    if len(fits) > 1:
        raise UserError(f"{source}: the header has the columns of {' and '.join(fits)} data; keep one "
                        f"form's columns ({forms})")
    return fits[0]


def _hidden_char(label: str) -> str | None:
    for c in label:
        if unicodedata.category(c) in _HIDDEN:
            return f"U+{ord(c):04X}"
    return None


def _read(path: Path) -> bytes:
    """The file's bytes, its size checked before reading (a 3 GB file is refused, not loaded)."""
    too_big = f"{path}: larger than {MAX_FILE_BYTES:,} bytes; a table of 2x2 rows is far smaller"
    try:
        with path.open("rb") as fh:
            if os.fstat(fh.fileno()).st_size > MAX_FILE_BYTES:
                raise UserError(too_big)
            raw = fh.read(MAX_FILE_BYTES + 1)
    except OSError as e:
        raise UserError(f"{path}: cannot read ({e.strerror})") from None
    if len(raw) > MAX_FILE_BYTES:
        raise UserError(too_big)
    if b"\x00" in raw:
        raise UserError(f"{path}: file is binary (contains NUL bytes), not CSV text")
    return raw


def delimiter_of(text: str) -> str:
    """The delimiter the first non-blank line (the header) uses most, comma on a tie."""
    line = next((ln for ln in text.splitlines() if ln.strip()), "")
    return max(DELIMITERS, key=line.count)


def header_names(source: str, raw: list[str]) -> list[str]:
    """The header's names trimmed and lower-cased; a name given twice is refused, naming it
    (blank names, as a trailing delimiter leaves, are not names)."""
    names = [h.strip().lower() for h in raw]
    seen: set[str] = set()
    twice: list[str] = []
    for n in names:
        if n in seen and n not in twice:
            twice.append(n)
        elif n:
            seen.add(n)
    if twice:
        listed = ", ".join(twice)
        raise UserError(f"{source}: the header names {listed} more than once (names are matched "
                        "ignoring case and spaces); keep one column of each name")
    return names


def _records(path: Path, text: str, delimiter: str = ",") -> list[tuple[int, list[str]]]:
    """Every record with the line it starts on (blank lines skipped)."""
    out: list[tuple[int, list[str]]] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    # A cell is let through whole, however long, so that it is reported with its row and column
    # below instead of failing the parse; the file size bounds it. The limit is process-wide,
    # hence restored at once.
    old = csv.field_size_limit(max(len(text), csv.field_size_limit()))
    start = 1
    try:
        for cells in reader:
            if cells:
                out.append((start, cells))
            start = reader.line_num + 1
    except csv.Error as e:
        raise UserError(f"{path}: row {start}: not valid CSV ({e})") from None
    finally:
        csv.field_size_limit(old)
    return out


def read_tables(path: Path) -> tuple[list[Input], str]:
    """Inputs (source = the file and row) and the file's sha256; all problems at once."""
    raw = _read(path)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UserError(f"{path}: not UTF-8 text; re-save the CSV as UTF-8") from None
    delimiter = delimiter_of(text)
    records = _records(path, text, delimiter)
    if delimiter == ";":
        records = [(n, [_decimal_point(c) for c in cells]) for n, cells in records]
    header = header_names(str(path), records[0][1]) if records else []
    inputs = _inputs(str(path), header, records[1:], lambda n: f"{path.name}, row {n}", str(path))
    return inputs, hashlib.sha256(raw).hexdigest()


def _decimal_point(cell: str) -> str:
    """`1,5` as `1.5`: in a semicolon-separated file the comma is the decimal mark."""
    return cell.replace(",", ".") if _DECIMAL_COMMA.fullmatch(cell) else cell


def read_columns(columns: dict[str, list[Any]]) -> tuple[list[Input], str]:
    """Inputs from columns given in Python (a DataFrame's, or lists): the same checks as a CSV
    file's rows, row n being the n-th value (from 1); the digest is of the values as read."""
    names = list(columns)
    header = header_names("data", [str(k) for k in names])
    n_rows = max((len(v) for v in columns.values()), default=0)
    lengths = {k: len(v) for k, v in columns.items()}
    if len(set(lengths.values())) > 1:
        raise UserError(f"columns of different lengths: {lengths}; give every column one value per study")
    records = [(i + 1, [_cell(columns[k][i]) for k in names]) for i in range(n_rows)]
    inputs = _inputs("data", header, records, lambda n: f"row {n}", None)
    digest = hashlib.sha256(repr(records).encode()).hexdigest()
    return inputs, digest


def _cell(value: Any) -> str:
    """A value as the CSV reader would have seen it: whole floats as integers, None as empty."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "item"):  # numpy scalars
        return _cell(value.item())
    return str(value)


def _inputs(
    source: str,
    header: list[str],
    records: list[tuple[int, list[str]]],
    locator: Callable[[int], str],
    citation: str | None,
) -> list[Input]:
    kind = form_of(source, header)
    columns = FORMS[kind]
    problems: list[Problem] = []
    inputs: list[Input] = []
    first_row: dict[tuple[str, str | None], int] = {}
    for n, cells in records:
        where = f"row {n}"

        def bad(message: str, where: str = where) -> None:
            problems.append(Problem(source, where, message))

        long = [(i, c) for i, c in enumerate(cells) if len(c) > MAX_CELL_CHARS]
        for i, c in long:
            column = header[i] if i < len(header) and header[i] else f"column {i + 1}"
            bad(f"{column} is {len(c):,} characters long; a cell holds at most {MAX_CELL_CHARS:,}")
        if long:
            continue
        row = dict(zip(header, cells, strict=False))  # a short row leaves the rest missing
        before = len(problems)
        study = (row.get("study") or "").strip()
        subgroup = (row.get("subgroup") or "").strip() or None
        if not study:
            bad("study is missing")
        for column, label in (("study", study), ("subgroup", subgroup or "")):
            if code := _hidden_char(label):
                bad(
                    f"{column} contains a control or invisible character ({code}); "
                    "a label is one line of visible text"
                )
        values: dict[str, float | int] = {}
        for c in columns:
            v = _value(c, row.get(c))
            if isinstance(v, str):
                bad(f"{c} {v}")
            else:
                values[c] = v
        if kind == "dichotomous" and len(values) == 4:
            for arm in ("treat", "ctrl"):
                ev, t = values[f"events_{arm}"], values[f"total_{arm}"]
                if t == 0:
                    bad(f"total_{arm} is 0")
                elif ev > t:
                    bad(f"events_{arm} ({ev}) exceeds total_{arm} ({t})")
        year_text = (row.get("year") or "").strip()
        if year_text and not _YEAR.fullmatch(year_text):
            bad(f"year is not a four-digit year ({_show(year_text)})")
        if study and (study, subgroup) in first_row:
            within = f" in subgroup {subgroup!r}" if subgroup else ""
            bad(
                f"study {study!r} is also on row {first_row[(study, subgroup)]}{within}; "
                "give each row its own study label (e.g. add the year)"
            )
        elif study:
            first_row[(study, subgroup)] = n
        if len(problems) > before:
            continue
        inputs.append(
            Input(
                study=study,
                subgroup=subgroup,
                values=values,
                data_type=kind,
                source_id="csv",
                locator=locator(n),
                derivation=None,
                citation=citation,
                year=int(year_text) if year_text else None,
            )
        )
    if problems:
        raise UserError(f"{source}: {len(problems)} bad row(s); fix them and rerun", problems)
    if not inputs:
        raise UserError(f"{source}: no data rows under the header")
    return inputs
