"""The public Python API: what `import evireg` offers, and what the command line stands on.

    >>> import evireg
    >>> reg = evireg.open()                      # the bundled registry; or evireg.open("my-review")
    >>> ans = reg.pool(outcome="live_birth")     # Mantel-Haenszel OR, fixed effect
    >>> round(ans.estimate, 2), ans.k
    (2.04, 8)

Every heavy dependency (duckdb, numpy, pydantic) is imported inside the method that needs it,
so importing this module costs nothing at start-up.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evireg.errors import UserError

if TYPE_CHECKING:
    import duckdb

    from evireg.index.add import AddReport
    from evireg.index.build import BuildInfo
    from evireg.interop.export import Exported
    from evireg.registry.loading import ValidationReport
    from evireg.registry.paths import Registry as Paths
    from evireg.review.audit import AuditReport
    from evireg.review.question import Answer, Question
    from evireg.review.report import Report, Sensitivity

PathLike = str | os.PathLike[str]


@dataclass(frozen=True)
class Options:
    """How to pool: the one vocabulary shared by the library, the command line and the JSON."""

    measure: str = "OR"
    method: str = "MH"
    model: str = "fixed"
    tau2: str = "DL"
    hksj: bool = False


def _question(
    outcome: str,
    *,
    by: str | None,
    review: str | None,
    where: str | None,
    options: Options,
) -> Question:
    from evireg.review.question import Question

    return Question(
        outcome, by, options.measure, options.method, options.model, options.tau2, options.hksj, where, review
    )


@dataclass
class Registry:
    """An evidence registry on disk: its study and review files and the index derived from them.

    Open one with :func:`evireg.open`. Reading methods open the index read-only, with no file,
    network or extension access, and rebuild it first when the files changed. A registry holds
    one read-only connection for :meth:`query`; close it with :meth:`close` or a ``with`` block.
    A relation returned by :meth:`query` is read from that connection, so fetch it (``.df()``,
    ``.fetchall()``) before calling another method, which closes it to see the files as they are.
    """

    paths: Paths
    _stack: contextlib.ExitStack | None = field(default=None, repr=False)
    _con: duckdb.DuckDBPyConnection | None = field(default=None, repr=False)

    @property
    def root(self) -> Path:
        """The registry folder."""
        return self.paths.root

    # -- reading ---------------------------------------------------------------------------

    def _connection(self) -> duckdb.DuckDBPyConnection:
        if self._con is None:
            from evireg.index.fresh import connect_readonly

            stack = contextlib.ExitStack()
            self._con = stack.enter_context(connect_readonly(self.paths))
            self._stack = stack
        return self._con

    def query(self, sql: str, /, **params: Any) -> duckdb.DuckDBPyRelation:
        """One read-only SQL statement over the views, values bound as ``$name``.

        Returns a DuckDB relation: ``.df()``, ``.fetchall()``, ``.arrow()`` (with pyarrow).
        Raises :class:`evireg.QueryRefused` for anything but a read statement.
        """
        from evireg.index.query import check_read_only

        check_read_only(sql)
        return self._connection().sql(sql, params=params or None)

    def studies(self) -> duckdb.DuckDBPyRelation:
        """The ``studies`` view: one row per study."""
        return self.query("SELECT * FROM studies ORDER BY study_id")

    def views(self) -> dict[str, list[tuple[str, str]]]:
        """Every view and its columns with their SQL types."""
        from evireg.index.connection import view_columns

        return view_columns(self._connection())

    def pool(
        self,
        outcome: str,
        *,
        by: str | None = None,
        review: str | None = None,
        where: str | None = None,
        measure: str = "OR",
        method: str = "MH",
        model: str = "fixed",
        tau2: str = "DL",
        hksj: bool = False,
    ) -> Answer:
        """Pool one outcome over the registry's studies (or a review's included studies).

        Parameters
        ----------
        outcome : an outcome id of the registry, e.g. ``"live_birth"``.
        by : a study characteristic to form subgroups by (``.subgroups`` of the answer).
        review : only this review's included studies.
        where : a filter on the ``studies`` view's columns, e.g. ``"randomised"``; it can only
            remove studies.
        measure, method, model, tau2, hksj : see :class:`Options`.

        Returns
        -------
        Answer : the pooled result with every input's source and locator; ``.to_dict()`` is
            the JSON of ``evireg pool --format json``.
        """
        self.close()  # see the class notes: another method may rebuild the index
        from evireg.review.analysis import answer

        opts = Options(measure, method, model, tau2, hksj)
        return answer(self.paths, _question(outcome, by=by, review=review, where=where, options=opts))

    def sensitivity(
        self, outcome: str, *, by: str | None = None, review: str | None = None, where: str | None = None,
        measure: str = "OR", method: str = "MH", model: str = "fixed", tau2: str = "DL",
    ) -> tuple[Answer, Sensitivity]:
        """The answer and how it moves: other model, study filters, leave-one-out, cumulative, Egger."""
        self.close()  # see the class notes: another method may rebuild the index
        from evireg.review.report import sensitivity_report

        opts = Options(measure, method, model, tau2, False)
        q = _question(outcome, by=by, review=review, where=where, options=opts)
        return sensitivity_report(self.paths, q)

    def report(self, review: str | None = None) -> Report:
        """Every analysis of a review, recomputed from the registry (``evireg report``)."""
        self.close()  # see the class notes: another method may rebuild the index
        from evireg.review.report import build_report

        return build_report(self.paths, review)

    def audit(self, review: str | None = None) -> AuditReport:
        """A review's published claims held against the registry and against themselves."""
        self.close()  # see the class notes: another method may rebuild the index
        from evireg.review.audit import audit

        return audit(self.paths, review)

    def validate(self) -> ValidationReport:
        """Every problem of every file (``.problems``); an empty list means the registry is valid."""
        self.close()  # see the class notes: another method may rebuild the index
        from evireg.registry.loading import validate_paths

        return validate_paths([self.root])

    # -- writing ---------------------------------------------------------------------------

    def add(self, *paths: PathLike, replace: bool = False, skip_invalid: bool = False) -> AddReport:
        """Validate record files (YAML, JSON, JSON Lines, folders) and file them, all or none."""
        self.close()  # see the class notes: another method may rebuild the index
        from evireg.index.add import add_files

        return add_files(self.paths, [Path(p) for p in paths], replace=replace, skip_invalid=skip_invalid)

    def build(self) -> BuildInfo:
        """Rebuild the index from the files."""
        from evireg.index.build import build

        self.close()
        return build(self.paths)

    def export(self, out: PathLike, format: str = "parquet") -> Exported:
        """Every view as Parquet or CSV files, or a Frictionless data package."""
        self.close()  # see the class notes: another method may rebuild the index
        from evireg.interop.export import export_views

        return export_views(self.paths, Path(out), format)

    # -- lifetime --------------------------------------------------------------------------

    def close(self) -> None:
        """Close the read-only connection (a later query opens a new one)."""
        if self._stack is not None:
            self._stack.close()
        self._stack = self._con = None

    def __enter__(self) -> Registry:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open(path: PathLike | None = None) -> Registry:
    """Open a registry folder; ``None`` opens ``$EVIREG_REGISTRY`` or else the bundled registry.

    Raises :class:`evireg.RegistryNotFound` when the folder is not a registry.
    """
    from evireg.registry.paths import resolve

    return Registry(resolve(path))


