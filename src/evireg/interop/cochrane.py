"""Reading a Cochrane review's analysis data (the Cochrane Library's CSV: one row per study per
analysis, with the data RevMan analysed and the effect, CI and weight it printed) into the shared
import model (imported.py).

Plain or gzipped; a byte-order mark, CRLF line ends, HTML entities and `<p>` fragments are
handled. Every bad row is reported (file and line) before anything is written: a missing
required column, text in a number, events above N, one study twice in one analysis and subgroup,
an unknown Applicability. The format: /work/shared/cochrane/README.md (header order may vary; a
column empty in the whole review may be absent).
"""

from __future__ import annotations

import csv
import gzip
import html
import io
import re
from collections.abc import Iterator
from pathlib import Path

from evireg.errors import InvalidRecords, Problem, UserError
from evireg.interop.imported import (
    ImportedAnalysis,
    ImportedReview,
    Rob,
    Row,
    doi_from_file,
    review_id_from_file,
)

REQUIRED = ("Analysis group", "Analysis number", "Analysis name", "Study", "Mean", "CI start", "CI end")
APPLICABILITY = {"SUBGROUP_AND_OVERALL": "subgroup_and_overall", "SUBGROUP_ONLY": "subgroup_only"}
JUDGEMENTS = {"low risk": "low", "some concerns": "some_concerns", "high risk": "high"}
DOMAINS = (
    "Bias arising from the randomization process",
    "Bias due to deviations from intended interventions",
    "Bias due to missing outcome data",
    "Bias in measurement of the outcome",
    "Bias in selection of the reported result",
    "Overall bias",
)
# column -> (field, integer?) per row kind; the kind follows from which columns are filled
KINDS: dict[str, dict[str, tuple[str, bool]]] = {
    "generic": {"GIV Mean": ("giv_mean", False), "GIV SE": ("giv_se", False)},
    "oe": {"O-E": ("oe", False), "Variance": ("variance", False)},
    "dichotomous": {
        "Experimental cases": ("e_events", True),
        "Experimental N": ("e_n", True),
        "Control cases": ("c_events", True),
        "Control N": ("c_n", True),
    },
    "continuous": {
        "Experimental mean": ("e_mean", False),
        "Experimental SD": ("e_sd", False),
        "Experimental N": ("e_n", True),
        "Control mean": ("c_mean", False),
        "Control SD": ("c_sd", False),
        "Control N": ("c_n", True),
    },
}
MARKERS = {
    "generic": "GIV Mean",
    "oe": "O-E",
    "dichotomous": "Experimental cases",
    "continuous": "Experimental mean",
}
NUMBER = re.compile(r"^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$")
PRINTED = re.compile(r"^-?[0-9]+(\.[0-9]+)?$")


def clean(text: str | None) -> str:
    """Text as a reader sees it: tags stripped, entities decoded, whitespace collapsed."""
    if not text:
        return ""
    no_tags = re.sub(r"<[^>]*>", " ", text)
    return re.sub(r"\s+", " ", html.unescape(no_tags).replace("\xa0", " ")).strip()


