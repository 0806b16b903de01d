"""Subgroup analyses: the overall pool, each subgroup on its own (with its own tau2), and RevMan
5's test for subgroup differences (Borenstein and Higgins 2013), all in one kernel call."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from . import distributions as dist
from .data import StudyData
from .heterogeneity import i2_from_q
from .options import Options, normalise_options
from .results import PoolResult, SubgroupDifference, SubgroupResult
from .single import pool_rows

__all__ = ["pool_subgroups", "pool_subgroups_data", "subgroup_difference"]


def subgroup_difference(results: Sequence[PoolResult]) -> SubgroupDifference | None:
    """``Q = sum(w_g (theta_g - theta_bar)^2)`` over the subgroups with an estimate,
    ``w_g = 1 / se_g^2``, ``df = G - 1``; None when fewer than two subgroups have one."""
    est = [(r.log_estimate, r.se) for r in results if r.k > 0 and math.isfinite(r.se)]
    est = [(y, s) for y, s in est if s > 0 and math.isfinite(y)]
    if len(est) < 2:
        return None
    y = np.array([e[0] for e in est])
    w = 1.0 / np.array([e[1] for e in est]) ** 2
    ybar = float((w * y).sum() / w.sum())
    q = float((w * (y - ybar) ** 2).sum())
    df = len(est) - 1
    return SubgroupDifference(q=q, df=df, p=dist.chi2_sf(q, df), i2=i2_from_q(q, df))


def pool_subgroups(
    events_t: Any,
    total_t: Any,
    events_c: Any,
    total_c: Any,
    groups: Sequence[Any],
    *,
    measure: str = "OR",
    method: str = "MH",
    model: str = "fixed",
    tau2_method: str = "DL",
    hksj: bool = False,
    labels: Sequence[str] | None = None,
    level: float = 0.95,
) -> SubgroupResult:
    """Pool all studies and each subgroup separately, and test subgroup differences.

    ``groups`` gives one subgroup name per study (converted with ``str``); subgroups appear in
    order of first appearance.
    """
    opts = normalise_options(measure, method, model, tau2_method, hksj, level)
    data = StudyData.dichotomous(events_t, total_t, events_c, total_c, labels)
    return pool_subgroups_data(data, groups, opts)


def pool_subgroups_data(data: StudyData, groups: Sequence[Any], opts: Options) -> SubgroupResult:
    """Pool all studies of ``data`` and each subgroup separately, and test subgroup differences
    (any data type; ``groups`` as in :func:`pool_subgroups`)."""
    names = [str(g) for g in groups]
    if len(names) != len(data):
        raise ValueError(f"groups has {len(names)} entries for {len(data)} studies")
    order = list(dict.fromkeys(names))
    member = np.array(names, dtype=object)
    keep = np.vstack([np.ones(len(data), dtype=bool), *(member == g for g in order)])
    overall, *subs = pool_rows(data, opts, keep)
    return SubgroupResult(
        overall=overall,
        subgroups=list(zip(order, subs, strict=True)),
        difference=subgroup_difference(subs),
    )
