"""The pooling options of the public API, and the question they make with an outcome.

One small module beneath the others of evireg.api, so that the registry's methods and
:func:`evireg.pool` share the defaults without importing each other.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from evireg.review.question import Question

PathLike = str | os.PathLike[str]


@dataclass(frozen=True)
class Options:
    """How to pool: the one vocabulary shared by the library, the command line and the JSON.

    ``measure``, ``method``, ``model`` and ``level`` left as None take the outcome's defaults:
    the registry profile's (its outcome's measure, its ``defaults``), else the data type's (OR
    and Mantel-Haenszel for 2x2 tables, MD and inverse variance for continuous data, the rows'
    own measure for generic estimates, HR and Peto for O - E data; fixed effect; 95%).
    ``level`` is the CI level in percent: 90, 95 or 99.
    """

    measure: str | None = None
    method: str | None = None
    model: str | None = None
    tau2: str = "DL"
    hksj: bool = False
    level: int | None = None


def question(
    outcome: str,
    *,
    by: str | None,
    review: str | None,
    where: str | None,
    options: Options,
) -> Question:
    """The library's question about ``outcome``, asked with ``options``."""
    from evireg.review.question import Question

    return Question(
        outcome, by, options.measure, options.method, options.model, options.tau2, options.hksj, where,
        review, options.level,
    )
