"""The double-extraction tables of the index (extractions, their fields, adjudications): a table
provider that the index build calls by name (see index/providers.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from evireg.extraction.compare import flatten, match_key, show
from evireg.index.connection import sql_text
from evireg.index.loader import insert_columns
from evireg.registry.extractions import scan
from evireg.registry.paths import Registry

if TYPE_CHECKING:
    import duckdb

def _columns(names: str) -> dict[str, list[Any]]:
    return {n: [] for n in names.split()}


def _append(rows: dict[str, list[Any]], *values: Any) -> None:
    for col, v in zip(rows.values(), values, strict=True):
        col.append(v)


def build_tables(con: duckdb.DuckDBPyConnection, reg: Registry) -> None:
    """Create the extraction tables and views in the index being built.

    Invalid extraction files are skipped here (`evireg validate` reports them), so that one bad
    file does not take the whole index, and with it `evireg query`, down.
    """
    con.execute(sql_text("extractions.sql"))
    found = scan(reg)
    ext = _columns("study_id extractor extracted_on file")
    fields = _columns("study_id extractor field_no field_path value match_key source_id locator")
    adj = _columns(
        "study_id field_path extractor_a extractor_b choice chosen_extractor value reason adjudicator "
        "adjudicated_on"
    )
    for e in found.extractions:
        _append(ext, e.study.id, e.extractor, e.extracted_on, reg.rel(e.file))
        for no, (path, fv) in enumerate(flatten(e.study).items()):
            src, loc = fv.provenance or (None, None)
            shown = None if fv.value is None else show(fv.value)
            _append(fields, e.study.id, e.extractor, no, path, shown, match_key(fv.value), src, loc)
    for log in found.logs:
        a, b = log.extractor_a.extractor, log.extractor_b.extractor
        for d in log.decisions:
            who = a if d.choice == "a" else b if d.choice == "b" else None
            shown = None if d.value is None else show(d.value)
            _append(
                adj,
                log.study,
                d.field_path,
                a,
                b,
                d.choice,
                who,
                shown,
                d.reason,
                log.adjudicator,
                log.adjudicated_on,
            )
    insert_columns(con, "t_extractions", ext)
    insert_columns(con, "t_extraction_fields", fields)
    insert_columns(con, "t_adjudications", adj)
