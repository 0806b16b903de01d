"""From a question's inputs to the statistics: the options it resolves to and the study data.

A question may leave the measure, method, model and level open; they are settled here, in this
order: what the question says, the outcome's measure in the registry's profile, the profile's
defaults, the data type's default (OR and Mantel-Haenszel for 2x2 tables, MD and inverse
variance for continuous data, the rows' own measure for generic estimates, HR and Peto for
O - E data).  An option that does not fit the data type is a usage error naming the valid ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from evireg.errors import InvalidOption, UserError
from evireg.review.question import Input, Question

if TYPE_CHECKING:
    from evireg.records.profile import Profile
    from evireg.stats import PoolResult, SubgroupResult
    from evireg.stats.data import StudyData
    from evireg.stats.options import Options

LEVELS = (90, 95, 99)


def data_type_of(inputs: Sequence[Input], declared: str | None = None) -> str:
    """The data type of an analysis: the profile's declaration, else the inputs' (one type)."""
    kinds = {i.data_type for i in inputs}
    if len(kinds) > 1:
        raise UserError(f"the rows mix data types ({', '.join(sorted(kinds))}); pool one type at a time")
    return declared or (kinds.pop() if kinds else "dichotomous")


def resolve(
    q: Question, data_type: str, inputs: Sequence[Input] = (), profile: Profile | None = None
) -> Question:
    """``q`` with its measure, method, model and level settled (see the module docstring)."""
    from evireg.stats.options import TYPE_MEASURES, TYPE_METHODS

    outcome = profile.outcome(q.outcome) if profile is not None else None
    defaults = profile.defaults if profile is not None else None
    row_measures = {i.measure for i in inputs if i.measure}
    measure = q.measure
    if measure is None and outcome is not None and outcome.measure is not None:
        measure = outcome.measure
    if measure is None and data_type == "generic" and len(row_measures) == 1:
        measure = row_measures.pop()
    if measure is None and defaults is not None and defaults.measure in TYPE_MEASURES[data_type]:
        measure = defaults.measure
    method = q.method
    if method is None and defaults is not None and str(defaults.method) in TYPE_METHODS[data_type]:
        method = str(defaults.method)
    model = q.model if q.model is not None else (str(defaults.model) if defaults is not None else "fixed")
    level = q.level if q.level is not None else (defaults.level if defaults is not None else 95)
    resolved = replace(q, measure=measure or TYPE_MEASURES[data_type][0],
                       method=method or TYPE_METHODS[data_type][0], model=model, level=level)
    options(resolved, data_type)  # refuse what does not fit, before any work
    return resolved


def options(q: Question, data_type: str) -> Options:
    """The statistics' options for a resolved question; a misfit is a usage error."""
    from evireg.stats.options import TYPE_MEASURES, TYPE_METHODS, normalise_options

    if q.level not in LEVELS:
        raise InvalidOption(f"--level must be one of {', '.join(map(str, LEVELS))}; got {q.level!r}",
                            [str(v) for v in LEVELS])
    try:
        return normalise_options(q.measure, q.method, q.model or "fixed", q.tau2_method, q.hksj,
                                 (q.level or 95) / 100.0, data_type)
    except ValueError as e:
        text = str(e)
        if text.startswith("measure"):
            raise InvalidOption(f"--measure: {text}", list(TYPE_MEASURES[data_type])) from None
        if text.startswith("method") or "Peto" in text:
            raise InvalidOption(f"--method: {text}", list(TYPE_METHODS[data_type])) from None
        raise InvalidOption(text) from None


def study_data(inputs: Sequence[Input], data_type: str, measure: str | None = None) -> StudyData:
    """The inputs as the statistics' study data (checked there again, named by study)."""
    from evireg.stats.data import COLUMNS, StudyData

    labels = [i.study for i in inputs]
    kind = "generic" if data_type == "generic" else data_type
    if kind == "generic":
        other = sorted({i.measure for i in inputs if i.measure and measure and i.measure != measure})
        if other:
            raise UserError(f"the rows estimate {', '.join(other)}, not {measure}: generic estimates pool "
                            f"only with rows of the same measure (pass --measure {other[0]})")
    cols = [[i.values[c] for i in inputs] for c in COLUMNS[kind]]
    try:
        return StudyData.of(kind, cols, labels)
    except ValueError as e:
        raise UserError(f"cannot pool: {e}") from None


def pool_inputs(
    inputs: Sequence[Input], q: Question, data_type: str | None = None
) -> PoolResult | SubgroupResult | None:
    """Pool a question's inputs (resolved question; its data type from the inputs)."""
    from evireg.stats.single import pool_data
    from evireg.stats.subgroups import pool_subgroups_data

    if not inputs:
        return None
    kind = data_type_of(inputs, data_type)
    opts = options(q, kind)
    data = study_data(inputs, kind, opts.measure)
    try:
        if q.by is None:
            return pool_data(data, opts)
        return pool_subgroups_data(data, [i.subgroup for i in inputs], opts)
    except ValueError as e:
        raise UserError(f"cannot pool: {e}") from None


def kernel_args(inputs: Sequence[Input], q: Question) -> tuple[StudyData, Options]:
    """The study data and options of a question, for sensitivity analyses."""
    kind = data_type_of(inputs)
    opts = options(q, kind)
    return study_data(inputs, kind, opts.measure), opts
