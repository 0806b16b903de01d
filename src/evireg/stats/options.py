"""The analysis options: one vocabulary for the library, the CLI and the JSON output.

``measure`` (OR, RR, RD), ``method`` (MH, IV, Peto), ``model`` (fixed, random), ``tau2_method``
(DL, REML, PM), ``hksj`` (Hartung-Knapp-Sidik-Jonkman interval) and ``level`` (the coverage of
every confidence interval, study and pooled, as a fraction: 0.95).  Values are accepted in any
case and come out canonical.  Messages name the option as the library and the JSON spell it,
never a command-line flag: the CLI decides how to present them.

The next data types (continuous MD/SMD, generic inverse variance, O - E and variance) add
measures whose per-study effects feed the same inverse-variance combination; the checks below
then learn which methods each measure allows (Mantel-Haenszel and Peto need 2x2 counts).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "MEASURES",
    "METHODS",
    "MODELS",
    "RATIO_MEASURES",
    "TAU2_METHODS",
    "Options",
    "normalise_options",
]

MEASURES: tuple[str, ...] = ("OR", "RR", "RD")
METHODS: tuple[str, ...] = ("MH", "IV", "Peto")
MODELS: tuple[str, ...] = ("fixed", "random")
TAU2_METHODS: tuple[str, ...] = ("DL", "REML", "PM")

# analysed on the log scale and reported exponentiated
RATIO_MEASURES = frozenset({"OR", "RR"})


@dataclass(frozen=True)
class Options:
    """Normalised analysis options (see :func:`normalise_options`)."""

    measure: str
    method: str
    model: str
    tau2_method: str
    hksj: bool
    level: float

    @property
    def ratio(self) -> bool:
        return self.measure in RATIO_MEASURES

    @property
    def z_quantile(self) -> float:
        """The normal quantile whose two-sided interval covers ``level``."""
        return 1.0 - (1.0 - self.level) / 2.0


def _canonical(name: str, value: object, choices: Sequence[str]) -> str:
    found = {c.lower(): c for c in choices}.get(str(value).lower())
    if found is None:
        raise ValueError(f"{name} must be one of {', '.join(choices)}; got {value!r}")
    return found


def normalise_options(
    measure: str,
    method: str,
    model: str,
    tau2_method: str,
    hksj: bool,
    level: float,
) -> Options:
    """Validate and canonicalise the options (case-insensitive); raise ``ValueError``."""
    m = _canonical("measure", measure, MEASURES)
    meth = _canonical("method", method, METHODS)
    mod = _canonical("model", model, MODELS)
    t2 = _canonical("tau2_method", tau2_method, TAU2_METHODS)
    if meth == "Peto" and m != "OR":
        raise ValueError("the Peto method pools odds ratios only (measure='OR')")
    if meth == "Peto" and mod == "random":
        raise ValueError("the Peto method is fixed-effect only (as in RevMan 5)")
    if hksj and mod != "random":
        raise ValueError("hksj=True applies to random-effects models only (model='random')")
    try:
        lv = float(level)
    except (TypeError, ValueError):
        raise ValueError(f"level must be a number between 0 and 1; got {level!r}") from None
    if not (0.0 < lv < 1.0):
        raise ValueError(f"level must lie strictly between 0 and 1; got {level!r}")
    return Options(m, meth, mod, t2, bool(hksj), lv)
