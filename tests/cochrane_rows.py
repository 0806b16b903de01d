"""The Cochrane reviews' analysis rows (tests/data/cochrane/*.csv) and the inference of each
analysis's measure and CI level from its printed study rows (evireg.review.inference's).

Shared by the test of the printed study effects (test_revman_rows.py) and the test of the printed
weights (test_revman_weights.py).  Each row keeps its analysis, subgroup, data and what RevMan
printed: the effect with its CI and the percentage weight (NaN where printed empty).  The format is
described in /work/shared/cochrane/README.md.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from evireg.review.inference import MEASURE_CHOICES, MeasureChoice, fit_measure, row_agrees, study_rows
from evireg.stats.data import StudyData

DATA = Path(__file__).parent / "data" / "cochrane"
FILES = sorted(p.name for p in DATA.glob("*.csv"))
KINDS = {"binary": "dichotomous", "continuous": "continuous", "generic": "generic", "oe": "o-e"}
HALF_ULP = 0.5e-6 * (1 + 1e-9)


def _num(s: str) -> float:
    return float(s) if s.strip() else float("nan")


@dataclass(frozen=True)
class Row:
    line: int
    analysis: str
    study: str
    kind: str
    data: tuple[float, ...]
    printed: tuple[float, float, float]
    # the subgroup's number where the file has one, else its name ("" without subgroups)
    subgroup: str = ""
    weight: float = float("nan")  # percent; NaN where printed empty


def _kind(r: dict[str, str]) -> tuple[str, tuple[float, ...]]:
    g = r.get
    if (g("GIV Mean") or "").strip():
        return "generic", (_num(r["GIV Mean"]), _num(r["GIV SE"]))
    if (g("O-E") or "").strip():
        return "oe", (_num(r["O-E"]), _num(r["Variance"]))
    if (g("Experimental cases") or "").strip():
        keys = ("Experimental cases", "Experimental N", "Control cases", "Control N")
        return "binary", tuple(_num(r[k]) for k in keys)
    arms = ("Experimental", "Control")
    keys = tuple(f"{arm} {what}" for arm in arms for what in ("mean", "SD", "N"))
    return "continuous", tuple(_num(r[k]) for k in keys)


def read_rows(name: str) -> list[Row]:
    with open(DATA / name, newline="", encoding="utf-8") as fh:
        out = []
        for i, r in enumerate(csv.DictReader(fh), start=2):
            kind, data = _kind(r)
            out.append(
                Row(
                    line=i,
                    analysis=f"{r['Analysis group']}.{r['Analysis number']}",
                    study=r["Study"],
                    kind=kind,
                    data=data,
                    printed=(_num(r["Mean"]), _num(r["CI start"]), _num(r["CI end"])),
                    subgroup=(r.get("Subgroup number") or r.get("Subgroup") or "").strip(),
                    weight=_num(r["Weight"]),
                )
            )
    return out


# the measures the tests name -> how evireg.review.inference shows a study's effect
CHOICES: dict[str, MeasureChoice] = {
    "GIV ratio" if c.label == "ratio" else "GIV difference" if c.label == "difference" else c.label: c
    for c in MEASURE_CHOICES
}


def study_data(rows: list[Row]) -> StudyData:
    """The rows' data as the statistics take it (one data kind; not re-validated: RevMan's data)."""
    cols = tuple(np.array([r.data[j] for r in rows], dtype=np.float64) for j in range(len(rows[0].data)))
    return StudyData(KINDS[rows[0].kind], cols, [r.study for r in rows])


def computed(row: Row, measure: str, level: float) -> tuple[float, float, float]:
    got = study_rows(study_data([row]), CHOICES[measure], round(level * 100))[0]
    return float(got[0]), float(got[1]), float(got[2])


def reproduces(row: Row, measure: str, level: float) -> bool:
    return row_agrees(computed(row, measure, level), row.printed, HALF_ULP)


def fit(rows: list[Row]) -> tuple[str, float, list[Row]] | None:
    """The (measure, level) reproducing the most rows of one analysis, and the rows that miss."""
    best = fit_measure(study_data(rows), [r.printed for r in rows], HALF_ULP)
    if best is None:
        return None
    name = next(n for n, c in CHOICES.items() if c == best.choice)
    return name, best.level / 100, [rows[i] for i in best.misses]


def by_analysis(rows: list[Row]) -> dict[str, list[Row]]:
    out: dict[str, list[Row]] = {}
    for r in rows:
        out.setdefault(r.analysis, []).append(r)
    return out
