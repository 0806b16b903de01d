"""evireg: an evidence registry for meta-analysis of clinical trials.

The public API (see docs/python-api.md)::

    import evireg
    reg = evireg.open()                 # the bundled registry, or evireg.open("my-review")
    ans = reg.pool(outcome="live_birth")
    ans.estimate, ans.ci_low, ans.ci_high
    ans.to_dict()                       # the JSON of `evireg pool --format json`
    ans.to_frame()                      # one row per study (pandas)
    reg.query("select * from two_by_two where year > $y", y=2000).df()
    evireg.pool("tables.csv", measure="RR", model="random")

Names are loaded on first use, so `import evireg` stays instant.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from evireg._version import __version__

if TYPE_CHECKING:
    from evireg.api import Options, Registry, init, open, pool
    from evireg.errors import (
        EviregError,
        InvalidOption,
        InvalidRecords,
        LockTimeout,
        Problem,
        QueryRefused,
        RegistryNotFound,
        UserError,
    )
    from evireg.review.audit import AuditReport
    from evireg.review.question import Answer
    from evireg.review.report import Report

__all__ = [
    "Answer",
    "AuditReport",
    "EviregError",
    "InvalidOption",
    "InvalidRecords",
    "LockTimeout",
    "Options",
    "Problem",
    "QueryRefused",
    "Registry",
    "RegistryNotFound",
    "Report",
    "UserError",
    "__version__",
    "init",
    "open",
    "pool",
]

_HOMES = {
    "Options": "evireg.api",
    "Registry": "evireg.api",
    "init": "evireg.api",
    "open": "evireg.api",
    "pool": "evireg.api",
    "Answer": "evireg.review.question",
    "AuditReport": "evireg.review.audit",
    "Report": "evireg.review.report",
    **dict.fromkeys(
        ("EviregError", "InvalidOption", "InvalidRecords", "LockTimeout", "Problem", "QueryRefused",
         "RegistryNotFound", "UserError"),
        "evireg.errors",
    ),
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'evireg' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
