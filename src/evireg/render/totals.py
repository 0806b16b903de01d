"""The lines under a pooled total, as RevMan prints them: the effect with its CI, heterogeneity,
the test for the overall effect, random effects' tau² interval and prediction interval, and the
test for subgroup differences (tables and figures share them)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from evireg.render import revman_format as rf
from evireg.render.columns import level_text

if TYPE_CHECKING:
    from evireg.review.question import Answer
    from evireg.stats import PoolResult


def fmt_est(measure: str | None, est: float | None, lo: float | None, hi: float | None) -> str:
    if est is None or lo is None or hi is None or not all(map(math.isfinite, (est, lo, hi))):
        return rf.NOT_ESTIMABLE
    return rf.fmt_estimate_ci(est, lo, hi)


def heterogeneity_text(res: PoolResult) -> str:
    h = res.heterogeneity
    return rf.fmt_heterogeneity(h.q, h.df, h.p, h.i2, h.tau2 if res.model == "random" else None)


def random_effects_lines(res: PoolResult) -> list[str]:
    """What RevMan Web adds under random effects: the Q-profile CI for tau² and the prediction
    interval (t on k - 2 df; normal-based when k = 2); none for fixed effect or k < 2."""
    h = res.heterogeneity
    if res.model != "random" or res.k < 2 or h.tau2_ci is None:
        return []
    level = level_text(100 * res.level)
    parts = [
        f"Tau² ({res.tau2_method}) {level} CI (Q-profile): {rf.fmt_tau2(h.tau2_ci[0])} to "
        f"{rf.fmt_tau2(h.tau2_ci[1])}"
    ]
    pi, kind = res.prediction_interval, "t, k - 2 df"
    if pi is None:
        pi, kind = res.prediction_interval_normal, "normal"
    if pi is not None and all(map(math.isfinite, pi)):
        parts.append(f"{level} prediction interval ({kind}): {rf.fmt_ci(*pi)}")
    return parts


PI_LABEL = "Prediction interval"
PI_NORMAL_LABEL = "Normal pred. interval"  # k = 2: no t on k - 2 df; fits the narrow label column


def prediction_row(res: PoolResult) -> tuple[str, float, float] | None:
    """The "Prediction interval" row RevMan Web draws under a random-effects total: t-based for
    k >= 3, the normal-based one (labelled so) for k = 2; None otherwise."""
    if res.model != "random" or res.k < 2:
        return None
    pi, label = res.prediction_interval, PI_LABEL
    if pi is None:
        pi, label = res.prediction_interval_normal, PI_NORMAL_LABEL
    if pi is None or not all(map(math.isfinite, pi)):
        return None
    return label, pi[0], pi[1]


def overall_text(res: PoolResult) -> str:
    if res.t_df and math.isfinite(res.z):  # HKSJ: a t statistic
        return f"Test for overall effect: t = {rf.fmt_z(res.z)}, df = {res.t_df} ({rf.fmt_p(res.p)})"
    return rf.fmt_overall_effect(res.z if res.k else None, res.p)


def difference_text(answer: Answer) -> str | None:
    from evireg.stats import SubgroupResult

    r = answer.result
    if not isinstance(r, SubgroupResult):
        return None
    d = r.difference
    if d is None:
        return rf.fmt_subgroup_difference(None, 0, None, None)
    return rf.fmt_subgroup_difference(d.q, d.df, d.p, d.i2)


# --- rows -----------------------------------------------------------------------------------
