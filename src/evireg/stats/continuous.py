"""Per-study effects for continuous, generic inverse-variance and O - E data, as RevMan prints them.

The same array conventions as :mod:`evireg.stats.effects`: a leading batch axis ``(m, k)``, NaN
inputs for a study that is not part of an analysis (status ``ABSENT``), elementwise functions.
Each returns :class:`~evireg.stats.effects.Effects` without ``cells`` (only ``yi``/``vi`` are
needed downstream; Mantel-Haenszel does not apply).

Formulas (RevMan 5 / RevMan Web statistical methods; checked against the printed rows of the
Cochrane reviews in ``tests/data/cochrane``):

* MD: ``yi = m1 - m2``, ``vi = sd1^2/n1 + sd2^2/n2``.
* SMD (Hedges' adjusted g): ``s = sqrt(((n1-1) sd1^2 + (n2-1) sd2^2) / (n1 + n2 - 2))``,
  ``g = (m1 - m2)/s * (1 - 3/(4 N - 9))`` with ``N = n1 + n2``, and RevMan's variance
  ``1/n1 + 1/n2 + g^2 / (2 (N - 3.94))`` (metafor's default large-sample variance differs).
* Generic inverse variance: the estimate and SE are given on the analysis scale (log for ratio
  measures); ``yi = estimate``, ``vi = SE^2``; the study CI is shown exponentiated for ratios.
* O - E and V (Peto, time-to-event or individual-participant data): log HR ``yi = (O - E)/V``,
  ``vi = 1/V`` (Yusuf et al. 1985).

Bad input is refused before any arithmetic (:func:`check_continuous`, :func:`check_generic`,
:func:`check_oe`): one :class:`InputProblems` (a ``ValueError``) whose message has one line per
problem, naming the row (file:line) and the field, and whose ``problems`` lists them as
``(line, field, message)``, so that callers above the statistics layer can turn them into their
own error type (this layer imports nothing of evireg).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from .effects import ABSENT, ESTIMABLE, Effects
from .types import FloatArray

__all__ = [
    "InputProblems",
    "check_continuous",
    "check_generic",
    "check_oe",
    "generic_effects",
    "level_z",
    "md_effects",
    "oe_effects",
    "smd_effects",
]

# RevMan's SMD variance denominator: 2 (N - 3.94)
_SMD_DF_OFFSET = 3.94


def level_z(level: float) -> float:
    """The exact normal quantile for a two-sided ``level`` interval (0.95 -> 1.959964; also
    0.90 and 0.99, the levels RevMan offers): study CIs are ``yi -/+ z sqrt(vi)``."""
    from .distributions import norm_ppf

    if not 0.0 < level < 1.0:
        raise ValueError(f"level must lie strictly between 0 and 1; got {level!r}")
    return norm_ppf(1.0 - (1.0 - level) / 2.0)


def _status(present: FloatArray) -> np.ndarray:
    status = np.full(present.shape, ABSENT, dtype=np.int8)
    status[~np.isnan(present)] = ESTIMABLE
    return status


def _effects(yi: FloatArray, vi: FloatArray, status: np.ndarray) -> Effects:
    ok = status == ESTIMABLE
    return Effects(
        yi=np.where(ok, yi, np.nan),
        vi=np.where(ok, vi, np.nan),
        status=status,
        corrected=np.zeros(status.shape, dtype=bool),
        cells=None,
    )


def md_effects(
    m1: FloatArray, sd1: FloatArray, n1: FloatArray, m2: FloatArray, sd2: FloatArray, n2: FloatArray
) -> Effects:
    """Mean difference ``m1 - m2`` with variance ``sd1^2/n1 + sd2^2/n2`` (validated inputs)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        yi = m1 - m2
        vi = sd1**2 / n1 + sd2**2 / n2
    return _effects(yi, vi, _status(m1))


def smd_effects(
    m1: FloatArray, sd1: FloatArray, n1: FloatArray, m2: FloatArray, sd2: FloatArray, n2: FloatArray
) -> Effects:
    """Hedges' adjusted g with RevMan's variance ``1/n1 + 1/n2 + g^2/(2 (n1 + n2 - 3.94))``."""
    with np.errstate(invalid="ignore", divide="ignore"):
        n = n1 + n2
        s_pooled = np.sqrt(((n1 - 1.0) * sd1**2 + (n2 - 1.0) * sd2**2) / (n - 2.0))
        g = (m1 - m2) / s_pooled * (1.0 - 3.0 / (4.0 * n - 9.0))
        vi = 1.0 / n1 + 1.0 / n2 + g**2 / (2.0 * (n - _SMD_DF_OFFSET))
    return _effects(g, vi, _status(m1))


