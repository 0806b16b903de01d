"""Reading a RevMan 5 file (`.rm5`: XML, usually ISO-8859-1) into the shared import model
(imported.py): each comparison's dichotomous, continuous, generic inverse-variance and
individual-patient-data outcomes with their study rows and subgroups, the method RevMan states
(METHOD, RANDOM, EFFECT_MEASURE, CI_TOTAL...) and every printed number (study effects, CIs and
weights; the pooled totals with Z, P, Chi², I² and Tau²).

Parsed with defusedxml: a file that declares a DTD or entities is refused (it could expand
without bound or read other files), as is one that is not well-formed (with its line).
"""

from __future__ import annotations

import hashlib
import math
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from evireg.errors import InvalidRecords, Problem, UserError
from evireg.interop.imported import ImportedAnalysis, ImportedReview, Row, Totals, review_id_from_file

OUTCOMES = {
    "DICH_OUTCOME": ("DICH_DATA", "DICH_SUBGROUP", "dichotomous"),
    "CONT_OUTCOME": ("CONT_DATA", "CONT_SUBGROUP", "continuous"),
    "IV_OUTCOME": ("IV_DATA", "IV_SUBGROUP", "generic"),
    "IPD_OUTCOME": ("IPD_DATA", "IPD_SUBGROUP", "oe"),
}
MEASURES = {
    "OR": "OR",
    "RR": "RR",
    "RD": "RD",
    "MD": "MD",
    "SMD": "SMD",
    "PETO_OR": "OR",
    "HR": "HR",
    "RATE_RATIO": "IRR",
    "IRR": "IRR",
    "ROM": "RoM",
}
METHODS = {"MH": "MH", "IV": "IV", "PETO": "Peto"}
RATIOS = {"OR", "RR", "HR", "IRR", "RoM"}


def printed(value: str | None) -> str | None:
    """A number as RevMan wrote it, in plain decimal notation (1.2E-5 -> 0.000012); None if empty."""
    if value is None or not value.strip():
        return None
    try:
        d = Decimal(value.strip())
    except InvalidOperation:
        return None
    if not d.is_finite():
        return None
    text = format(d, "f")
    return text if re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", text) else None


