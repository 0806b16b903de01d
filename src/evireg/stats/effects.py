"""Per-study effects and variances, with RevMan 5's rules for zero cells.

Every array has a leading batch axis: shape ``(m, k)`` holds ``m`` analyses of up to ``k``
studies, and a study that is not part of an analysis (ragged batches, a study left out) has NaN
counts, status ``ABSENT`` and NaN effects.  The functions are elementwise, so an analysis gets
the same numbers whatever else shares its batch.

Binary outcomes (``binary_effects``):

* A study with a zero in any of its four cells gets 0.5 added to *every* cell; for OR and RR
  the corrected table gives its estimate and variance and enters the Mantel-Haenszel sums
  (RevMan 5 does this; parity with RevMan is the goal).  Peto needs and uses no correction.
* Risk difference: the *estimate* uses the raw counts and only its *variance* uses the corrected
  cells, so a double-zero study has RD 0 with a corrected SE (RevMan's printed rows, e.g.
  CD000478.pub5 analysis 7.1, Hawthorne 1992, 2/38 vs 0/39: RD 0.052632 [-0.031599, 0.136862]).
  metafor's ``escalc`` takes the estimate from the corrected cells too; RevMan parity wins.
* No events in either arm: not estimable for OR, RR and Peto, kept for RD.  Events for everyone in
  both arms: not estimable for OR and Peto, kept for RR (RR 1 with a corrected variance, as
  RevMan prints it: CD015087.pub2 analysis 4.6, Gupta 2008, 20/20 vs 20/20: RR 1
  [0.909861, 1.099068]; the estimate is the raw ratio, 1, even when the corrected cells would
  give another: 29/29 vs 28/28 prints RR 1) and RD.  No participants in an arm: excluded for every measure.
* ``yi``/``vi``: log OR, log RR or RD and its variance; for Peto ``(O - E) / V`` and ``1 / V``
  with the hypergeometric ``V`` (Yusuf et al. 1985).

Other data types (MD, SMD with Hedges' g, generic inverse variance from an estimate and its SE,
O - E and V for a Peto log hazard ratio) live in :mod:`evireg.stats.continuous`, returning
:class:`Effects` without ``cells``: everything downstream except Mantel-Haenszel needs only ``yi``
and ``vi``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .types import BoolArray, FloatArray, Int8Array

__all__ = [
    "ABSENT",
    "ALL_EVENTS",
    "EMPTY_ARM",
    "ESTIMABLE",
    "NO_EVENTS",
    "Cells",
    "Effects",
    "StudyTables",
    "binary_effects",
    "exclusion_reason",
    "study_intervals",
    "study_tables",
]

# per-study status codes (Effects.status)
ESTIMABLE, EMPTY_ARM, NO_EVENTS, ALL_EVENTS, ABSENT = 0, 1, 2, 3, 4


@dataclass(frozen=True)
class Cells:
    """The 2x2 cells used for each study (0.5 added where corrected), shape ``(m, k)``."""

    a: FloatArray
    b: FloatArray
    c: FloatArray
    d: FloatArray


@dataclass(frozen=True)
class Effects:
    """Per-study analysis-scale estimates ``yi`` and variances ``vi`` (NaN unless estimable),
    each study's status, whether 0.5 was added to its cells, and the cells themselves when the
    data are 2x2 tables."""

    yi: FloatArray
    vi: FloatArray
    status: Int8Array
    corrected: BoolArray
    cells: Cells | None

    @property
    def included(self) -> BoolArray:
        out: BoolArray = self.status == ESTIMABLE
        return out

    @property
    def present(self) -> BoolArray:
        out: BoolArray = self.status != ABSENT
        return out

    def subsets(self, keep: BoolArray) -> Effects:
        """The analyses of one row's studies selected by each row of ``keep`` (shape ``(r, k)``):
        a batch of ``r`` analyses, the studies outside a subset marked absent."""
        assert self.yi.shape[0] == 1, "subsets of a single analysis"
        shape = keep.shape
        if shape == self.yi.shape and keep.all():
            return self
        cells = self.cells
        if cells is not None:
            cells = Cells(*(np.broadcast_to(x, shape) for x in (cells.a, cells.b, cells.c, cells.d)))
        return Effects(
            yi=np.where(keep, self.yi, np.nan),
            vi=np.where(keep, self.vi, np.nan),
            status=np.where(keep, self.status, np.int8(ABSENT)).astype(np.int8),
            corrected=keep & self.corrected,
            cells=cells,
        )


def binary_effects(
    a_raw: FloatArray,
    n1_raw: FloatArray,
    c_raw: FloatArray,
    n2_raw: FloatArray,
    measure: str,
    method: str,
) -> Effects:
    """Effects of validated 2x2 counts (events and totals per arm, NaN where absent)."""
    b_raw = n1_raw - a_raw
    d_raw = n2_raw - c_raw
    present = ~np.isnan(a_raw)
    status = np.full(a_raw.shape, ABSENT, dtype=np.int8)
    status[present] = ESTIMABLE
    # RR keeps a double-all study (RevMan); OR and Peto cannot estimate it
    if measure == "OR" or method == "Peto":
        status[present & (b_raw == 0) & (d_raw == 0)] = ALL_EVENTS
    if measure != "RD":
        status[present & (a_raw == 0) & (c_raw == 0)] = NO_EVENTS
    status[present & ((n1_raw == 0) | (n2_raw == 0))] = EMPTY_ARM
    included = status == ESTIMABLE

    with np.errstate(divide="ignore", invalid="ignore"):
        if method == "Peto":
            corrected = np.zeros(a_raw.shape, dtype=bool)
            a, b, c, d = a_raw.copy(), b_raw.copy(), c_raw.copy(), d_raw.copy()
            n1, n2 = a + b, c + d
            n = n1 + n2
            e = n1 * (a + c) / n
            v = n1 * n2 * (a + c) * (b + d) / (n * n * (n - 1.0))
            yi = (a - e) / v
            vi = 1.0 / v
        else:
            zero = (a_raw == 0) | (b_raw == 0) | (c_raw == 0) | (d_raw == 0)
            corrected = included & zero
            add = np.where(corrected, 0.5, 0.0)
            a, b, c, d = a_raw + add, b_raw + add, c_raw + add, d_raw + add
            n1, n2 = a + b, c + d
            if measure == "OR":
                yi = np.log((a * d) / (b * c))
                vi = 1.0 / a + 1.0 / b + 1.0 / c + 1.0 / d
            elif measure == "RR":
                yi = np.log((a / n1) / (c / n2))
                # double-all: RevMan prints the raw ratio (1 when both risks are 1) with the
                # corrected variance (CD015087.pub2 3.9, Nnaji 2017, 29/29 vs 28/28: RR 1);
                # a single all-event arm keeps the corrected estimate (CD007572.pub4 1.6)
                all_both = (b_raw == 0) & (d_raw == 0)
                yi = np.where(all_both, np.log((a_raw / n1_raw) / (c_raw / n2_raw)), yi)
                vi = 1.0 / a - 1.0 / n1 + 1.0 / c - 1.0 / n2
            else:
                # RevMan: raw-count estimate, corrected-cell variance
                yi = a_raw / n1_raw - c_raw / n2_raw
                vi = a * b / n1**3 + c * d / n2**3
    # RD's Mantel-Haenszel sums take the raw counts too: RevMan's printed MH weights are the
    # raw n1 n2 / N shares (CD000478.pub5 analysis 7.1: Hawthorne 1992, 2/38 vs 0/39, 47.535042%)
    # so do RR's for a double-all study, whose estimate is the raw ratio (fixed.py re-corrects
    # the cells that still hold a zero for the MH variance only)
    if method != "Peto" and measure in ("RD", "RR"):
        raw = np.ones(a_raw.shape, dtype=bool) if measure == "RD" else (b_raw == 0) & (d_raw == 0)
        a, b, c, d = (np.where(raw, x, y) for x, y in ((a_raw, a), (b_raw, b), (c_raw, c), (d_raw, d)))
    cells = Cells(a, b, c, d)
    return Effects(
        yi=np.where(included, yi, np.nan),
        vi=np.where(included, vi, np.nan),
        status=status,
        corrected=corrected,
        cells=cells,
    )


def exclusion_reason(status: int, label: str) -> str | None:
    """Why a study is left out of the pooled estimate (``label`` names the effect: "OR",
    "Peto OR"), or None when it is estimable."""
    if status == EMPTY_ARM:
        return "no participants in one arm: not estimable"
    if status == NO_EVENTS:
        return f"no events in either arm: {label} not estimable"
    if status == ALL_EVENTS:
        return f"all participants had events in both arms: {label} not estimable"
    return None


def study_intervals(yi: FloatArray, vi: FloatArray, z: float) -> tuple[FloatArray, FloatArray]:
    """Each study's Wald interval on the analysis scale, ``yi -/+ z sqrt(vi)``."""
    half = z * np.sqrt(vi)
    return yi - half, yi + half


