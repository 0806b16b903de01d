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
    """How to pool: the one vocabulary shared by the library, the command line and the JSON."""

    measure: str = "OR"
    method: str = "MH"
    model: str = "fixed"
    tau2: str = "DL"
    hksj: bool = False


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
        outcome, by, options.measure, options.method, options.model, options.tau2, options.hksj, where, review
    )
