"""A forest plot drawn with text, for the terminal tables: the axis range around the null and
one row's CI line, point and diamond."""

from __future__ import annotations

import math
from collections.abc import Sequence

RATIO_AXES = (10.0, 20.0, 50.0, 100.0)  # plotted from 1/x to x; RevMan's widest default is 0.01-100


def axis_range(values: Sequence[float], ratio: bool) -> tuple[float, float]:
    """A symmetric range around the null that holds the CIs (arrows mark limits beyond it):
    ratios up to 1/100-100; differences up to the next 1, 2 or 5 times a power of ten (a risk
    difference stays within -1 to 1)."""
    finite = [v for v in values if math.isfinite(v) and (v > 0 or not ratio)]
    if ratio:
        need = max([max(v, 1 / v) for v in finite] or [1.0])
        top = next((x for x in RATIO_AXES if need <= x), RATIO_AXES[-1])
        return 1 / top, top
    need = max([abs(v) for v in finite] or [0.5])
    if need <= 1.0:
        top = next((x for x in (0.1, 0.2, 0.5, 1.0) if need <= x), 1.0)
        return -top, top
    power = 10.0 ** math.floor(math.log10(need))
    top = next(f * power for f in (1.0, 2.0, 5.0, 10.0) if need <= f * power * (1 + 1e-12))
    return -top, top


def forest_bar(
    est: float | None,
    lo: float | None,
    hi: float | None,
    axis: tuple[float, float],
    width: int,
    ratio: bool,
    diamond: bool = False,
) -> str:
    """One row of a text forest plot: CI line, point (■) or diamond (◆), null line (│)."""

    def pos(x: float) -> float:
        a, b = axis
        if ratio:
            x, a, b = math.log(x), math.log(a), math.log(b)
        return (x - a) / (b - a) * (width - 1)

    cells = [" "] * width
    mid = round(pos(1.0 if ratio else 0.0))
    cells[mid] = "│"
    if (
        est is None
        or lo is None
        or hi is None
        or not all(map(math.isfinite, (est, lo, hi)))
        or (ratio and min(est, lo, hi) <= 0)
    ):
        return "".join(cells)
    p_lo, p_est, p_hi = pos(lo), pos(est), pos(hi)
    i_lo, i_hi = max(0, round(p_lo)), min(width - 1, round(p_hi))
    for i in range(i_lo, i_hi + 1):
        cells[i] = "◆" if diamond else "─"
    if not diamond:
        if p_lo < 0:
            cells[0] = "◄"
        if p_hi > width - 1:
            cells[width - 1] = "►"
        j = round(p_est)
        if 0 <= j < width:
            cells[j] = "■"
    return "".join(cells)
