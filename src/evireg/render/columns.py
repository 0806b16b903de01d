"""How tables and figures name an analysis: its measure, method and CI level as RevMan prints
them, and the input columns of each data type (2x2 counts, arms' means and SDs, generic
estimates, O - E), shared by the text tables (render/pool.py) and the figures (plots/)."""

from __future__ import annotations

import math
from typing import Any

MEASURE_NAMES = {
    "OR": "Odds Ratio",
    "RR": "Risk Ratio",
    "RD": "Risk Difference",
    "MD": "Mean Difference",
    "SMD": "Std. Mean Difference",
    "HR": "Hazard Ratio",
    "IRR": "Rate Ratio",
    "RoM": "Ratio of Means",
}
METHOD_NAMES = {"MH": "M-H", "IV": "IV", "Peto": "Peto"}
RATIO = frozenset({"OR", "RR", "HR", "IRR", "RoM"})


def measure_name(measure: str | None, unit: str | None = None) -> str:
    """RevMan's name of a measure; a mean difference carries its unit: Mean Difference (g)."""
    name = MEASURE_NAMES.get(measure or "", measure or "")
    return f"{name} ({unit})" if unit and measure == "MD" else name


def effect_header(
    measure: str | None,
    method: str | None,
    model: str | None,
    level: float | None = 95,
    unit: str | None = None,
    *,
    tau2_method: str | None = "DL",
    hksj: bool = False,
) -> str:
    """A table's effect heading: "Odds Ratio M-H, Fixed, 95% CI"."""
    method_part = method_text(method, model, level, tau2_method=tau2_method, hksj=hksj)
    return f"{measure_name(measure, unit)} {method_part}"


def method_name(
    method: str | None, model: str | None, tau2_method: str | None = "DL", hksj: bool = False
) -> str:
    """The analysis as RevMan names it, without the CI: "M-H, Fixed", "IV, Random (REML), HKSJ".

    Random effects always pool with inverse-variance weights 1 / (v + tau2) (stats/combine.py).
    With DL, tau2 comes from Cochran's Q about the method's own fixed estimate (the M-H or Peto
    one), which is what RevMan 5 calls "M-H, Random": that label is kept for the method's name.
    REML and PM estimate tau2 from the study effects alone, so the analysis is plainly
    inverse-variance: "IV, Random (REML)" whatever fixed method was asked (Peto keeps its name,
    its study effects being the Peto log odds ratios).
    """
    if (model or "fixed") != "random":
        return f"{METHOD_NAMES.get(method or '', method)}, Fixed"
    tau2 = (tau2_method or "DL").upper()
    if tau2 == "DL":
        text = f"{METHOD_NAMES.get(method or '', method)}, Random"
    else:
        shown = "Peto" if method == "Peto" else "IV"
        text = f"{shown}, Random ({tau2})"
    return f"{text}, HKSJ" if hksj else text


def method_text(
    method: str | None,
    model: str | None,
    level: float | None = 95,
    *,
    tau2_method: str | None = "DL",
    hksj: bool = False,
) -> str:
    """RevMan's "M-H, Fixed, 95% CI" (the level as asked: 90, 95 or 99); HKSJ applies to random
    effects only, so it is named only there."""
    return f"{method_name(method, model, tau2_method, hksj)}, {level_text(level)} CI"


def method_lines(text: str, width: int) -> list[str]:
    """A method text broken after its commas into lines of at most ``width`` (a table column):
    "IV, Random (REML), HKSJ, 95% CI" -> ["IV, Random (REML),", "HKSJ, 95% CI"]."""
    parts = text.split(", ")
    words = [p + "," for p in parts[:-1]] + parts[-1:]
    lines: list[str] = []
    for word in words:
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines


METHOD_LONG = {"MH": "Mantel-Haenszel", "IV": "Inverse variance", "Peto": "Peto"}
TAU2_LONG = {"DL": "DerSimonian-Laird", "REML": "REML", "PM": "Paule-Mandel"}


def method_long(
    method: str | None,
    model: str | None,
    level: float | None,
    tau2_method: str | None = "DL",
    hksj: bool = False,
) -> str:
    """The method in words, for readers who do not know RevMan's abbreviations: "Inverse
    variance, random effects (REML), HKSJ, 95% CI" for what RevMan calls "IV, Random (REML)".
    The pooling weights are named as method_name names them (see its notes)."""
    short = method_name(method, model, tau2_method, hksj)
    weights = METHOD_LONG.get(short.split(",")[0].replace("M-H", "MH"), method or "")
    if (model or "fixed") != "random":
        return f"{weights}, fixed effect, {level_text(level)} CI"
    tau2 = TAU2_LONG.get((tau2_method or "DL").upper(), tau2_method or "DL")
    return f"{weights}, random effects ({tau2}){', HKSJ' if hksj else ''}, {level_text(level)} CI"


def level_text(level: float | None) -> str:
    return f"{level if level is not None else 95:g}%"


# The arms' columns of each data type (RevMan's), wide and narrow, as (heading, justify, width),
# and the JSON/CSV names of the input columns they show.
ARM_COLUMNS: dict[str, tuple[list[tuple[str, str, int]], list[tuple[str, str, int]]]] = {
    "dichotomous": (
        [
            ("Treat\nEvents", "right", 6),
            ("\nTotal", "right", 6),
            ("Ctrl\nEvents", "right", 7),
            ("\nTotal", "right", 6),
        ],
        [("Treat\nn/N", "right", 7), ("Ctrl\nn/N", "right", 7)],
    ),
    "continuous": (
        [
            ("Treat\nMean", "right", 8),
            ("\nSD", "right", 7),
            ("\nTotal", "right", 5),
            ("Ctrl\nMean", "right", 8),
            ("\nSD", "right", 7),
            ("\nTotal", "right", 5),
        ],
        [("Treat\nN", "right", 5), ("Ctrl\nN", "right", 5)],
    ),
    "generic": ([("Estimate", "right", 9), ("SE", "right", 8)],) * 2,
    "o-e": ([("O-E", "right", 8), ("Variance", "right", 8)],) * 2,
}
MARKDOWN_ARMS = {
    "dichotomous": ["Treat events", "Treat total", "Ctrl events", "Ctrl total"],
    "continuous": ["Treat mean", "Treat SD", "Treat total", "Ctrl mean", "Ctrl SD", "Ctrl total"],
    "generic": ["Estimate", "SE"],
    "o-e": ["O-E", "Variance"],
}
INPUT_COLUMNS = {
    "dichotomous": ["events_treat", "total_treat", "events_ctrl", "total_ctrl"],
    "continuous": ["mean_treat", "sd_treat", "n_treat", "mean_ctrl", "sd_ctrl", "n_ctrl"],
    "generic": ["yi", "se"],
    "o-e": ["o_minus_e", "variance"],
}


def number(x: float | int | None) -> str:
    """An input number as a table shows it: counts whole, others to at most 4 decimals."""
    if x is None:
        return ""
    if isinstance(x, int):
        return str(x)
    return f"{round(x, 4):g}" if math.isfinite(x) else ""


def study_cells(s: Any) -> dict[str, float | int | None]:
    """A study's input columns, as INPUT_COLUMNS names them (``yi``/``se`` for generic data)."""
    out: dict[str, float | int | None] = dict(s.inputs)
    out["yi"] = s.yi
    out.setdefault("se", math.sqrt(s.vi) if math.isfinite(s.vi) else None)
    return out
