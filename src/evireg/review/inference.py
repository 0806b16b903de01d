"""What RevMan did to an analysis, read back from the numbers it printed.

A Cochrane review's analysis data print, per study, the effect, its CI and the percentage weight,
but not the effect measure, the CI level, the pooling method or the model.  Each is inferred here
as the choice under which the printed numbers reproduce at their printed precision (half a unit
of the last printed decimal, with float slack: the half-ULP rule):

* the measure and level from the study rows: dichotomous OR, RR, RD or Peto OR (and, RevMan's
  "swap events", the RR of the non-events); continuous MD or SMD; generic estimates shown
  exponentiated (a ratio) or not (a difference); O - E as a Peto hazard ratio; at 95, 99 or 90%;
* which weights were printed: an analysis with two or more subgroups whose weights each add up
  to 100 printed the subgroups' own weights, otherwise the overall's; all weights 0: not pooled;
* the method and model from the weights: Mantel-Haenszel fixed, MH random (DerSimonian-Laird),
  inverse variance fixed, IV random with DL, REML or PM, Peto (for a Peto OR).

Where an analysis states an option (a RevMan 5 file does) only the stated one is tried, and it is
checked: a stated option that does not reproduce the printed numbers is reported with what would.
Pure functions over :class:`evireg.stats.StudyData` and the printed numbers: no index, no files.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

    from evireg.stats.data import StudyData
    from evireg.stats.effects import Effects

LEVELS = (95, 99, 90)  # RevMan's default first: a tie goes to it


@dataclass(frozen=True)
class MeasureChoice:
    """One way RevMan can show a study's effect: ``measure`` is what evireg pools (OR, RR, RD,
    MD, SMD, HR, or ``ratio``/``difference`` for generic estimates), ``label`` how the audit names
    it, ``method`` the effect's own method (Peto for the Peto OR and HR), ``swap`` the outcome
    counted as its complement (n - events: RevMan's swap events)."""

    label: str
    data_type: str
    measure: str
    exponentiated: bool
    method: str | None = None
    swap: bool = False


MEASURE_CHOICES: tuple[MeasureChoice, ...] = (
    MeasureChoice("OR", "dichotomous", "OR", True),
    MeasureChoice("RR", "dichotomous", "RR", True),
    MeasureChoice("RD", "dichotomous", "RD", False),
    MeasureChoice("Peto OR", "dichotomous", "OR", True, method="Peto"),
    MeasureChoice("RR of non-events", "dichotomous", "RR", True, swap=True),
    MeasureChoice("MD", "continuous", "MD", False),
    MeasureChoice("SMD", "continuous", "SMD", False),
    MeasureChoice("ratio", "generic", "ratio", True),
    MeasureChoice("difference", "generic", "difference", False),
    MeasureChoice("Peto HR", "o-e", "HR", True, method="Peto"),
)


@dataclass(frozen=True)
class Candidate:
    """A pooling method and model RevMan offers (``tau2`` empty for a fixed-effect model)."""

    method: str
    model: str
    tau2: str = ""

    @property
    def label(self) -> str:
        return f"{self.method} {self.model}" + (f" {self.tau2}" if self.tau2 else "")


MH_FIXED = Candidate("MH", "fixed")
MH_DL = Candidate("MH", "random", "DL")
IV_FIXED = Candidate("IV", "fixed")
IV_DL = Candidate("IV", "random", "DL")
IV_REML = Candidate("IV", "random", "REML")
IV_PM = Candidate("IV", "random", "PM")
PETO = Candidate("Peto", "fixed")

# in the order RevMan offers them (its default first): the first that fits is reported
BINARY_CANDIDATES = (MH_FIXED, MH_DL, IV_FIXED, IV_DL, IV_REML, IV_PM)
IV_CANDIDATES = (IV_FIXED, IV_DL, IV_REML, IV_PM)


def candidates(choice: MeasureChoice) -> tuple[Candidate, ...]:
    if choice.method == "Peto":
        return (PETO,)
    return BINARY_CANDIDATES if choice.data_type == "dichotomous" else IV_CANDIDATES


# --- printed precision -------------------------------------------------------------------------


def decimals(text: str | None) -> int:
    """The digits after the point of a printed number ("0.05" -> 2, "1" -> 0)."""
    if not text:
        return 0
    t = text.strip().lower()
    mantissa, _, exp = t.partition("e")
    d = len(mantissa.partition(".")[2])
    return max(d - int(exp or 0), 0)


def half_ulp(texts: Sequence[str | None]) -> float:
    """Half a unit of the last decimal any of ``texts`` prints (an analysis prints all its
    numbers at one precision, dropping trailing zeros, so the most decimals seen is it), with the
    slack of a float's rounding."""
    d = max((decimals(t) for t in texts), default=0)
    return 0.5 * 10.0**-d * (1 + 1e-9)


def agrees(got: float, printed: float, tol: float) -> bool:
    """``got`` rounds to ``printed``; an empty printed value (NaN) wants an empty ``got``."""
    if math.isnan(printed):
        return math.isnan(got)
    return abs(got - printed) <= tol + 1e-12 * abs(printed)


def to_float(text: str | None) -> float:
    try:
        return float(text) if text is not None and text.strip() else math.nan
    except ValueError:
        return math.nan


# --- the study rows: measure and level -------------------------------------------------------


def choice_data(data: StudyData, choice: MeasureChoice) -> StudyData:
    """The study data as ``choice`` analyses it (the complement of the events when swapped)."""
    from evireg.stats.data import StudyData

    if not choice.swap:
        return data
    a, n1, c, n2 = data.columns
    return StudyData(data.data_type, (n1 - a, n1, n2 - c, n2), data.labels)


def _pooled_measure(choice: MeasureChoice) -> str:
    # generic estimates: any ratio (or difference) has the same effects on the analysis scale
    return {"ratio": "OR", "difference": "MD"}.get(choice.measure, choice.measure)


def study_rows(data: StudyData, choice: MeasureChoice, level: int, eff: Effects | None = None) -> np.ndarray:
    """Each study's (estimate, CI low, CI high) as RevMan shows them, shape ``(k, 3)``; NaN where
    the study is not estimable.  ``eff``: the choice's effects, when already computed."""
    import numpy as np

    from evireg.stats.continuous import level_z
    from evireg.stats.effects import ESTIMABLE, study_intervals

    if eff is None:
        eff = choice_effects(data, choice)
    lo, hi = study_intervals(eff.yi, eff.vi, level_z(level / 100))
    out = np.stack([eff.yi[0], lo[0], hi[0]], axis=1)
    out[eff.status[0] != ESTIMABLE] = np.nan
    return np.exp(out) if choice.exponentiated else out


def choice_effects(data: StudyData, choice: MeasureChoice) -> Effects:
    return choice_data(data, choice).effects(_pooled_measure(choice), choice.method or "MH")


def rows_missed(got: np.ndarray, printed: np.ndarray, tol: float) -> tuple[int, ...]:
    """The rows (indices) where ``got`` does not round to ``printed`` (:func:`agrees`, for arrays
    of shape ``(k, 3)``)."""
    import numpy as np

    with np.errstate(invalid="ignore"):
        ok = np.where(
            np.isnan(printed), np.isnan(got), np.abs(got - printed) <= tol + 1e-12 * np.abs(printed)
        )
    return tuple(np.flatnonzero(~ok.all(axis=1)).tolist())


def row_agrees(got: Sequence[float], printed: Sequence[float], tol: float) -> bool:
    return all(agrees(float(g), p, tol) for g, p in zip(got, printed, strict=True))


@dataclass(frozen=True)
class MeasureFit:
    choice: MeasureChoice
    level: int
    misses: tuple[int, ...]  # rows (indices) this choice does not reproduce
    others: tuple[str, ...] = ()  # other (measure, level) choices reproducing as many rows


def fit_measure(
    data: StudyData,
    printed: Sequence[tuple[float, float, float]],
    tol: float,
    measure: str | None = None,
    level: int | None = None,
    method: str | None = None,
) -> MeasureFit | None:
    """The measure and CI level reproducing the most printed rows (estimate, CI low, CI high),
    RevMan's order breaking ties; a stated measure, level or (Peto) method limits the choices.
    None when no choice fits the data type."""
    import numpy as np

    best: MeasureFit | None = None
    ties: list[str] = []
    want = np.asarray(printed, dtype=np.float64).reshape(len(printed), 3)
    for choice in MEASURE_CHOICES:
        if choice.data_type != data.kind or not _allowed(choice, measure, method):
            continue
        eff = choice_effects(data, choice)  # the same for every level: only the CIs change
        for lv in (level,) if level is not None else LEVELS:
            misses = rows_missed(study_rows(data, choice, lv, eff), want, tol)
            name = f"{choice.label} {lv}%"
            if best is None or len(misses) < len(best.misses):
                best, ties = MeasureFit(choice, lv, misses), []
            elif len(misses) == len(best.misses):
                ties.append(name)
    return None if best is None else replace(best, others=tuple(ties))


def _allowed(choice: MeasureChoice, measure: str | None, method: str | None) -> bool:
    if measure is not None and choice.data_type != "generic" and choice.measure != measure:
        return False
    # a stated Peto method means the Peto OR; any other stated method, not it
    peto = choice.method == "Peto"
    return method is None or choice.data_type != "dichotomous" or (method == "Peto") == peto


# --- the weights: scope, method and model ----------------------------------------------------


def _adds_to_100(weights: Sequence[float], tol: float) -> bool:
    ws = [w for w in weights if not math.isnan(w)]
    return bool(ws) and abs(sum(ws) - 100.0) <= len(ws) * tol + 1e-9


def weight_scope(weights: Sequence[float], groups: Sequence[str | None], tol: float) -> str:
    """Which weights were printed: ``not pooled`` (every weight 0: RevMan's totals not
    selected), ``subgroups`` (two or more subgroups whose weights each add up to 100) or
    ``overall``."""
    if weights and all(w == 0 for w in weights):
        return "not pooled"
    names = list(dict.fromkeys(groups))
    if len(names) > 1 and None not in names:
        by = {g: [w for w, h in zip(weights, groups, strict=True) if h == g] for g in names}
        if all(_adds_to_100(ws, tol) for ws in by.values()):
            return "subgroups"
    return "overall"


def scope_masks(groups: Sequence[str | None], scope: str) -> np.ndarray:
    """The pooled sets of a scope, shape ``(r, k)``: all studies, or one row per subgroup."""
    import numpy as np

    k = len(groups)
    if scope != "subgroups":
        return np.ones((1, k), dtype=bool)
    member = np.array([str(g) for g in groups], dtype=object)
    return np.vstack([member == g for g in dict.fromkeys(member.tolist())])


def candidate_weights(
    data: StudyData, choice: MeasureChoice, cand: Candidate, masks: np.ndarray, level: int = 95
) -> tuple[np.ndarray, float]:
    """Each study's percentage weight within its pooled set (NaN: not weighted), and the largest
    tau2 of the sets."""
    import numpy as np

    from evireg.stats.backends import SCALAR
    from evireg.stats.combine import combine
    from evireg.stats.options import normalise_options

    kind = data.kind
    opts = normalise_options(
        _pooled_measure(choice), cand.method, cand.model, cand.tau2 or "DL", False, level / 100, kind
    )
    effects = choice_data(data, choice).effects(opts.measure, opts.method).subsets(masks)
    pooled = combine(effects, opts, SCALAR, weights_only=True)
    w = np.where(masks, pooled.weight, np.nan)
    tau2 = np.nan_to_num(pooled.tau2, nan=0.0)
    return _collapse(w), float(tau2.max(initial=0.0))


def _collapse(w: np.ndarray) -> np.ndarray:
    """One weight per study from the sets' rows (each study is in one set)."""
    import numpy as np

    out = np.full(w.shape[1], np.nan)
    for row in w:
        out = np.where(np.isnan(out), row, out)
    return out


def weights_agree(got: Sequence[float] | np.ndarray, printed: Sequence[float], tol: float) -> list[bool]:
    return [agrees(float(g), p, tol) for g, p in zip(got, printed, strict=True)]


@dataclass(frozen=True)
class Inference:
    """What an analysis's printed numbers say RevMan did, and how sure that is."""

    choice: MeasureChoice
    level: int
    scope: str  # overall | subgroups | not pooled
    candidate: Candidate | None  # None: not pooled
    fits: tuple[Candidate, ...]  # every candidate reproducing all printed weights
    tau2: float | None
    unambiguous: bool
    notes: list[str] = field(default_factory=list)

    @property
    def method(self) -> str | None:
        return self.candidate.method if self.candidate else None

    @property
    def model(self) -> str | None:
        return self.candidate.model if self.candidate else None

    @property
    def tau2_method(self) -> str | None:
        return (self.candidate.tau2 or None) if self.candidate else None

    @property
    def label(self) -> str:
        how = self.candidate.label if self.candidate else "not pooled"
        return f"{self.choice.label} {self.level}%, {how}"


@dataclass(frozen=True)
class Stated:
    """The options an analysis states (None: not stated)."""

    measure: str | None = None
    method: str | None = None
    model: str | None = None
    tau2: str | None = None
    level: int | None = None


def _stated_candidates(cands: Sequence[Candidate], stated: Stated) -> tuple[Candidate, ...]:
    out = tuple(
        c
        for c in cands
        if (stated.method is None or c.method == stated.method)
        and (stated.model in (None, "unknown") or c.model == stated.model)
        and (stated.tau2 is None or c.model == "fixed" or c.tau2 == stated.tau2)
    )
    return out or tuple(cands)


def infer(
    data: StudyData,
    printed: Sequence[tuple[float, float, float, float]],
    groups: Sequence[str | None],
    tol: float,
    stated: Stated = Stated(),
) -> Inference | None:
    """Infer an analysis's measure, level, weight scope, method and model from its printed rows
    (estimate, CI low, CI high, weight; NaN where printed empty), one per study of ``data``, in
    ``groups`` (the printed subgroup of each row, None without subgroups)."""
    fit = fit_measure(data, [p[:3] for p in printed], tol, stated.measure, stated.level, stated.method)
    if fit is None:
        return None
    notes: list[str] = []
    unambiguous = not fit.others
    if fit.others:
        notes.append(
            f"{fit.choice.label} {fit.level}% and {', '.join(fit.others)} fit the study rows equally"
        )
    weights = [p[3] for p in printed]
    scope = weight_scope(weights, groups, tol)
    if scope == "not pooled":
        notes.append("every printed weight is 0: the analysis was not pooled (totals not selected)")
        return Inference(fit.choice, fit.level, scope, None, (), None, unambiguous, notes)
    masks = scope_masks(groups, scope)
    all_cands = candidates(fit.choice)
    cands = _stated_candidates(all_cands, stated)
    estimable = [int(m.sum()) for m in masks & ~_nan(weights)]
    if max(estimable, default=0) <= 1:
        # a set of one study weighs it 100% under every method: nothing to tell them apart
        chosen = cands[0]
        notes.append(f"one study per pooled set: every method gives it 100%; {chosen.label} assumed")
        return Inference(fit.choice, fit.level, scope, chosen, tuple(all_cands), None, False, notes)
    # RevMan 5's methods first (closed forms); the iterative REML and Paule-Mandel (RevMan Web)
    # only when none of those reproduces the weights, or when the analysis states one of them
    quick = [c for c in all_cands if c.tau2 in ("", "DL")]
    results = {c: candidate_weights(data, fit.choice, c, masks, fit.level) for c in quick}
    fits = tuple(c for c in quick if all(weights_agree(results[c][0], weights, tol)))
    if not fits or any(c not in quick for c in cands if cands != all_cands):
        slow = [c for c in all_cands if c not in quick]
        results |= {c: candidate_weights(data, fit.choice, c, masks, fit.level) for c in slow}
        fits = tuple(c for c in all_cands if all(weights_agree(results[c][0], weights, tol)))
    cands = tuple(c for c in cands if c in results)
    stated_fits = [c for c in cands if c in fits]
    if stated_fits:
        chosen = stated_fits[0]
    else:
        chosen = max(cands, key=lambda c: sum(weights_agree(results[c][0], weights, tol)))
        if cands != all_cands:
            what = ", ".join(c.label for c in fits) or "no method offered"
            notes.append(f"the stated {cands[0].label} does not reproduce the printed weights; {what} would")
        else:
            notes.append("no method reproduces every printed weight")
    tau2 = results[chosen][1] if chosen.model == "random" else None
    alike = [c for c in stated_fits if c is not chosen]
    if alike:
        notes.append(_tie_note(chosen, alike, results[chosen][1]))
    return Inference(fit.choice, fit.level, scope, chosen, fits, tau2, unambiguous and not alike, notes)


def _nan(values: Sequence[float]) -> np.ndarray:
    import numpy as np

    return np.isnan(np.asarray(values, dtype=np.float64))


def _tie_note(chosen: Candidate, alike: Sequence[Candidate], tau2: float) -> str:
    names = " and ".join([chosen.label, *(c.label for c in alike)])
    if any(c.model != chosen.model for c in alike):
        # fixed and random weights agree only where the random model's tau2 is (about) 0
        return f"{names} fit equally: tau2 = {0.0 if chosen.model == 'fixed' else tau2:.4g}"
    return f"{names} fit equally"