def parse(path: Path) -> Any:
    """The file's XML tree, refusing DTDs, entities and external references."""
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import ParseError, fromstring

    try:
        raw = path.read_bytes()
    except OSError as e:
        raise UserError(f"{path}: cannot read: {e.strerror}") from None
    try:
        return fromstring(raw, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise UserError(
            f"{path}: declares a DTD or entities; evireg reads RevMan 5 files without them "
            "(a declared entity can expand without bound or read other files)"
        ) from None
    except ParseError as e:
        line = getattr(e, "position", (None,))[0]
        raise InvalidRecords(
            f"{path}: not well-formed XML", [Problem(str(path), "xml", str(e).split(":")[0], line)]
        ) from None


def _text(el: Any, tag: str) -> str:
    found = el.find(tag)
    return " ".join("".join(found.itertext()).split()) if found is not None else ""


def _number(
    attrs: dict[str, str], key: str, integer: bool, where: str, file: str, problems: list[Problem]
) -> float | int | None:
    v = attrs.get(key, "").strip()
    try:
        x = int(v) if integer else float(v)
    except ValueError:
        problems.append(
            Problem(file, where, f"{key}={v!r} is not {'a whole number' if integer else 'a number'}")
        )
        return None
    if not integer and not math.isfinite(x):
        problems.append(Problem(file, where, f"{key}={v!r} is not a finite number"))
        return None
    return x


FIELDS = {
    "dichotomous": (
        ("EVENTS_1", "e_events", True),
        ("TOTAL_1", "e_n", True),
        ("EVENTS_2", "c_events", True),
        ("TOTAL_2", "c_n", True),
    ),
    "continuous": (
        ("MEAN_1", "e_mean", False),
        ("SD_1", "e_sd", False),
        ("TOTAL_1", "e_n", True),
        ("MEAN_2", "c_mean", False),
        ("SD_2", "c_sd", False),
        ("TOTAL_2", "c_n", True),
    ),
    "oe": (("O_E", "oe", False), ("VAR", "variance", False)),
}


def _row(
    el: Any,
    kind: str,
    measure: str | None,
    swap: bool,
    studies: dict[str, tuple[str, int | None]],
    subgroup: str | None,
    where: str,
    file: str,
    problems: list[Problem],
) -> Row | None:
    a = dict(el.attrib)
    sid = a.get("STUDY_ID", "")
    if sid not in studies:
        problems.append(Problem(file, where, f"STUDY_ID {sid!r} names no STUDY of the file's references"))
        return None
    label, year = studies[sid]
    data: dict[str, float | int] = {}
    if kind == "generic":
        est = a.get("ESTIMATE", "").strip()
        if not est and a.get("EFFECT_SIZE", "").strip():  # no entered estimate: the printed one
            est = a["EFFECT_SIZE"]
            if measure in RATIOS:
                est = str(math.log(float(est))) if _positive(est) else est
        for key, name, value in (("ESTIMATE", "giv_mean", est), ("SE", "giv_se", a.get("SE", ""))):
            x = _number({key: value}, key, False, where, file, problems)
            if x is not None:
                data[name] = x
    else:
        for key, name, integer in FIELDS[kind]:
            x = _number(a, key, integer, where, file, problems)
            if x is not None:
                data[name] = x
    if kind == "dichotomous" and len(data) == 4:
        for e, n in (("e_events", "e_n"), ("c_events", "c_n")):
            if data[e] > data[n]:
                problems.append(Problem(file, where, f"events ({data[e]}) exceed the total ({data[n]})"))
            elif swap:  # SWAP_EVENTS: RevMan analysed the non-events
                data[e] = int(data[n]) - int(data[e])
    return Row(
        label=label,
        line=0,
        where=where,
        kind=kind,
        data=data,
        subgroup=subgroup,
        year=year,
        estimate=printed(a.get("EFFECT_SIZE")),
        ci_low=printed(a.get("CI_START")),
        ci_high=printed(a.get("CI_END")),
        weight=printed(a.get("WEIGHT")),
    )


def _positive(v: str) -> bool:
    try:
        return float(v) > 0
    except ValueError:
        return False


def _totals(a: dict[str, str], subgroup: str | None, locator: str) -> Totals | None:
    est, lo, hi = (printed(a.get(k)) for k in ("EFFECT_SIZE", "CI_START", "CI_END"))
    if est is None or lo is None or hi is None or not float(lo) <= float(est) <= float(hi):
        return None
    p = printed(a.get("P_Z"))
    chi2, i2, tau2 = (printed(a.get(k)) for k in ("CHI2", "I2", "TAU2"))
    return Totals(
        est, lo, hi, printed(a.get("Z")), f"P = {p}" if p else None, subgroup, locator, chi2, i2, tau2
    )


def _heterogeneity(a: dict[str, str]) -> str | None:
    parts = [
        f"{name} = {v}"
        for key, name in (("CHI2", "Chi²"), ("DF", "df"), ("P_CHI2", "P"), ("I2", "I²"), ("TAU2", "Tau²"))
        if (v := printed(a.get(key))) is not None
    ]
    return "Printed heterogeneity: " + ", ".join(parts) if parts else None


def _analysis(
    el: Any,
    comparison: str,
    studies: dict[str, tuple[str, int | None]],
    file: str,
    software: str | None,
    problems: list[Problem],
) -> ImportedAnalysis:
    data_tag, sub_tag, kind = OUTCOMES[el.tag]
    a = dict(el.attrib)
    number = f"{comparison}.{a.get('NO', '').strip()}"
    raw_measure = a.get("EFFECT_MEASURE", "").strip().upper()
    measure = MEASURES.get(raw_measure)
    method = "Peto" if raw_measure == "PETO_OR" else METHODS.get(a.get("METHOD", "").strip().upper())
    if kind == "oe":
        measure, method = measure or "HR", method or "Peto"
    random = a.get("RANDOM", "").strip().upper() == "YES"
    level = int(a["CI_TOTAL"]) if a.get("CI_TOTAL", "").strip() in ("90", "95", "99") else None
    locator = f"{file}, {el.tag} {a.get('ID', number)}"
    notes = [
        f"RevMan 5 attributes: EFFECT_MEASURE={raw_measure or '(none)'}, METHOD={a.get('METHOD', '')}, "
        f"RANDOM={a.get('RANDOM', '')}, CI_STUDY={a.get('CI_STUDY', '')}, CI_TOTAL={a.get('CI_TOTAL', '')}, "
        f"TOTALS={a.get('TOTALS', '')}, SWAP_EVENTS={a.get('SWAP_EVENTS', '')}"
    ]
    if raw_measure and measure is None:
        notes.append(
            f"EFFECT_MEASURE {raw_measure} has no evireg measure; the analysis's measure is left null"
        )
    if (het := _heterogeneity(a)) is not None:
        notes.append(het)
    graphs = [_text(el, "GRAPH_LABEL_1"), _text(el, "GRAPH_LABEL_2")]
    if any(graphs):
        notes.append(f"Graph labels: {graphs[0]!r} (left), {graphs[1]!r} (right)")
    out = ImportedAnalysis(
        number=number,
        name=_text(el, "NAME") or f"Outcome {number}",
        rows=[],
        measure=measure,
        method=method,
        model="random" if random else "fixed",
        level=level,
        tau2_method="DL" if random else None,
        software=software,
        locator=locator[:300],
        notes="; ".join(notes)[:4000],
        group_labels=(_text(el, "GROUP_LABEL_1") or "Experimental", _text(el, "GROUP_LABEL_2") or "Control"),
    )
    swap = a.get("SWAP_EVENTS", "").strip().upper() == "YES"
    groups = (
        [(None, el)] if el.find(sub_tag) is None else [(_text(s, "NAME"), s) for s in el.findall(sub_tag)]
    )
    seen: set[tuple[str | None, str]] = set()
    for name, parent in groups:
        if name is not None:
            out.subgroups.append(name)
            if (t := _totals(dict(parent.attrib), name, f"{locator}, {sub_tag} {name!r}")) is not None:
                out.totals.append(t)
        for d in parent.findall(data_tag):
            where = f"{el.tag} {a.get('ID', number)}, {data_tag} STUDY_ID={d.get('STUDY_ID', '')}"
            row = _row(d, kind, measure, swap, studies, name, where, file, problems)
            if row is None:
                continue
            if (name, row.label) in seen:
                problems.append(
                    Problem(file, where, f"study {row.label!r} is given twice in analysis {number}")
                )
                continue
            seen.add((name, row.label))
            out.rows.append(row)
    totals = _totals(a, None, locator) if a.get("TOTALS", "YES").strip().upper() != "NO" else None
    if totals is not None and not out.subgroups:
        out.totals.append(totals)
    return out


def read_rm5(
    path: Path, *, review_id: str | None = None, doi: str | None = None, url: str | None = None
) -> ImportedReview:
    """One RevMan 5 file as an imported review; every problem raised together."""
    file = path.name
    root = parse(path)
    if root.tag != "COCHRANE_REVIEW":
        raise UserError(f"{path}: not a RevMan 5 file (its root element is {root.tag}, not COCHRANE_REVIEW)")
    studies: dict[str, tuple[str, int | None]] = {}
    for s in root.iter("STUDY"):
        name, year = s.get("NAME", "").strip(), s.get("YEAR", "").strip()
        y = int(year) if year.isdigit() and 1900 <= int(year) <= 2100 else None
        studies[s.get("ID", "")] = (f"{name} {year}".strip() if y else name, y)
    software = f"RevMan {root.get('REVMAN_SUB_VERSION') or root.get('REVMAN_VERSION') or '5'}"
    problems: list[Problem] = []
    analyses: list[ImportedAnalysis] = []
    for cmp in root.iter("COMPARISON"):
        no = cmp.get("NO", "").strip() or str(len(analyses) + 1)
        for el in cmp:
            if el.tag in OUTCOMES:
                a = _analysis(el, no, studies, file, software, problems)
                if a.rows:
                    analyses.append(a)
    if problems:
        raise InvalidRecords(f"nothing imported: {len(problems)} problem(s) in {path}", problems)
    if not analyses:
        raise UserError(f"{path}: no analysis with study data to import")
    the_doi = doi or (root.get("DOI") or "").strip() or None
    title = " ".join(_text(root, "COVER_SHEET/TITLE").split()) or path.stem
    published = root.find("COVER_SHEET/DATES/REVIEW_PUBLISHED")
    year = (published.get("YEAR") or "").strip() if published is not None else ""
    return ImportedReview(
        id=review_id or review_id_from_file(path.stem),
        file=file,
        doi=the_doi,
        url=url,
        title=title,
        year=int(year) if year.isdigit() else None,
        analyses=analyses,
        software=software,
        source_citation=f"{title}: the RevMan 5 file {file}"
        + ("" if the_doi or url else " (no DOI or URL stated: identified by the file's SHA-256)"),
        sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
    )