@dataclass(frozen=True)
class StudyTables:
    """One analysis's per-study arrays (length k, excluded studies included): the cells used,
    which studies are estimable and corrected, why the others are not, and ``yi``/``vi``."""

    a: FloatArray
    b: FloatArray
    c: FloatArray
    d: FloatArray
    included: BoolArray
    corrected: BoolArray
    reasons: list[str | None]
    yi: FloatArray
    vi: FloatArray


def study_tables(
    a_raw: FloatArray,
    n1_raw: FloatArray,
    c_raw: FloatArray,
    n2_raw: FloatArray,
    measure: str,
    method: str,
) -> StudyTables:
    """:func:`binary_effects` for one analysis (validated 1-D counts)."""
    eff = binary_effects(a_raw[None, :], n1_raw[None, :], c_raw[None, :], n2_raw[None, :], measure, method)
    assert eff.cells is not None
    label = "Peto OR" if method == "Peto" else measure
    return StudyTables(
        a=eff.cells.a[0],
        b=eff.cells.b[0],
        c=eff.cells.c[0],
        d=eff.cells.d[0],
        included=eff.included[0],
        corrected=eff.corrected[0],
        reasons=[exclusion_reason(int(s), label) for s in eff.status[0]],
        yi=eff.yi[0],
        vi=eff.vi[0],
    )
