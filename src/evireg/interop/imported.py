"""A published review's analysis data, whatever file it came from (a Cochrane analysis-data CSV,
a RevMan 5 file), and how it becomes registry records: the ids, one study record per study
label, one outcome (and, where subgrouped, one characteristic) per analysis, and the review
record that keeps every printed row as published.

The readers (cochrane.py, rm5.py) fill the model here and report each bad row themselves; the
mapping below only builds and validates records, and writing them is imported_write.py's.
Nothing here states what the file does not: design fields are "unclear", arm sizes randomised
are "not reported" with the reason, and a review's measure or method is null unless stated.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from evireg.errors import Problem

ROW_KINDS = ("dichotomous", "continuous", "generic", "oe")
RATIO_NAMES = (
    ("hazard ratio", "HR"),
    ("odds ratio", "OR"),
    ("risk ratio", "RR"),
    ("relative risk", "RR"),
    ("rate ratio", "IRR"),
    ("ratio of means", "RoM"),
)
DIFFERENCE_NAMES = (
    ("standardised mean difference", "SMD"),
    ("standardized mean difference", "SMD"),
    ("mean difference", "MD"),
    ("risk difference", "RD"),
)
NOT_RANDOMISED = "the review's analysis data give N per analysis, not per arm randomised"
NOT_ANALYSED = "the review's analysis data give N per analysis, not per arm analysed for the study as a whole"


@dataclass
class Rob:
    domain: str
    judgement: str  # low | some_concerns | high
    support: str | None


@dataclass
class Row:
    """One study row of one analysis: the data it was computed from and what was printed."""

    label: str
    line: int  # the row's line in the file (0 when the format has none)
    where: str  # how a message names the row: "line 12" or "DICH_DATA STUDY_ID=STD-CDP"
    kind: str  # one of ROW_KINDS
    data: dict[str, float | int]
    subgroup: str | None = None
    year: int | None = None
    estimate: str | None = None
    ci_low: str | None = None
    ci_high: str | None = None
    weight: str | None = None
    footnotes: str | None = None
    rob: list[Rob] = field(default_factory=list)
    # the k-th row of one label in one analysis and subgroup (a multi-arm study's comparisons)
    comparison: int = 1

    @property
    def study(self) -> str:
        """The row's study record id: the label's, or for comparison k > 1 its own record."""
        base = study_id(self.label)
        return base if self.comparison == 1 or not base else f"{base[:76]}-c{self.comparison}"


@dataclass
class Totals:
    """An analysis's (or subgroup's) printed pooled result, as strings as printed."""

    estimate: str
    ci_low: str
    ci_high: str
    z: str | None = None
    p: str | None = None
    subgroup: str | None = None
    locator: str = ""
    chi2: str | None = None
    i2: str | None = None
    tau2: str | None = None


@dataclass
class ImportedAnalysis:
    number: str  # "1.2"
    name: str
    rows: list[Row]
    subgroups: list[str] = field(default_factory=list)  # printed names, in order
    applicability: str | None = None  # subgroup_and_overall | subgroup_only
    measure: str | None = None
    method: str | None = None
    model: str = "unknown"
    level: int | None = None
    tau2_method: str | None = None
    software: str | None = None
    locator: str = ""
    notes: str | None = None
    totals: list[Totals] = field(default_factory=list)
    group_labels: tuple[str, str] = ("Experimental", "Control")
    # the review's id, set by ImportedReview: outcome and subgroup ids start with it, so that many
    # reviews imported into one registry never share an outcome ("1.1 Mortality" of each is its own)
    scope: str = ""

    @property
    def data_type(self) -> str:
        kind = self.rows[0].kind if self.rows else "dichotomous"
        return "generic" if kind == "oe" else kind


@dataclass
class ImportedReview:
    id: str
    file: str  # the file's name, for locators
    doi: str | None
    url: str | None
    title: str
    year: int | None
    analyses: list[ImportedAnalysis]
    software: str | None = None
    source_citation: str = ""
    sha256: str | None = None  # of the file read, so that a source without DOI or URL is still exact

    def __post_init__(self) -> None:
        for a in self.analyses:
            a.scope = "_".join(ascii_words(self.id))


# --- ids ---------------------------------------------------------------------------------------


def ascii_words(text: str) -> list[str]:
    """The text's letters and digits as lower-case ASCII words ("Barišić 2008" -> barisic, 2008)."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.findall(r"[a-z0-9]+", plain)


