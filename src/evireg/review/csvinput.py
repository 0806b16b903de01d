"""2x2 tables from a CSV file (`evireg pool --csv`): each bad row refused with its number and reason.

`study` (within a subgroup) is the key of a row: its provenance (file and row) is looked up by it,
so a label used twice, or two labels that differ only by an invisible character, are refused
rather than credited to one row. Rows are numbered by the line where they start, as a text
editor shows them, so a quoted cell spanning lines does not shift the numbers after it.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import re
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

from evireg.errors import Problem, UserError
from evireg.review.question import Input

REQUIRED = ("study", "events_treat", "total_treat", "events_ctrl", "total_ctrl")
COUNTS = REQUIRED[1:]
MAX_FILE_BYTES = 50_000_000  # checked before reading; a table of 2x2 rows is far smaller
MAX_CELL_CHARS = 1_000
MAX_COUNT = 10_000_000  # as a registry record allows (models.Count)
# ASCII digits only: int() and float() also take "1_000", "٣" and "nan", which no table means.
_NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_YEAR = re.compile(r"[0-9]{4}")
# Line breaks, tabs and the like, and invisible format characters (zero-width spaces,
# direction overrides) that make two labels look the same or break a table.
_HIDDEN = {"Cc", "Cf", "Zl", "Zp"}


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


def _records(path: Path, text: str) -> list[tuple[int, list[str]]]:
    """Every record with the line it starts on (blank lines skipped)."""
    out: list[tuple[int, list[str]]] = []
    reader = csv.reader(io.StringIO(text, newline=""))
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
    records = _records(path, text)
    header = [h.strip() for h in records[0][1]] if records else []
    inputs = _inputs(str(path), header, records[1:], lambda n: f"{path.name}, row {n}", str(path))
    return inputs, hashlib.sha256(raw).hexdigest()


def read_columns(columns: dict[str, list[Any]]) -> tuple[list[Input], str]:
    """Inputs from columns given in Python (a DataFrame's, or lists): the same checks as a CSV
    file's rows, row n being the n-th value (from 1); the digest is of the values as read."""
    header = list(columns)
    n_rows = max((len(v) for v in columns.values()), default=0)
    lengths = {k: len(v) for k, v in columns.items()}
    if len(set(lengths.values())) > 1:
        raise UserError(f"columns of different lengths: {lengths}; give every column one value per study")
    records = [(i + 1, [_cell(columns[h][i]) for h in header]) for i in range(n_rows)]
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
    absent = [c for c in REQUIRED if c not in header]
    if absent:
        raise UserError(
            f"{source}: header lacks {', '.join(absent)}; expected columns {','.join(REQUIRED)}[,subgroup]"
        )
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
        counts: dict[str, int] = {}
        for c in COUNTS:
            v = _count(row.get(c))
            if isinstance(v, str):
                bad(f"{c} {v}")
            else:
                counts[c] = v
        if len(counts) == 4:
            for arm in ("treat", "ctrl"):
                ev, t = counts[f"events_{arm}"], counts[f"total_{arm}"]
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
                events_treat=counts["events_treat"],
                total_treat=counts["total_treat"],
                events_ctrl=counts["events_ctrl"],
                total_ctrl=counts["total_ctrl"],
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
