"""Meta-analysis statistics: pure estimators over arrays (numpy; scipy only where needed).

One :class:`StudyData` holds an analysis's studies of any data type (2x2 tables, continuous arms,
generic estimates with SEs, O - E with variances).  The bottom layer of evireg: it imports numpy,
scipy and the standard library, nothing else from evireg.  One kernel (:mod:`.effects` for per-
study effects with RevMan 5's zero-cell rules, :mod:`.combine` for the fixed or random
combination, vectorised over a batch axis) serves :func:`pool`, :func:`pool_subgroups`, the
sensitivity analyses and :func:`pool_batch`.

Names are loaded on first use, so ``import evireg.stats.distributions`` (claim checks) does not
pull in numpy.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .batch import BatchResult, pool_batch, pool_batch_continuous, pool_batch_generic
    from .counts import check_counts, validate_tables
    from .data import StudyData
    from .effects import Effects, StudyTables, binary_effects, study_tables
    from .generic import pool_generic, pool_generic_se
    from .heterogeneity import i2_from_q
    from .options import MEASURES, METHODS, MODELS, RATIO_MEASURES, TAU2_METHODS, Options, normalise_options
    from .results import (
        CumulativeStep,
        EggerResult,
        Heterogeneity,
        LeaveOneOut,
        PoolResult,
        StudyResult,
        SubgroupDifference,
        SubgroupResult,
    )
    from .sensitivity import (
        cumulative,
        cumulative_data,
        egger_data,
        egger_test,
        leave_one_out,
        leave_one_out_data,
    )
    from .single import pool, pool_continuous, pool_data, pool_oe, pool_tables
    from .subgroups import pool_subgroups, pool_subgroups_data, subgroup_difference
    from .tau2 import tau2_dl, tau2_pm, tau2_reml

_HOME = {
    "BatchResult": "batch",
    "pool_batch": "batch",
    "pool_batch_continuous": "batch",
    "pool_batch_generic": "batch",
    "pool_continuous": "single",
    "pool_data": "single",
    "pool_oe": "single",
    "pool_generic_se": "generic",
    "StudyData": "data",
    "pool_subgroups_data": "subgroups",
    "leave_one_out_data": "sensitivity",
    "cumulative_data": "sensitivity",
    "egger_data": "sensitivity",
    "pool_generic": "generic",
    "tau2_qprofile_ci": "tau2",
    "check_counts": "counts",
    "validate_tables": "counts",
    "Effects": "effects",
    "StudyTables": "effects",
    "binary_effects": "effects",
    "study_tables": "effects",
    "i2_from_q": "heterogeneity",
    "MEASURES": "options",
    "METHODS": "options",
    "MODELS": "options",
    "RATIO_MEASURES": "options",
    "TAU2_METHODS": "options",
    "Options": "options",
    "normalise_options": "options",
    "CumulativeStep": "results",
    "EggerResult": "results",
    "Heterogeneity": "results",
    "LeaveOneOut": "results",
    "PoolResult": "results",
    "StudyResult": "results",
    "SubgroupDifference": "results",
    "SubgroupResult": "results",
    "cumulative": "sensitivity",
    "egger_test": "sensitivity",
    "leave_one_out": "sensitivity",
    "pool": "single",
    "pool_tables": "single",
    "pool_subgroups": "subgroups",
    "subgroup_difference": "subgroups",
    "tau2_dl": "tau2",
    "tau2_pm": "tau2",
    "tau2_reml": "tau2",
}

__all__ = [
    "MEASURES",
    "METHODS",
    "MODELS",
    "RATIO_MEASURES",
    "TAU2_METHODS",
    "BatchResult",
    "CumulativeStep",
    "Effects",
    "EggerResult",
    "Heterogeneity",
    "LeaveOneOut",
    "Options",
    "PoolResult",
    "StudyData",
    "StudyResult",
    "StudyTables",
    "SubgroupDifference",
    "SubgroupResult",
    "binary_effects",
    "check_counts",
    "cumulative",
    "cumulative_data",
    "egger_data",
    "egger_test",
    "i2_from_q",
    "leave_one_out",
    "leave_one_out_data",
    "normalise_options",
    "pool",
    "pool_batch",
    "pool_batch_continuous",
    "pool_batch_generic",
    "pool_continuous",
    "pool_data",
    "pool_generic",
    "pool_generic_se",
    "pool_oe",
    "pool_subgroups",
    "pool_subgroups_data",
    "pool_tables",
    "study_tables",
    "subgroup_difference",
    "tau2_dl",
    "tau2_pm",
    "tau2_qprofile_ci",
    "tau2_reml",
    "validate_tables",
]


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_HOME))