def init(path: PathLike) -> Registry:
    """Start an empty registry in ``path`` and open it."""
    from evireg.registry.layout import init_registry

    return Registry(init_registry(Path(path)))


# -- pooling data that is not in a registry ------------------------------------------------

DICHOTOMOUS = ("events_treat", "total_treat", "events_ctrl", "total_ctrl")


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
    measure: str = "OR",
    method: str = "MH",
    model: str = "fixed",
    tau2: str = "DL",
    hksj: bool = False,
    **columns: Iterable[Any],
) -> Answer:
    """Pool 2x2 tables given directly rather than from a registry.

    ``data`` is a CSV file (``str`` or ``Path``, columns as ``evireg pool --csv``), a pandas or
    polars DataFrame, a mapping of column name to values, or a list of row mappings; or give the
    columns as keywords::

        evireg.pool(study=["A", "B"], events_treat=[5, 8], total_treat=[50, 60],
                    events_ctrl=[10, 9], total_ctrl=[50, 58])

    Columns: ``study, events_treat, total_treat, events_ctrl, total_ctrl`` and optionally
    ``subgroup``. The provenance of each row is its position (CSV: its row number).
    """
    from evireg.review.analysis import answer_from_csv, answer_from_rows

    opts = Options(measure, method, model, tau2, hksj)
    q = _question("data", by=None, review=None, where=None, options=opts)
    if isinstance(data, str | os.PathLike):
        return answer_from_csv(Path(data), replace(q, outcome=Path(data).name))
    cols = dict(columns) if data is None else _columns(data)
    return answer_from_rows({k: list(v) for k, v in cols.items()}, q)
