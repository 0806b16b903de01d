"""Validated records on their way into the index: studies as JSON lines reshaped in SQL, reviews
as column-wise rows, inserted in bounded chunks."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evireg.index.connection import sql_text
from evireg.index.derived import derived_json
from evireg.index.rob_overall import rob_json
from evireg.records.review import Review
from evireg.records.study import Study
from evireg.registry.fileio import reported
from evireg.registry.loading import Entry

if TYPE_CHECKING:
    import duckdb

Rows = dict[str, list[Any]]


def _rows(*cols: str) -> Rows:
    return {c: [] for c in cols}


def _add(rows: Rows, **values: Any) -> None:
    for k, v in values.items():
        rows[k].append(v)


def empty_tables() -> dict[str, Rows]:
    """Column lists for the review tables (studies are reshaped in SQL, see load_studies.sql)."""
    return {
        "t_sources": _rows("owner_kind", "owner_id", "source_id", "kind", "pmid", "doi", "url",
                           "citation", "accessed"),
        "t_reviews": _rows("review_id", "file", "first_author", "year", "title", "journal", "pmid", "doi",
                           "n_studies", "n_participants", "n_intervention", "n_control",
                           "totals_source_id", "totals_locator"),
        "t_review_studies": _rows("review_id", "position", "study_id"),
        "t_analyses": _rows("review_id", "position", "analysis_id", "outcome", "subgroup_variable",
                            "measure", "method", "model", "software", "source_id", "locator",
                            "number", "name", "level", "tau2_method", "applicability"),
        "t_printed_rows": _rows("review_id", "analysis_id", "position", "study_id", "label", "subgroup",
                                "estimate_text", "ci_low_text", "ci_high_text", "weight_text", "locator"),
        "t_claims": _rows("review_id", "position", "claim_id", "analysis_id", "subgroup_value",
                          "estimate_text", "ci_low_text", "ci_high_text", "z_text", "p_text", "k",
                          "participants", "source_id", "locator", "chi2_text", "i2_text", "tau2_text"),
    }


class RecordLoader:
    """Validated records on their way into the index, in bounded memory.

    Studies are written as JSON lines to a staging file and reshaped into the tables by
    stage_studies.sql and load_studies.sql (C++ JSON reading and unnesting, far faster than
    Python rows); reviews,
    which are few, become rows here.
    """

    CHUNK = 20_000

    def __init__(self, con: duckdb.DuckDBPyConnection, stage_dir: Path,
                 before_flush: Callable[[], None] | None = None) -> None:
        self.con = con
        self.before_flush = before_flush
        with reported(stage_dir, "create a file in the folder"):
            fd, name = tempfile.mkstemp(dir=stage_dir, prefix=".build-stage-", suffix=".jsonl")
        self.stage = Path(name)
        self.fh = os.fdopen(fd, "w", encoding="utf-8")
        self.tables = empty_tables()
        self.pending = 0

    def add(self, entry: Entry, file: str | None = None) -> None:
        """Queue a valid record (stored in `file`, by default the file it was read from)."""
        if entry.kind == "study":
            derived = derived_json(entry.as_json) if entry.as_json else None
            extra = f',"d":{derived}' if derived else ""
            rob = rob_json(entry.as_json) if entry.as_json else None
            extra += f',"rob":{rob}' if rob else ""
            with reported(self.stage.parent, "write the index's working files"):
                self.fh.write(f'{{"file":{json.dumps(file or entry.file)},"s":{entry.as_json}{extra}}}\n')
        elif isinstance(entry.record, Review):
            _review_rows(self.tables, entry.record, file or entry.file)
        self.pending += 1
        if self.pending >= self.CHUNK:
            self.flush()

    def flush(self) -> None:
        if self.before_flush is not None:
            self.before_flush()
        with reported(self.stage.parent, "write the index's working files"):
            self.fh.flush()
        if self.fh.tell():
            self.con.execute(sql_text("stage_studies.sql"), {"path": str(self.stage)})
            self.con.execute(sql_text("load_studies.sql"))
            self.fh.seek(0)
            self.fh.truncate()
        for table, rows in self.tables.items():
            insert_columns(self.con, table, rows)
        self.tables = empty_tables()
        self.pending = 0

    def close(self) -> None:
        with contextlib.suppress(OSError):  # closing flushes, which fails again on a full disk
            self.fh.close()
        self.stage.unlink(missing_ok=True)


def _sources(t: dict[str, Rows], owner_kind: str, rec: Study | Review) -> None:
    for src in rec.sources:
        _add(
            t["t_sources"],
            owner_kind=owner_kind,
            owner_id=rec.id,
            source_id=src.id,
            kind=str(src.kind),
            pmid=src.pmid,
            doi=src.doi,
            url=src.url,
            citation=src.citation,
            accessed=src.accessed.isoformat() if src.accessed else None,
        )


def _review_rows(t: dict[str, Rows], r: Review, file: str) -> None:
    tot = r.totals
    _add(
        t["t_reviews"],
        review_id=r.id,
        file=file,
        first_author=r.citation.authors[0].split(" ")[0],
        year=r.citation.year,
        title=r.citation.title,
        journal=r.citation.journal,
        pmid=r.citation.pmid,
        doi=r.citation.doi,
        n_studies=tot.studies if tot else None,
        n_participants=tot.participants if tot else None,
        n_intervention=tot.intervention if tot else None,
        n_control=tot.control if tot else None,
        totals_source_id=tot.provenance.source if tot else None,
        totals_locator=tot.provenance.locator if tot else None,
    )
    for i, sid in enumerate(r.included_studies):
        _add(t["t_review_studies"], review_id=r.id, position=i, study_id=sid)
    for i, a in enumerate(r.analyses):
        _add(
            t["t_analyses"],
            review_id=r.id,
            position=i,
            analysis_id=a.id,
            outcome=str(a.outcome),
            subgroup_variable=a.subgroup_variable,
            measure=str(a.measure) if a.measure else None,
            method=str(a.method) if a.method else None,
            model=str(a.model),
            software=a.software,
            source_id=a.provenance.source,
            locator=a.provenance.locator,
            number=a.number,
            name=a.name,
            level=a.level,
            tau2_method=a.tau2_method,
            applicability=str(a.applicability) if a.applicability else None,
        )
        for j, row in enumerate(a.rows):
            _add(
                t["t_printed_rows"],
                review_id=r.id,
                analysis_id=a.id,
                position=j,
                study_id=row.study,
                label=row.label,
                subgroup=row.subgroup,
                estimate_text=row.estimate,
                ci_low_text=row.ci_low,
                ci_high_text=row.ci_high,
                weight_text=row.weight,
                locator=row.locator,
            )
    for i, c in enumerate(r.claims):
        _add(
            t["t_claims"],
            review_id=r.id,
            position=i,
            claim_id=c.id,
            analysis_id=c.analysis,
            subgroup_value=c.subgroup_value,
            estimate_text=c.estimate,
            ci_low_text=c.ci_low,
            ci_high_text=c.ci_high,
            z_text=c.z,
            p_text=c.p_text,
            k=c.k,
            participants=c.participants,
            source_id=c.provenance.source,
            locator=c.provenance.locator,
            chi2_text=c.chi2,
            i2_text=c.i2,
            tau2_text=c.tau2,
        )
    _sources(t, "review", r)


def insert_columns(con: duckdb.DuckDBPyConnection, table: str, rows: Rows) -> None:
    """Column-wise insert through numpy arrays: one scan per table, not one statement per row."""
    import numpy as np

    n = len(next(iter(rows.values())))
    if n == 0:
        return
    cols = {}
    for k, v in rows.items():
        arr = np.empty(n, dtype=object)
        arr[:] = v
        cols[k] = arr
    name = f"_load_{table}"
    con.register(name, cols)
    try:
        con.execute(f'INSERT INTO {table} BY NAME SELECT * FROM "{name}"')
    finally:
        con.unregister(name)