def study_id(label: str) -> str:
    """A study's record id from its printed label: "Smith 2001a" -> smith-2001a."""
    return "-".join(ascii_words(label))[:80].strip("-")


def ident(text: str, limit: int = 60) -> str:
    """An id of the profile (letters, digits, underscores; starts with a letter)."""
    words = ascii_words(text)
    if not words or not words[0][0].isalpha():
        words = ["s", *words]
    out = words[0][:limit]
    for w in words[1:]:  # whole words only, so an id reads as the name it comes from
        if len(out) + 1 + len(w) > limit:
            break
        out += "_" + w
    return out


def outcome_id(number: str, scope: str = "") -> str:
    """The analysis's prefix of its outcome id: "1.2" of review cd000478-pub5 ->
    cd000478_pub5_a1_2 (a1_2 without a review)."""
    own = "a" + "_".join(ascii_words(number))
    return f"{scope}_{own}" if scope else own


def analysis_outcome(a: ImportedAnalysis) -> str:
    """The outcome id of an analysis: review, number and name, e.g.
    cd015711_pub2_a1_1_spectacle_independence."""
    return ident(f"{outcome_id(a.number, a.scope)} {' '.join(ascii_words(a.name))}")


def subgroup_variable(a: ImportedAnalysis) -> str:
    return f"{outcome_id(a.number, a.scope)}_subgroup"


def subgroup_values(names: list[str]) -> dict[str, str]:
    """Printed subgroup name -> its value id (unique within the analysis)."""
    out: dict[str, str] = {}
    for name in names:
        base = ident(name, 56)
        value, n = base, 2
        while value in out.values():
            value, n = f"{base}_{n}", n + 1
        out[name] = value
    return out


def review_id_from_file(stem: str) -> str:
    """CD000478_pub5 -> cd000478-pub5."""
    return "-".join(ascii_words(stem))[:80] or "review"


def doi_from_file(stem: str) -> str | None:
    """CD000478_pub5 -> 10.1002/14651858.CD000478.pub5 (the Cochrane Library's DOI pattern)."""
    m = re.fullmatch(r"(CD[0-9]{6})(?:[._-](pub[0-9]+))?", stem, flags=re.IGNORECASE)
    if m is None:
        return None
    return "10.1002/14651858." + m.group(1).upper() + (f".{m.group(2).lower()}" if m.group(2) else "")


def label_year(label: str) -> int | None:
    m = re.search(r"\b(1[89][0-9]{2}|20[0-9]{2})[a-z]?\b", label)
    return int(m.group(1)) if m else None


# --- generic rows: ratio or difference ---------------------------------------------------------


def generic_effect(a: ImportedAnalysis, row: Row) -> tuple[dict[str, Any], str]:
    """The effect of a generic inverse-variance row, and a sentence on how its measure was chosen.

    The file does not name the measure. A printed estimate equal to exp(GIV Mean) shows a ratio
    analysed on the log scale; which ratio only the analysis's name can say."""
    if row.kind == "oe":
        return {"measure": "HR", "o_minus_e": row.data["oe"], "variance": row.data["variance"]}, (
            "O - E and variance as printed: a Peto (log-rank) hazard ratio"
        )
    est, se = row.data["giv_mean"], row.data["giv_se"]
    printed = float(row.estimate) if row.estimate is not None else None
    ratio = printed is not None and math.isclose(printed, math.exp(est), rel_tol=1e-4, abs_tol=1e-6)
    if a.measure is not None:
        measure, how = a.measure, f"the review states {a.measure}"
    else:
        names = RATIO_NAMES if ratio else DIFFERENCE_NAMES
        named = next((m for text, m in names if text in a.name.lower()), None)
        kind = "a ratio (the printed estimate is exp(GIV Mean))" if ratio else "a difference"
        if named is not None:
            measure, how = named, f"{kind}; the analysis name says {named}"
        else:
            measure = "RR" if ratio else "MD"
            how = (
                f"{kind}; the file does not say which, so it is recorded as {measure}, which pools "
                "the same as any other measure of its kind by inverse variance"
            )
    out: dict[str, Any] = {"measure": measure, "estimate": est, "se": se}
    if ratio or measure in ("OR", "RR", "HR", "IRR", "RoM"):
        out["scale"] = "log"
    return out, f"GIV Mean and GIV SE as printed; measure: {how}"


def problem(file: str, where: str, message: str, line: int | None = None) -> Problem:
    return Problem(file, where, message, line)