def generic_effects(estimate: FloatArray, se: FloatArray) -> Effects:
    """Generic inverse variance: ``estimate`` and ``se`` already on the analysis scale (log for
    ratio measures; take ``np.log`` of a natural-scale ratio first), ``vi = se^2``."""
    return _effects(estimate.astype(np.float64), se.astype(np.float64) ** 2, _status(estimate))


def oe_effects(o_minus_e: FloatArray, v: FloatArray) -> Effects:
    """Peto log hazard ratio ``(O - E)/V`` with variance ``1/V``."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return _effects(o_minus_e / v, 1.0 / v, _status(o_minus_e))


def _bad(x: float) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


Problem = tuple[int, str, str]  # (line, field, message)


class InputProblems(ValueError):
    """Bad study input: the message has one ``file:line: field: message`` line per problem;
    ``problems`` holds them as ``(line, field, message)``."""

    def __init__(self, message: str, problems: list[Problem]) -> None:
        super().__init__(message)
        self.problems = problems


def _raise(problems: list[Problem], what: str, file: str, names: Sequence[str] | None = None) -> None:
    if problems:
        # a row is named by its study label when there is no file (data given in Python)
        def where(line: int) -> str:
            return f"{file}:{line}" if names is None else repr(names[line - 1])

        lines = "\n".join(f"{where(line)}: {field}: {msg}" for line, field, msg in problems)
        raise InputProblems(f"{len(problems)} problem(s) in the {what} data:\n{lines}", problems)


def check_continuous(
    rows: Sequence[tuple[float, float, float, float, float, float]],
    file: str = "input",
    lines: Sequence[int] | None = None,
    names: Sequence[str] | None = None,
) -> None:
    """Refuse continuous rows ``(m1, sd1, n1, m2, sd2, n2)`` with a missing value, an SD <= 0 or
    an n < 2 (SMD needs a pooled SD with n - 1 degrees of freedom per arm), naming row and field."""
    fields = ("mean_treat", "sd_treat", "n_treat", "mean_ctrl", "sd_ctrl", "n_ctrl")
    problems: list[Problem] = []
    for i, row in enumerate(rows):
        line = lines[i] if lines is not None else i + 1
        for name, x in zip(fields, row, strict=True):
            if _bad(x):
                problems.append((line, name, "missing"))
            elif not math.isfinite(x):
                problems.append((line, name, f"must be a finite number; got {x!r}"))
            elif name.startswith("sd") and not x > 0:
                problems.append((line, name, f"an SD must be > 0; got {x!r}"))
            elif name.startswith("n_") and not x >= 2:
                problems.append((line, name, f"an arm needs n >= 2; got {x!r}"))
            elif name.startswith("n_") and x != int(x):
                problems.append((line, name, f"n must be a whole number; got {x!r}"))
    _raise(problems, "continuous", file, names)


def check_generic(
    rows: Sequence[tuple[float, float]],
    ratio: bool,
    natural_scale: bool,
    file: str = "input",
    lines: Sequence[int] | None = None,
    names: Sequence[str] | None = None,
) -> None:
    """Refuse generic rows ``(estimate, se)`` with a missing or non-positive SE, or, for a ratio
    measure given on the natural scale, an estimate <= 0 (its log does not exist)."""
    problems: list[Problem] = []
    for i, (est, se) in enumerate(rows):
        line = lines[i] if lines is not None else i + 1
        if _bad(est):
            problems.append((line, "estimate", "missing"))
        elif not math.isfinite(est):
            problems.append((line, "estimate", f"must be a finite number; got {est!r}"))
        elif ratio and natural_scale and not est > 0:
            problems.append((line, "estimate", f"a ratio estimate must be > 0; got {est!r}"))
        if _bad(se):
            problems.append((line, "se", "missing"))
        elif not (se > 0 and math.isfinite(se)):
            problems.append((line, "se", f"an SE must be a finite number > 0; got {se!r}"))
    _raise(problems, "generic inverse-variance", file, names)


def check_oe(
    rows: Sequence[tuple[float, float]],
    file: str = "input",
    lines: Sequence[int] | None = None,
    names: Sequence[str] | None = None,
) -> None:
    """Refuse O - E rows ``(o_minus_e, variance)`` with a missing value or a variance <= 0."""
    problems: list[Problem] = []
    for i, (oe, v) in enumerate(rows):
        line = lines[i] if lines is not None else i + 1
        if _bad(oe):
            problems.append((line, "o_minus_e", "missing"))
        elif not math.isfinite(oe):
            problems.append((line, "o_minus_e", f"must be a finite number; got {oe!r}"))
        if _bad(v):
            problems.append((line, "variance", "missing"))
        elif not (v > 0 and math.isfinite(v)):
            problems.append((line, "variance", f"a variance must be a finite number > 0; got {v!r}"))
    _raise(problems, "O - E", file, names)
