"""One analysis's study data, of any of the four data types RevMan pools.

A :class:`StudyData` holds the studies' input columns (validated) and their labels, and knows
how to turn them into per-study effects for a measure.  Everything above the effects (the
fixed or random combination, subgroups, leave-one-out, cumulative analyses, Egger's test) works
on a :class:`StudyData` without knowing which type it is.

=============  =========================================================  ======================
data type      input columns (per study)                                   measures
=============  =========================================================  ======================
dichotomous    events_treat, total_treat, events_ctrl, total_ctrl          OR, RR, RD (MH/IV/Peto)
continuous     mean_treat, sd_treat, n_treat, mean_ctrl, sd_ctrl, n_ctrl   MD, SMD (IV)
generic        estimate, se (analysis scale: log for ratio measures)       OR, RR, HR, ... (IV)
o-e            o_minus_e, variance                                         HR (Peto log HR, IV)
=============  =========================================================  ======================
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .continuous import check_continuous, check_generic, check_oe, md_effects, oe_effects, smd_effects
from .counts import validate_tables
from .effects import ESTIMABLE, Effects, binary_effects
from .types import FloatArray

__all__ = ["COLUMNS", "DATA_TYPES", "StudyData"]

DATA_TYPES: tuple[str, ...] = ("dichotomous", "continuous", "generic", "o-e")

# the input columns of each data type, as the `pool --csv` headers and the JSON name them
COLUMNS: dict[str, tuple[str, ...]] = {
    "dichotomous": ("events_treat", "total_treat", "events_ctrl", "total_ctrl"),
    "continuous": ("mean_treat", "sd_treat", "n_treat", "mean_ctrl", "sd_ctrl", "n_ctrl"),
    "generic": ("estimate", "se"),
    "o-e": ("o_minus_e", "variance"),
}
_WHOLE = frozenset({"events_treat", "total_treat", "events_ctrl", "total_ctrl", "n_treat", "n_ctrl"})


def _labels(labels: Sequence[str] | None, k: int) -> list[str]:
    if labels is None:
        return [f"Study {i + 1}" for i in range(k)]
    labs = [str(x) for x in labels]
    if len(labs) != k:
        raise ValueError(f"labels has {len(labs)} entries for {k} studies")
    return labs


def _vectors(names: Sequence[str], values: Sequence[Any]) -> list[FloatArray]:
    out: list[FloatArray] = []
    for name, v in zip(names, values, strict=True):
        try:
            arr = np.asarray(v, dtype=np.float64)
        except (TypeError, ValueError):
            raise ValueError(f"{name} must be numbers") from None
        if arr.ndim != 1:
            raise ValueError(f"{name} must be one-dimensional; got shape {arr.shape}")
        out.append(arr)
    if len({len(a) for a in out}) > 1:
        raise ValueError(f"{', '.join(names)} must have the same length; got {[len(a) for a in out]}")
    return out


@dataclass(frozen=True)
class StudyData:
    """Validated input columns of k studies (``columns`` in the order of :data:`COLUMNS`)."""

    data_type: str
    columns: tuple[FloatArray, ...]
    labels: list[str]

    # -- construction (each validates and names the study and field of a bad value) ---------

    @classmethod
    def dichotomous(cls, events_t: Any, total_t: Any, events_c: Any, total_c: Any,
                    labels: Sequence[str] | None = None) -> StudyData:
        a, n1, c, n2, labs = validate_tables(events_t, total_t, events_c, total_c, labels)
        return cls("dichotomous", (a, n1, c, n2), labs)

    @classmethod
    def continuous(cls, mean_t: Any, sd_t: Any, n_t: Any, mean_c: Any, sd_c: Any, n_c: Any,
                   labels: Sequence[str] | None = None) -> StudyData:
        cols = _vectors(COLUMNS["continuous"], (mean_t, sd_t, n_t, mean_c, sd_c, n_c))
        labs = _labels(labels, len(cols[0]))
        rows = list(zip(*(c.tolist() for c in cols), strict=True))
        check_continuous(rows, "data", names=labs)
        return cls("continuous", tuple(cols), labs)

    @classmethod
    def generic(cls, estimate: Any, se: Any, labels: Sequence[str] | None = None) -> StudyData:
        """Estimates and SEs on the analysis scale (log for ratio measures)."""
        est, s = _vectors(COLUMNS["generic"], (estimate, se))
        labs = _labels(labels, len(est))
        check_generic(list(zip(est.tolist(), s.tolist(), strict=True)), False, False, "data", names=labs)
        return cls("generic", (est, s), labs)

    @classmethod
    def generic_variance(cls, yi: Any, vi: Any, labels: Sequence[str] | None = None) -> StudyData:
        """Estimates with their variances (kept exact: the SE shown is its square root)."""
        y, v = _vectors(("yi", "vi"), (yi, vi))
        labs = _labels(labels, len(y))
        for lab, est, var in zip(labs, y.tolist(), v.tolist(), strict=True):
            if not math.isfinite(est):
                raise ValueError(f"{lab}: yi must be a finite number; got {est!r}")
            if not (math.isfinite(var) and var > 0.0):
                raise ValueError(f"{lab}: vi must be a positive finite number; got {var!r}")
        return cls("generic-variance", (y, v), labs)

    @classmethod
    def o_minus_e(cls, o_minus_e: Any, variance: Any, labels: Sequence[str] | None = None) -> StudyData:
        oe, v = _vectors(COLUMNS["o-e"], (o_minus_e, variance))
        labs = _labels(labels, len(oe))
        check_oe(list(zip(oe.tolist(), v.tolist(), strict=True)), "data", names=labs)
        return cls("o-e", (oe, v), labs)

    @classmethod
    def of(cls, data_type: str, columns: Sequence[Any], labels: Sequence[str] | None = None) -> StudyData:
        """Study data of ``data_type`` from its columns in the order of :data:`COLUMNS`."""
        if data_type not in COLUMNS:
            raise ValueError(f"data_type must be one of {', '.join(DATA_TYPES)}; got {data_type!r}")
        if len(columns) != len(COLUMNS[data_type]):
            raise ValueError(f"{data_type} data has the columns {', '.join(COLUMNS[data_type])}")
        if data_type == "dichotomous":
            a, n1, c, n2 = columns
            return cls.dichotomous(a, n1, c, n2, labels)
        if data_type == "continuous":
            m1, s1, n1, m2, s2, n2 = columns
            return cls.continuous(m1, s1, n1, m2, s2, n2, labels)
        if data_type == "generic":
            return cls.generic(columns[0], columns[1], labels=labels)
        return cls.o_minus_e(columns[0], columns[1], labels=labels)

    # -- use ------------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.labels)

    @property
    def kind(self) -> str:
        """The data type as the JSON names it."""
        return "generic" if self.data_type == "generic-variance" else self.data_type

    def take(self, order: Sequence[int]) -> StudyData:
        """The studies in the given order (e.g. for a cumulative analysis)."""
        idx = np.asarray(order, dtype=np.intp)
        return StudyData(self.data_type, tuple(c[idx] for c in self.columns), [self.labels[i] for i in order])

    def effects(self, measure: str, method: str) -> Effects:
        """Per-study effects (shape ``(1, k)``) on the analysis scale."""
        cols = tuple(c[None, :] for c in self.columns)
        if self.data_type == "dichotomous":
            a, n1, c, n2 = cols
            return binary_effects(a, n1, c, n2, measure, method)
        if self.data_type == "continuous":
            return (smd_effects if measure == "SMD" else md_effects)(*cols)
        if self.data_type == "o-e":
            return oe_effects(*cols)
        y, second = cols
        vi = second**2 if self.data_type == "generic" else second
        k = y.shape[1]
        return Effects(yi=y, vi=vi, status=np.full((1, k), ESTIMABLE, dtype=np.int8),
                       corrected=np.zeros((1, k), dtype=bool), cells=None)

    def inputs(self, i: int) -> dict[str, float | int]:
        """Study ``i``'s input columns as the JSON shows them (counts and sizes as integers)."""
        if self.data_type == "generic-variance":
            y, v = (float(c[i]) for c in self.columns)
            return {"estimate": y, "se": math.sqrt(v)}
        out: dict[str, float | int] = {}
        for name, col in zip(COLUMNS[self.data_type], self.columns, strict=True):
            x = float(col[i])
            out[name] = int(x) if name in _WHOLE else x
        return out