def read_text(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise UserError(f"{path}: cannot read: {e.strerror}") from None
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as e:
            raise UserError(f"{path}: not a readable gzip file ({e})") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise UserError(f"{path}: not UTF-8 text (byte {e.start})") from None


def _stem(path: Path) -> str:
    name = path.name
    for suffix in (".gz", ".csv"):
        name = name.removesuffix(suffix)
    return name


def _rows(text: str) -> Iterator[tuple[int, dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    for rec in reader:
        yield reader.line_num, {k.strip(): (v or "") for k, v in rec.items() if k is not None}


def _row(file: str, line: int, rec: dict[str, str], problems: list[Problem]) -> Row | None:
    where = f"row {line - 1}"
    g = {k: v.strip() for k, v in rec.items()}
    kinds = [k for k, col in MARKERS.items() if g.get(col)]
    if not kinds:
        problems.append(Problem(file, where, "no data: none of cases, mean, GIV Mean or O-E is filled", line))
        return None
    kind = kinds[0]
    data: dict[str, float | int] = {}
    for col, (name, integer) in KINDS[kind].items():
        v = g.get(col, "")
        if not v:
            problems.append(Problem(file, where, f"{col!r} is empty in a {kind} row", line))
        elif integer and not v.isdigit():
            problems.append(Problem(file, where, f"{col!r} is {v!r}, not a whole number", line))
        elif not integer and not NUMBER.match(v):
            problems.append(Problem(file, where, f"{col!r} is {v!r}, not a number", line))
        else:
            data[name] = int(v) if integer else float(v)
    if kind == "dichotomous" and len(data) == 4:
        for arm, e, n in (("Experimental", "e_events", "e_n"), ("Control", "c_events", "c_n")):
            if data[e] > data[n]:
                problems.append(
                    Problem(file, where, f"{arm} cases ({data[e]}) exceed {arm} N ({data[n]})", line)
                )
    printed: dict[str, str | None] = {}
    for col, name in (
        ("Mean", "estimate"),
        ("CI start", "ci_low"),
        ("CI end", "ci_high"),
        ("Weight", "weight"),
    ):
        v = g.get(col, "")
        if v and not PRINTED.match(v):
            problems.append(Problem(file, where, f"{col!r} is {v!r}, not a printed number", line))
        printed[name] = v or None
    year = g.get("Study year", "")
    if year and not (year.isdigit() and 1900 <= int(year) <= 2100):
        problems.append(Problem(file, where, f"'Study year' is {year!r}, not a year", line))
    rob: list[Rob] = []
    for domain in DOMAINS:
        judged = clean(g.get(f"{domain} (judgement)"))
        if not judged:
            continue
        if judged.lower() not in JUDGEMENTS:
            msg = f"'{domain} (judgement)' is {judged!r}, not Low risk, Some concerns or High risk"
            problems.append(Problem(file, where, msg, line))
            continue
        support = clean(g.get(f"{domain} (support)")) or None
        rob.append(Rob(domain, JUDGEMENTS[judged.lower()], support))
    label = clean(g.get("Study"))
    if not label:
        problems.append(Problem(file, where, "'Study' is empty", line))
    return Row(
        label=label,
        line=line,
        where=where,
        kind=kind,
        data=data,
        subgroup=clean(g.get("Subgroup")) or None,
        year=int(year) if year.isdigit() else None,
        footnotes=clean(g.get("Footnotes")) or None,
        rob=rob,
        estimate=printed["estimate"],
        ci_low=printed["ci_low"],
        ci_high=printed["ci_high"],
        weight=printed["weight"],
    )


def _order(names: dict[str, str]) -> list[str]:
    """Printed subgroup names in Subgroup-number order (file order where there is none)."""

    def key(item: tuple[int, tuple[str, str]]) -> tuple[float, int]:
        i, (_, number) = item
        return (float(number) if NUMBER.match(number) else float("inf"), i)

    return [name for _, (name, _) in sorted(enumerate(names.items()), key=key)]


def read_cochrane(path: Path, *, review_id: str | None = None, doi: str | None = None) -> ImportedReview:
    """One analysis-data CSV as an imported review; every problem raised together."""
    file = str(path)
    text = read_text(path)
    header = next(csv.reader(io.StringIO(text)), [])
    columns = {h.strip() for h in header}
    missing = [c for c in REQUIRED if c not in columns]
    if not any(MARKERS[k] in columns for k in MARKERS):
        missing.append("Experimental cases, Experimental mean, GIV Mean or O-E")
    for kind, cols in KINDS.items():  # a data type's columns come together
        if MARKERS[kind] in columns:
            missing += [c for c in cols if c not in columns and c not in missing]
    if missing:
        raise InvalidRecords(
            f"nothing imported: {file} is not Cochrane analysis data",
            [Problem(file, "header", f"missing column {c!r}", 1) for c in missing],
        )
    problems: list[Problem] = []
    analyses: dict[str, ImportedAnalysis] = {}
    subgroup_numbers: dict[str, dict[str, str]] = {}
    seen: dict[tuple[str, str | None, str], list[tuple[int, object]]] = {}
    for line, rec in _rows(text):
        number = f"{rec['Analysis group'].strip()}.{rec['Analysis number'].strip()}"
        if not re.fullmatch(r"[0-9]+\.[0-9]+", number):
            problems.append(Problem(file, f"row {line - 1}", f"analysis number {number!r} is not N.N", line))
            continue
        row = _row(file, line, rec, problems)
        applic = rec.get("Applicability", "").strip()
        if applic and applic not in APPLICABILITY:
            msg = f"unknown Applicability {applic!r} (expected {' or '.join(APPLICABILITY)})"
            problems.append(Problem(file, f"row {line - 1}", msg, line))
        if row is None:
            continue
        a = analyses.setdefault(
            number,
            ImportedAnalysis(
                number, clean(rec["Analysis name"]), [], applicability=APPLICABILITY.get(applic)
            ),
        )
        if a.rows and a.rows[0].kind != row.kind:
            msg = f"a {row.kind} row in analysis {number}, whose first row is {a.rows[0].kind}"
            problems.append(Problem(file, row.where, msg, line))
        key = (number, row.subgroup, row.label)
        same = seen.setdefault(key, [])
        for earlier, data in same:
            if data == (row.data, row.estimate, row.ci_low, row.ci_high, row.weight):
                sub = f", subgroup {row.subgroup!r}" if row.subgroup else ""
                msg = f"study {row.label!r} is given twice in analysis {number}{sub} (as on line {earlier})"
                problems.append(Problem(file, row.where, msg, line))
                break
        else:
            same.append((line, (row.data, row.estimate, row.ci_low, row.ci_high, row.weight)))
            row.comparison = len(same)
            if row.subgroup is not None:
                subgroup_numbers.setdefault(number, {}).setdefault(
                    row.subgroup, rec.get("Subgroup number", "").strip()
                )
            a.rows.append(row)
    for number, a in analyses.items():
        if number in subgroup_numbers:
            a.subgroups = _order(subgroup_numbers[number])
            if any(r.subgroup is None for r in a.rows):
                problems += [
                    Problem(
                        file, r.where, f"no Subgroup in analysis {number}, whose other rows have one", r.line
                    )
                    for r in a.rows
                    if r.subgroup is None
                ]
    if problems:
        raise InvalidRecords(f"nothing imported: {len(problems)} problem(s) in {file}", problems)
    if not analyses:
        raise UserError(f"{file}: no analysis rows to import")
    stem = _stem(path)
    the_doi = doi or doi_from_file(stem)
    if the_doi is None:
        raise UserError(
            f"{file}: the file name is not a Cochrane review number (e.g. CD000478_pub5.csv); "
            "give the review's DOI with --doi"
        )
    return ImportedReview(
        id=review_id or review_id_from_file(stem),
        file=path.name,
        doi=the_doi,
        url=None,
        title=f"Cochrane review {the_doi.removeprefix('10.1002/14651858.')}",
        year=None,
        analyses=sorted(analyses.values(), key=lambda a: tuple(map(int, a.number.split(".")))),
        source_citation=f"the review's analysis data as published by the Cochrane Library ({path.name})",
    )
