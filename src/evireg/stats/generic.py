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

from collections.abc import Sequence
from typing import Any

from .data import StudyData
from .options import TYPE_MEASURES, normalise_options
from .results import PoolResult
from .single import pool_data

__all__ = ["GENERIC_MEASURES", "GENERIC_RATIO_MEASURES", "pool_generic", "pool_generic_se"]

GENERIC_MEASURES: tuple[str, ...] = TYPE_MEASURES["generic"]
# analysed on the log scale, shown exponentiated
GENERIC_RATIO_MEASURES: tuple[str, ...] = ("OR", "RR", "HR", "IRR", "RoM")


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
    opts = normalise_options(measure, "IV", model, tau2_method, hksj, level, "generic")
    data = StudyData.generic_variance(yi, vi, labels)
    if len(data) == 0:
        raise ValueError("no studies to pool")
    return pool_data(data, opts)


def pool_generic_se(
    estimate: Any,
    se: Any,
    *,
    measure: str = "MD",
    model: str = "fixed",
    tau2_method: str = "DL",
    hksj: bool = False,
    level: float = 0.95,
    labels: Sequence[str] | None = None,
) -> PoolResult:
    """Inverse-variance pooling of k estimates with their standard errors, both on the analysis
    scale (log for ratio measures), as the generic `pool --csv` header gives them."""
    opts = normalise_options(measure, "IV", model, tau2_method, hksj, level, "generic")
    data = StudyData.generic(estimate, se, labels)
    if len(data) == 0:
        raise ValueError("no studies to pool")
    return pool_data(data, opts)
