"""The Cochrane reviews' analysis rows (tests/data/cochrane/*.csv) and the inference of each
analysis's measure and CI level from its printed study rows.

Shared by the test of the printed study effects (test_revman_rows.py) and the test of the printed
weights (test_revman_weights.py).  Each row keeps its analysis, subgroup, data and what RevMan
printed: the effect with its CI and the percentage weight (NaN where printed empty).  The format is
described in /work/shared/cochrane/README.md.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from evireg.stats.continuous import generic_effects, level_z, md_effects, oe_effects, smd_effects
from evireg.stats.effects import Effects, binary_effects, study_intervals

DATA = Path(__file__).parent / "data" / "cochrane"
FILES = sorted(p.name for p in DATA.glob("*.csv"))
LEVELS = (0.95, 0.99, 0.90)
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


def _col(x: tuple[float, ...], j: int) -> np.ndarray:
    return np.array([[x[j]]], dtype=np.float64)


# measure name -> (data kind, effects function, shown exponentiated)
def _binary(measure: str, method: str) -> Callable[[tuple[float, ...]], Effects]:
    return lambda d: binary_effects(_col(d, 0), _col(d, 1), _col(d, 2), _col(d, 3), measure, method)


def _binary_complement(measure: str) -> Callable[[tuple[float, ...]], Effects]:
    return lambda d: _binary(measure, "MH")((d[1] - d[0], d[1], d[3] - d[2], d[3]))


def _cont(fn: Callable[..., Effects]) -> Callable[[tuple[float, ...]], Effects]:
    return lambda d: fn(*(_col(d, j) for j in range(6)))


MEASURES: dict[str, tuple[str, Callable[[tuple[float, ...]], Effects], bool]] = {
    "OR": ("binary", _binary("OR", "MH"), True),
    "RR": ("binary", _binary("RR", "MH"), True),
    "RD": ("binary", _binary("RD", "MH"), False),
    # the outcome entered as its complement: RR of the non-events (n - cases); the single-study
    # analyses 1.4, 1.5 and 2.6 of CD015711.pub2 (weight 0) print exactly this
    "RR of non-events": ("binary", _binary_complement("RR"), True),
    "Peto OR": ("binary", _binary("OR", "Peto"), True),
    "MD": ("continuous", _cont(md_effects), False),
    "SMD": ("continuous", _cont(smd_effects), False),
    "GIV ratio": ("generic", lambda d: generic_effects(_col(d, 0), _col(d, 1)), True),
    "GIV difference": ("generic", lambda d: generic_effects(_col(d, 0), _col(d, 1)), False),
    "Peto HR": ("oe", lambda d: oe_effects(_col(d, 0), _col(d, 1)), True),
}


def computed(row: Row, measure: str, level: float) -> tuple[float, float, float]:
    _, fn, exp = MEASURES[measure]
    eff = fn(row.data)
    lo, hi = study_intervals(eff.yi, eff.vi, level_z(level))
    vals = (float(eff.yi[0, 0]), float(lo[0, 0]), float(hi[0, 0]))
    return tuple(float(np.exp(v)) for v in vals) if exp else vals  # type: ignore[return-value]


def reproduces(row: Row, measure: str, level: float) -> bool:
    got = computed(row, measure, level)
    for g, p in zip(got, row.printed, strict=True):
        if np.isnan(p):  # not estimable: printed empty
            if not np.isnan(g):
                return False
        elif not abs(g - p) <= HALF_ULP:
            return False
    return True


def fit(rows: list[Row]) -> tuple[str, float, list[Row]] | None:
    """The (measure, level) reproducing the most rows of one analysis, and the rows that miss."""
    best: tuple[str, float, list[Row]] | None = None
    kinds = {r.kind for r in rows}
    for measure, (kind, _, _) in MEASURES.items():
        if kind not in kinds:
            continue
        for level in LEVELS:
            miss = [r for r in rows if r.kind != kind or not reproduces(r, measure, level)]
            if best is None or len(miss) < len(best[2]):
                best = (measure, level, miss)
    return best


def by_analysis(rows: list[Row]) -> dict[str, list[Row]]:
    out: dict[str, list[Row]] = {}
    for r in rows:
        out.setdefault(r.analysis, []).append(r)
    return out
