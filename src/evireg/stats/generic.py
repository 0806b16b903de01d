"""Generic inverse-variance pooling: per-study effects and variances in, a :class:`PoolResult` out.

Any data type whose studies come as an analysis-scale estimate ``yi`` and its variance ``vi``
(MD, SMD, RD, or an adjusted log OR / log HR with its SE) pools here through the same kernel as
:func:`.single.pool` (:func:`.combine.combine` with the IV method), so the fixed and random
combination, HKSJ and the prediction intervals are the kernel's.  Ratio measures are given and
pooled on the log scale and shown exponentiated; difference measures stay raw.

On top of the kernel a single analysis gets the Q-profile confidence interval for tau2 (and for
tau) and I2 from tau2 (:mod:`.tau2`, :mod:`.heterogeneity`).

Invalid input (mismatched lengths, a non-finite estimate, a non-positive or non-finite variance,
an unknown measure or option) raises ``ValueError`` naming the study or the option.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from .backends import SCALAR
from .combine import combine
from .effects import ESTIMABLE, Effects, study_intervals
from .options import normalise_options
from .results import PoolResult, StudyResult
from .single import _back, assemble_result

__all__ = ["GENERIC_MEASURES", "GENERIC_RATIO_MEASURES", "pool_generic"]

# analysed on the log scale, shown exponentiated
GENERIC_RATIO_MEASURES: tuple[str, ...] = ("OR", "RR", "HR", "IRR", "RoM")
GENERIC_MEASURES: tuple[str, ...] = (*GENERIC_RATIO_MEASURES, "MD", "SMD", "RD")


def _measure(value: object) -> str:
    found = {m.lower(): m for m in GENERIC_MEASURES}.get(str(value).lower())
    if found is None:
        raise ValueError(f"measure must be one of {', '.join(GENERIC_MEASURES)}; got {value!r}")
    return found


def _vector(name: str, values: Any) -> np.ndarray[Any, np.dtype[np.float64]]:
    try:
        out = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be numbers") from None
    if out.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional")
    return out


def pool_generic(
    yi: Any,
    vi: Any,
    *,
    measure: str = "MD",
    model: str = "fixed",
    tau2_method: str = "DL",
    hksj: bool = False,
    level: float = 0.95,
    labels: Sequence[str] | None = None,
) -> PoolResult:
    """Inverse-variance pooling of k analysis-scale estimates ``yi`` with variances ``vi``."""
    canon = _measure(measure)
    ratio = canon in GENERIC_RATIO_MEASURES
    # the options' checks (model, tau2 method, HKSJ, level); the measure is the generic one
    opts = replace(normalise_options("OR", "IV", model, tau2_method, hksj, level), measure=canon)
    y, v = _vector("yi", yi), _vector("vi", vi)
    if len(y) != len(v):
        raise ValueError(f"yi and vi differ in length ({len(y)} and {len(v)})")
    labs = [f"Study {i + 1}" for i in range(len(y))] if labels is None else [str(s) for s in labels]
    if len(labs) != len(y):
        raise ValueError(f"labels and yi differ in length ({len(labs)} and {len(y)})")
    if len(y) == 0:
        raise ValueError("no studies to pool")
    for lab, est, var in zip(labs, y.tolist(), v.tolist(), strict=True):
        if not math.isfinite(est):
            raise ValueError(f"{lab}: yi must be a finite number; got {est!r}")
        if not (math.isfinite(var) and var > 0.0):
            raise ValueError(f"{lab}: vi must be a positive finite number; got {var!r}")

    k = len(y)
    effects = Effects(
        yi=y[None, :],
        vi=v[None, :],
        status=np.full((1, k), ESTIMABLE, dtype=np.int8),
        corrected=np.zeros((1, k), dtype=bool),
        cells=None,
    )
    pooled = combine(effects, opts, SCALAR)

    def at(name: str) -> float:
        return float(getattr(pooled, name)[0])

    lo, hi = study_intervals(y, v, SCALAR.norm_ppf(opts.z_quantile))
    studies = [
        StudyResult(
            label=lab,
            estimate=_back(ratio, est),
            ci_low=_back(ratio, low),
            ci_high=_back(ratio, high),
            weight=w,
            yi=est,
            vi=var,
            events_t=0,
            total_t=0,
            events_c=0,
            total_c=0,
            excluded=None,
            corrected=False,
            has_counts=False,
        )
        for lab, est, var, low, high, w in zip(
            labs, y.tolist(), v.tolist(), lo.tolist(), hi.tolist(), pooled.weight[0].tolist(), strict=True
        )
    ]
    return assemble_result(pooled, 0, opts, studies, [], measure=canon, method="IV", ratio=ratio)
