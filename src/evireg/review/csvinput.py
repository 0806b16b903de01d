"""2x2 tables from a CSV file (`evireg pool --csv`): each bad row refused with its number and reason."""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

from evireg.errors import Problem, UserError
from evireg.review.question import Input

REQUIRED = ("study", "events_treat", "total_treat", "events_ctrl", "total_ctrl")
COUNTS = REQUIRED[1:]


def _count(raw: str | None) -> int | str:
    """The integer in a cell, or a reason it is not one."""
    text = (raw or "").strip()
    if not text:
        return "is missing"
    try:
        value = int(text)
    except ValueError:
        try:
            f = float(text)
        except ValueError:
            return f"is not a number ({text!r})"
        return f"is not a whole number ({text!r})" if f != int(f) else int(f)
    return "is negative" if value < 0 else value


def read_tables(path: Path) -> tuple[list[Input], str]:
    """Inputs (source = the file and row) and the file's sha256; all problems at once."""
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise UserError(f"{path}: cannot read ({e.strerror})") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UserError(f"{path}: not UTF-8 text; re-save the CSV as UTF-8") from None
    reader = csv.DictReader(text.splitlines())
    header = [h.strip() for h in reader.fieldnames or []]
    absent = [c for c in REQUIRED if c not in header]
    if absent:
        raise UserError(
            f"{path}: header lacks {', '.join(absent)}; expected columns {','.join(REQUIRED)}[,subgroup]"
        )
    problems: list[Problem] = []
    inputs: list[Input] = []
    for n, row in enumerate(reader, start=2):  # row 1 is the header
        row = {(k or "").strip(): v for k, v in row.items()}
        where = f"row {n}"
        study = (row.get("study") or "").strip()
        if not study:
            problems.append(Problem(str(path), where, "study is missing"))
        counts: dict[str, int] = {}
        for c in COUNTS:
            v = _count(row.get(c))
            if isinstance(v, str):
                problems.append(Problem(str(path), where, f"{c} {v}"))
            else:
                counts[c] = v
        if len(counts) == 4:
            for arm in ("treat", "ctrl"):
                ev, t = counts[f"events_{arm}"], counts[f"total_{arm}"]
                if t == 0:
                    problems.append(Problem(str(path), where, f"total_{arm} is 0"))
                elif ev > t:
                    problems.append(
                        Problem(str(path), where, f"events_{arm} ({ev}) exceeds total_{arm} ({t})")
                    )
        if problems and problems[-1].path == where:
            continue
        subgroup = (row.get("subgroup") or "").strip() or None
        inputs.append(
            Input(
                study=study,
                subgroup=subgroup,
                events_treat=counts["events_treat"],
                total_treat=counts["total_treat"],
                events_ctrl=counts["events_ctrl"],
                total_ctrl=counts["total_ctrl"],
                source_id="csv",
                locator=f"{path.name}, row {n}",
                derivation=None,
                citation=str(path),
                year=int(row["year"]) if (row.get("year") or "").strip().isdigit() else None,
            )
        )
    if problems:
        raise UserError(f"{path}: {len(problems)} bad row(s); fix them and rerun", problems)
    if not inputs:
        raise UserError(f"{path}: no data rows under the header")
    return inputs, hashlib.sha256(raw).hexdigest()
