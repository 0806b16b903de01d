"""`evireg.pool` and `evireg.api.sensitivity`: pooling study rows (2x2, continuous, generic or
O - E) given directly (a CSV file, a DataFrame, columns, rows) rather than read from a registry,
and how that answer moves; `evireg pool --csv`, `sensitivity --csv` and `plot ... --csv` stand
on them."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evireg.api.options import Options, question
from evireg.errors import UserError

if TYPE_CHECKING:
    from evireg.review.question import Answer
    from evireg.review.report import Sensitivity



def _columns(data: Any) -> dict[str, list[Any]]:
    """Columns of a pandas or polars DataFrame, a mapping of sequences, or a list of row dicts."""
    if hasattr(data, "to_dict") and hasattr(data, "columns"):
        cols = [str(c) for c in data.columns]
        if hasattr(data, "get_column"):  # polars
            return {c: list(data.get_column(c)) for c in cols}
        return {c: list(data[c]) for c in cols}
    if isinstance(data, Mapping):
        return {str(k): list(v) for k, v in data.items()}
    if isinstance(data, Sequence) and not isinstance(data, str | bytes):
        rows = list(data)
        keys = list(dict.fromkeys(k for r in rows for k in r))
        return {k: [r.get(k) for r in rows] for k in keys}
    raise UserError(
        "pool: give a CSV path, a DataFrame, a mapping of columns or a list of row mappings "
        f"(got {type(data).__name__})"
    )


def pool(
    data: Any = None,
    *,
    measure: str | None = None,
    method: str | None = None,
    model: str | None = None,
    tau2: str = "DL",
    hksj: bool = False,
    level: int | None = None,
    by: str | None = None,
    outcome: str | None = None,
    **columns: Iterable[Any],
) -> Answer:
    """Pool study rows given directly rather than from a registry.

    ``data`` is a CSV file (``str`` or ``Path``, columns as ``evireg pool --csv``), a pandas or
    polars DataFrame, a mapping of column name to values, or a list of row mappings; or give the
    columns as keywords::

        evireg.pool(study=["A", "B"], events_treat=[5, 8], total_treat=[50, 60],
                    events_ctrl=[10, 9], total_ctrl=[50, 58])

    Columns (the names decide the data type): ``study`` and one of
    ``events_treat, total_treat, events_ctrl, total_ctrl`` (2x2 tables),
    ``mean_treat, sd_treat, n_treat, mean_ctrl, sd_ctrl, n_ctrl`` (continuous; MD or SMD),
    ``estimate, se`` (generic inverse variance, on the analysis scale: log for ratio measures,
    named by ``measure``) or ``o_minus_e, variance`` (Peto log hazard ratios); optionally
    ``subgroup``. The provenance of each row is its position (CSV: its row number).

    Parameters
    ----------
    data : the tables, as above (or None, with the columns as keywords).
    measure, method, model, tau2, hksj, level : see :class:`evireg.Options`.
    by : the name of the grouping in the ``subgroup`` column; rows with a subgroup are pooled
        by it anyway, but with ``by`` every row must have one.
    outcome : what the answer's question calls the data (default: the CSV file's name, or
        ``"data"``).

    Returns
    -------
    Answer : as :meth:`evireg.Registry.pool` returns it.
    """
    from evireg.review.analysis import answer_from_csv, answer_from_rows

    opts = Options(measure, method, model, tau2, hksj, level)
    q = question(outcome or "data", by=by, review=None, where=None, options=opts)
    if isinstance(data, str | os.PathLike):
        return answer_from_csv(Path(data), replace(q, outcome=outcome or Path(data).name))
    cols = dict(columns) if data is None else _columns(data)
    return answer_from_rows({k: list(v) for k, v in cols.items()}, q)


def sensitivity(
    data: Any = None,
    *,
    measure: str | None = None,
    method: str | None = None,
    model: str | None = None,
    tau2: str = "DL",
    hksj: bool = False,
    level: int | None = None,
    by: str | None = None,
    outcome: str | None = None,
    **columns: Iterable[Any],
) -> tuple[Answer, Sensitivity]:
    """The answer :func:`pool` gives for the same rows, and how it moves: the other model, each
    study left out, the studies added in order of a ``year`` column (rows without one last), and
    Egger's test (``evireg sensitivity --csv``). The filters by design and risk of bias of
    :meth:`evireg.Registry.sensitivity` need study records, so a table has none."""
    from evireg.review.report import sensitivity_of_rows

    main = pool(data, measure=measure, method=method, model=model, tau2=tau2, hksj=hksj, level=level, by=by,
                outcome=outcome, **columns)
    return main, sensitivity_of_rows(main)
