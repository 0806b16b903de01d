"""The analysis options: one vocabulary for the library, the CLI and the JSON output.

``measure`` (by data type: OR, RR, RD for 2x2 tables; MD, SMD for continuous data; any ratio or
difference measure for generic inverse-variance data; HR for O - E data), ``method`` (MH, IV,
Peto), ``model`` (fixed, random), ``tau2_method``
(DL, REML, PM), ``hksj`` (Hartung-Knapp-Sidik-Jonkman interval) and ``level`` (the coverage of
every confidence interval, study and pooled, as a fraction: 0.95).  Values are accepted in any
case and come out canonical.  Messages name the option as the library and the JSON spell it,
never a command-line flag: the CLI decides how to present them.

Continuous, generic and O - E data feed the same inverse-variance combination: Mantel-Haenszel
needs 2x2 counts, and Peto is the 2x2 Peto OR or, for O - E data, the Peto log hazard ratio.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "DIFFERENCE_MEASURES",
    "MEASURES",
    "METHODS",
    "MODELS",
    "RATIO_MEASURES",
    "TAU2_METHODS",
    "TYPE_MEASURES",
    "TYPE_METHODS",
    "Options",
    "normalise_options",
]

# analysed on the log scale and reported exponentiated
RATIO_MEASURES = frozenset({"OR", "RR", "HR", "IRR", "RoM"})
DIFFERENCE_MEASURES = frozenset({"RD", "MD", "SMD"})

# per data type: the measures (the first is the default) and methods (the first is the default)
TYPE_MEASURES: dict[str, tuple[str, ...]] = {
    "dichotomous": ("OR", "RR", "RD"),
    "continuous": ("MD", "SMD"),
    "generic": ("MD", "SMD", "RD", "OR", "RR", "HR", "IRR", "RoM"),
    "o-e": ("HR",),
}
TYPE_METHODS: dict[str, tuple[str, ...]] = {
    "dichotomous": ("MH", "IV", "Peto"),
    "continuous": ("IV",),
    "generic": ("IV",),
    "o-e": ("Peto", "IV"),
}
MEASURES: tuple[str, ...] = ("OR", "RR", "RD", "MD", "SMD", "HR", "IRR", "RoM")
METHODS: tuple[str, ...] = ("MH", "IV", "Peto")
MODELS: tuple[str, ...] = ("fixed", "random")
TAU2_METHODS: tuple[str, ...] = ("DL", "REML", "PM")


@dataclass(frozen=True)
class Options:
    """Normalised analysis options (see :func:`normalise_options`)."""

    measure: str
    method: str
    model: str
    tau2_method: str
    hksj: bool
    level: float
    data_type: str = "dichotomous"

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
    measure: str | None,
    method: str | None,
    model: str,
    tau2_method: str,
    hksj: bool,
    level: float,
    data_type: str = "dichotomous",
) -> Options:
    """Validate and canonicalise the options (case-insensitive) for ``data_type``; a measure
    or method of None is the data type's default.  Raise ``ValueError``."""
    if data_type not in TYPE_MEASURES:
        raise ValueError(f"data_type must be one of {', '.join(TYPE_MEASURES)}; got {data_type!r}")
    m = _canonical("measure", measure or TYPE_MEASURES[data_type][0], MEASURES)
    if m not in TYPE_MEASURES[data_type]:
        raise ValueError(f"measure must be one of {', '.join(TYPE_MEASURES[data_type])} for {data_type} "
                         f"data; got {measure!r}")
    meth = _canonical("method", method or TYPE_METHODS[data_type][0], METHODS)
    if meth not in TYPE_METHODS[data_type]:
        raise ValueError(f"method must be one of {', '.join(TYPE_METHODS[data_type])} for {data_type} "
                         f"data; got {method!r}")
    mod = _canonical("model", model, MODELS)
    t2 = _canonical("tau2_method", tau2_method, TAU2_METHODS)
    if meth == "Peto" and data_type == "dichotomous" and m != "OR":
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
    return Options(m, meth, mod, t2, bool(hksj), lv, data_type)
