"""The public Python API: what `import evireg` offers, and what the command line stands on.

    >>> import evireg
    >>> reg = evireg.open()                      # the bundled registry; or evireg.open("my-review")
    >>> ans = reg.pool(outcome="live_birth")     # Mantel-Haenszel OR, fixed effect
    >>> round(ans.estimate, 2), ans.k
    (2.04, 8)

Every heavy dependency (duckdb, numpy, pydantic) is imported inside the method that needs it,
so importing this package costs nothing at start-up. The registry is here; beside it, pooling
data given directly (pooling.py), record files outside a registry (records.py), the inputs of
`fetch` (sql.py) and double extraction (extraction.py).
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evireg.api.extraction import Adjudicated, Adjudication, compare_files
from evireg.api.options import Options, PathLike
from evireg.api.options import question as _question
from evireg.api.pooling import pool, sensitivity
from evireg.api.records import check_study, schemas, validate, write_schemas
from evireg.api.sql import check_timeout, query_params
from evireg.errors import UserError

if TYPE_CHECKING:
    import duckdb

    from evireg.errors import Problem
    from evireg.extraction import Comparison
    from evireg.index.add import Added, AddReport
    from evireg.index.build import BuildInfo
    from evireg.index.connection import QueryResult
    from evireg.interop.export import Exported
    from evireg.records.profile import Profile
    from evireg.records.review import Review
    from evireg.records.study import Study
    from evireg.registry.loading import ValidationReport
    from evireg.registry.paths import Registry as Paths
    from evireg.review.audit import AuditReport
    from evireg.review.question import Answer
    from evireg.review.report import Report, Sensitivity
    from evireg.review.rob import RobReport
    from evireg.review.sof import SummaryOfFindings
    from evireg.site.build import SiteInfo

__all__ = [
    "Adjudicated",
    "Adjudication",
    "Options",
    "PathLike",
    "Registry",
    "check_study",
    "check_timeout",
    "compare_files",
    "init",
    "open",
    "pool",
    "query_params",
    "schemas",
    "sensitivity",
    "validate",
    "write_schemas",
]


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

    @property
    def writable(self) -> bool:
        """Whether records can be added here: never the bundled registry opened by default, nor a
        folder this process may not write."""
        return not self.paths.bundled and self.paths.writable

    def check_writable(self) -> None:
        """Raise :class:`evireg.UserError` saying how to start one's own registry when this one
        cannot take records (call it before asking a user for a whole study)."""
        from evireg.registry.paths import refuse_bundled

        refuse_bundled(self.paths)
        if not self.paths.writable:
            raise UserError(
                f"{self.root}: this registry is read-only; start your own with `evireg init PATH`"
            )

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

    def fetch(
        self,
        sql: str,
        params: Mapping[str, Any] | None = None,
        *,
        max_rows: int = 10_000,
        timeout: float = 30.0,
    ) -> QueryResult:
        """Run one read-only statement over the views with caps on rows and time (``evireg query``).

        Parameters
        ----------
        sql : one read statement (SELECT, WITH, EXPLAIN, DESCRIBE, SHOW, SUMMARIZE).
        params : values bound as ``$name`` (see :func:`evireg.api.query_params`).
        max_rows : at most this many rows are fetched.
        timeout : seconds before the statement is stopped (see :func:`evireg.api.check_timeout`).

        Returns
        -------
        QueryResult : ``.columns``, ``.types``, ``.rows``, and ``.truncated`` (whether there were
            more rows than ``max_rows``).

        Raises
        ------
        QueryRefused : for anything but one read statement, a failing one, or one out of time.
        """
        self.close()  # see the class notes: the index may be rebuilt first
        from evireg.index.query import run_query

        return run_query(self.paths, sql, dict(params or {}), max_rows=max_rows, timeout_s=timeout)

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
        measure: str | None = None,
        method: str | None = None,
        model: str | None = None,
        tau2: str = "DL",
        hksj: bool = False,
        level: int | None = None,
    ) -> Answer:
        """Pool one outcome over the registry's studies (or a review's included studies).

        Parameters
        ----------
        outcome : an outcome id of the registry, e.g. ``"live_birth"``.
        by : a study characteristic to form subgroups by (``.subgroups`` of the answer).
        review : only this review's included studies.
        where : a filter on the ``studies`` view's columns, e.g. ``"randomised"``; it can only
            remove studies.
        measure, method, model, tau2, hksj, level : see :class:`Options` (None: the outcome's
            defaults).

        Returns
        -------
        Answer : the pooled result with every input's source and locator; ``.to_dict()`` is
            the JSON of ``evireg pool --format json``.
        """
        self.close()  # see the class notes: another method may rebuild the index
        from evireg.review.analysis import answer

        opts = Options(measure, method, model, tau2, hksj, level)
        return answer(self.paths, _question(outcome, by=by, review=review, where=where, options=opts))

    def sensitivity(
        self, outcome: str, *, by: str | None = None, review: str | None = None, where: str | None = None,
        measure: str | None = None, method: str | None = None, model: str | None = None, tau2: str = "DL",
        hksj: bool = False,
        level: int | None = None,
    ) -> tuple[Answer, Sensitivity]:
        """The answer and how it moves: other model, study filters, leave-one-out, cumulative, Egger
        (under HKSJ when ``hksj``, which needs ``model="random"``)."""
        self.close()  # see the class notes: another method may rebuild the index
        from evireg.review.report import sensitivity_report

        opts = Options(measure, method, model, tau2, hksj, level)
        q = _question(outcome, by=by, review=review, where=where, options=opts)
        return sensitivity_report(self.paths, q)

    def report(self, review: str | None = None) -> Report:
        """Every analysis of a review, recomputed from the registry (``evireg report``)."""
        self.close()  # see the class notes: another method may rebuild the index
        from evireg.review.report import build_report

        return build_report(self.paths, review)

    def sof(self, review: str | None = None) -> SummaryOfFindings:
        """The GRADE summary of findings of a review (``evireg sof``): per outcome the relative and
        absolute effects, participants (studies) and the certainty, the review's rating when it
        gives one, else suggested from the data."""
        self.close()  # see the class notes: another method may rebuild the index
        from evireg.review.sof import build_sof

        return build_sof(self.paths, review)

    def audit(self, review: str | None = None) -> AuditReport:
        """A review's published claims held against the registry and against themselves."""
        self.close()  # see the class notes: another method may rebuild the index
        from evireg.review.audit import audit

        return audit(self.paths, review)

    def audit_all(self, progress: Callable[[int, int, str], None] | None = None) -> list[AuditReport]:
        """Every review of the registry audited (``evireg audit --all``); ``progress(done, total,
        review)`` is called as it goes."""
        self.close()  # see the class notes: another method may rebuild the index
        from evireg.review.audit import audit_all

        return audit_all(self.paths, progress)

    def risk_of_bias(self, outcome: str | None = None, review: str | None = None) -> RobReport:
        """The risk-of-bias assessments (``evireg rob``): a table per outcome and tool, studies by
        domains with the overall, each judgement with its support and provenance.

        Parameters
        ----------
        outcome : only this outcome (default: every outcome with assessments).
        review : only this review's included studies.
        """
        self.close()  # see the class notes: another method may rebuild the index
        from evireg.review.rob import risk_of_bias

        return risk_of_bias(self.paths, outcome, review)

    def validate(self) -> ValidationReport:
        """Every problem of every file (``.problems``); an empty list means the registry is valid."""
        self.close()  # see the class notes: another method may rebuild the index
        from evireg.registry.loading import validate_paths

        return validate_paths([self.root])

    def record_problems(self) -> list[Problem]:
        """The problems of the study and review files, each and across them (ids, links).

        What :meth:`validate` reports less the extraction files' checks, found by reading only
        (validate first finishes a commit that a killed writer left half done).
        """
        self.close()  # see the class notes: another method may rebuild the index
        from evireg.registry.loading import load_registry

        return load_registry(self.paths).problems

    def profile(self) -> Profile:
        """The registry's profile (``evireg.yaml``): its outcomes, study characteristics and arm
        labels. Raises :class:`evireg.UserError` when it is missing or invalid."""
        from evireg.registry.profile import load_profile

        return load_profile(self.paths)

    def study_ids(self) -> set[str]:
        """The ids of the study files in ``studies/`` (each file is named for its study)."""
        from evireg.registry.paths import record_files

        return {f.stem for f in record_files(self.paths) if f.parent == self.paths.studies_dir}

    def compare(self, study: str, extractors: Sequence[str] | None = None) -> Comparison:
        """Compare two extractions of a study, field by field (``evireg compare STUDY``).

        Parameters
        ----------
        study : a study id with extraction files in ``extractions/STUDY/``.
        extractors : the two extractors to compare, when the study has more than two.

        Returns
        -------
        Comparison : every field path with both values, whether they agree, and where each was
            read; ``.rate`` is the share of fields that agree.
        """
        from evireg.extraction import compare_extractions, pick_pair, study_extractions

        a, b = pick_pair(study_extractions(self.paths, study), list(extractors or []))
        return compare_extractions(a, b)

    def write_schemas(self, out: PathLike | None = None) -> list[Path]:
        """Write the generic JSON Schemas and this registry's own (outcome ids, subgroup
        variables and characteristic values as enums from its profile) into ``out``, by default
        the registry's ``schemas/`` folder, so editors check its records as `validate` does.

        Returns
        -------
        list of Path : the files written.
        """
        from evireg.records.schemas import registry_schemas, schema_texts
        from evireg.registry.fileio import write_atomically
        from evireg.registry.profile import load_profile

        folder = Path(out) if out is not None else self.root / "schemas"
        texts = {**schema_texts(), **registry_schemas(load_profile(self.paths))}
        files = {folder / name: text for name, text in texts.items()}
        write_atomically(files)
        return sorted(files)

    # -- writing ---------------------------------------------------------------------------

    def add(self, *paths: PathLike, replace: bool = False, skip_invalid: bool = False) -> AddReport:
        """Validate record files (YAML, JSON, JSON Lines, folders) and file them, all or none."""
        self.close()  # see the class notes: another method may rebuild the index
        from evireg.index.add import add_files

        return add_files(self.paths, [Path(p) for p in paths], replace=replace, skip_invalid=skip_invalid)

    def add_records(
        self, records: Iterable[tuple[str, Study | Review]], *, replace: bool = False
    ) -> list[Added]:
        """File records built in memory (see :func:`evireg.api.check_study`), all or none.

        Parameters
        ----------
        records : each record with a label that names it in messages, as a file name would.
        replace : overwrite records with the same id.

        Returns
        -------
        list of Added : each record's id, kind, file, and whether it replaced one.
        """
        self.close()  # see the class notes: another method may rebuild the index
        from evireg.index.add import add_records

        return add_records(self.paths, list(records), replace=replace)

    def adjudication(
        self, study: str, *, extractors: Sequence[str] | None = None, resolutions: PathLike | None = None
    ) -> Adjudication:
        """Start adjudicating a study's two extractions (``evireg adjudicate``).

        Parameters
        ----------
        study, extractors : as for :meth:`compare`.
        resolutions : a resolution file (YAML: ``adjudicator``, and per disagreeing field path
            ``choose``, ``value``, ``reason``); default ``extractions/STUDY/resolutions.yaml``
            if there is one.

        Returns
        -------
        Adjudication : the comparison and the resolutions read; then :meth:`save_adjudication`.
        """
        from evireg.api.extraction import start

        return start(self.paths, study, self.compare(study, extractors), resolutions)

    def save_adjudication(
        self, adjudication: Adjudication, record: Study, adjudicator: str, on: dt.date | None = None
    ) -> Adjudicated:
        """Write an adjudicated study and the log of its decisions, in one commit.

        Parameters
        ----------
        adjudication : from :meth:`adjudication`, with every disagreement resolved.
        record : its :meth:`Adjudication.record`, written as the study's file.
        adjudicator, on : who decided, and when (default: today), for the log written beside
            the extractions, which are kept as they are.
        """
        self.close()  # see the class notes: another method may rebuild the index
        from evireg.extraction import adjudication_log, save_adjudication

        adj = adjudication
        log = adjudication_log(adj.comparison, adj.resolutions, adjudicator, on or dt.date.today())
        path, log_file, replaced = save_adjudication(self.paths, record, log)
        return Adjudicated(path, log_file, replaced, len(log.decisions))

    def build(self) -> BuildInfo:
        """Rebuild the index from the files."""
        from evireg.index.build import build
        from evireg.registry.paths import refuse_bundled

        refuse_bundled(self.paths)
        self.close()
        return build(self.paths)

    def export(self, out: PathLike, format: str = "parquet") -> Exported:
        """Every view as Parquet or CSV files, or a Frictionless data package."""
        self.close()  # see the class notes: another method may rebuild the index
        from evireg.interop.export import export_views

        return export_views(self.paths, Path(out), format)

    def site(self, out: PathLike, review: str | None = None) -> SiteInfo:
        """Publish a review as a static website (``evireg site``): an index, a page per analysis
        and per study with every number linked to its source, the audit, risk of bias, summary
        of findings and the registry's data; plain files, byte-identical for the same registry."""
        self.close()  # see the class notes: another method may rebuild the index
        from evireg.site.build import build_site

        return build_site(self.paths, Path(out), review)

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


def init(path: PathLike, *, example: bool = False) -> Registry:
    """Start a registry in ``path`` and open it: an empty one with a commented profile
    (``evireg.yaml``) and record templates, or with ``example=True`` a small complete one (aspirin
    after myocardial infarction, Fleiss 1993) to try the commands on."""
    from evireg.registry.layout import init_example, init_registry

    return Registry(init_example(Path(path)) if example else init_registry(Path(path)))
