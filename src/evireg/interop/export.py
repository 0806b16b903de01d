"""Exports of the registry's views: Parquet or CSV files, or a Frictionless data package (CSV
files plus datapackage.json with Table Schemas, the provenance columns described).

The index is read as `evireg query` reads it, through the locked-down connection, so a view
that reads a file fails rather than copying that file into the export.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evireg.errors import UserError
from evireg.index.connection import open_locked, sql_text, view_columns
from evireg.index.fresh import ensure
from evireg.registry.paths import Registry

EXPORT_FORMATS = ("parquet", "csv", "datapackage")
# DuckDB types -> Frictionless Table Schema field types
_TABLE_SCHEMA_TYPES = {"VARCHAR": "string", "INTEGER": "integer", "BIGINT": "integer", "DOUBLE": "number",
                       "BOOLEAN": "boolean", "DATE": "date", "HUGEINT": "integer", "DECIMAL": "number"}
PROVENANCE_COLUMNS = {
    "source_id": "id of the source (see the sources view) the value was read from",
    "locator": "where in the source the value stands (e.g. 'abstract, results', 'Table 2')",
    "derivation": "how a value that is not printed as such was computed",
    "percent": "the printed percentage a count was derived from",
    "events_formula": "printed counts the events were computed from",
    "total_formula": "printed counts the total was computed from",
}


@dataclass(frozen=True)
class Exported:
    directory: Path
    files: list[Path]
    rows: dict[str, int]


def export_views(reg: Registry, out: Path, fmt: str) -> Exported:
    """Write every public view to `out` as Parquet or CSV files, or as a Frictionless data package
    (CSV files plus datapackage.json with Table Schemas). Files appear complete or not at all.

    The index is read as `query` reads it (open_locked): a view that reads a file fails rather
    than copying that file into the export. DuckDB may write only into a fresh staging folder
    inside `out`; the finished files are renamed out of it once every view has been written.
    """
    import duckdb

    from evireg.interop.targets import check_export_target

    if fmt not in EXPORT_FORMATS:
        raise UserError(f"--format {fmt!r}: choose one of {', '.join(EXPORT_FORMATS)}")
    check_export_target(reg.root, out)
    path = ensure(reg)
    try:
        out.mkdir(parents=True, exist_ok=True)
        stage = Path(tempfile.mkdtemp(dir=out.resolve(), prefix=".export-"))
    except OSError as e:
        raise UserError(f"{out}: cannot write the export here ({e.strerror or e})") from None
    suffix = "parquet" if fmt == "parquet" else "csv"
    options = "FORMAT parquet" if fmt == "parquet" else "FORMAT csv, HEADER true"
    staged: list[Path] = []
    rows: dict[str, int] = {}
    resources_: list[dict[str, Any]] = []
    try:
        with open_locked(path, write_dir=stage) as con:
            view = ""
            try:
                for view, cols in view_columns(con).items():
                    target = stage / f"{view}.{suffix}"
                    # ORDER BY ALL: a view's row order is whatever DuckDB's parallel plan gives, and
                    # the same registry must export the same bytes (evireg site, diffs of exports)
                    ordered = f'SELECT * FROM "{view}" ORDER BY ALL'
                    con.execute(f"COPY ({ordered}) TO '{_sql_str(target)}' ({options})")
                    staged.append(target)
                    count = con.execute(f'SELECT count(*) FROM "{view}"').fetchone()
                    rows[view] = int(count[0]) if count else 0
                    resources_.append(_resource(view, target.name, cols))
                meta = dict(con.execute(sql_text("meta.sql")).fetchall())
            except duckdb.Error as e:
                raise UserError(_export_problem(path, reg, view, e)) from None
        if fmt == "datapackage":
            package = {"name": "evireg-registry", "title": f"evireg registry {reg.root.name}",
                       "profile": "tabular-data-package", "version": meta.get("registry_hash", "")[:12],
                       "description": "Every view of an evireg evidence registry. Each number names its "
                                      "source and locator (see the provenance columns).",
                       "resources": resources_}
            target = stage / "datapackage.json"
            target.write_text(json.dumps(package, indent=2) + "\n")
            staged.append(target)
        written = []
        for f in staged:
            os.replace(f, out / f.name)
            written.append(out / f.name)
    except OSError as e:
        raise UserError(f"{out}: cannot write the export here ({e.strerror or e})") from None
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    return Exported(out, written, rows)


def _export_problem(path: Path, reg: Registry, view: str, e: BaseException) -> str:
    from evireg.index.sqlguard import describe_error, first_line

    if "not allowed" in describe_error(e):
        return (
            f"{path}: view {view!r} of the registry index reads files outside the registry "
            f"({first_line(e)}); evireg's own views never do, so the index did not come from these "
            f"files. Rebuild it with `evireg build -r {reg.root}`, then export again"
        )
    return f"export: view {view!r}: {describe_error(e)}"


def _sql_str(p: Path) -> str:
    return str(p).replace("'", "''")


def _resource(view: str, filename: str, cols: list[tuple[str, str]]) -> dict[str, Any]:
    fields = []
    for name, typ in cols:
        base = typ.split("(")[0].split("[")[0]
        field = {"name": name, "type": "array" if "[" in typ else _TABLE_SCHEMA_TYPES.get(base, "string")}
        if name in PROVENANCE_COLUMNS:
            field["description"] = PROVENANCE_COLUMNS[name]
        fields.append(field)
    return {"name": view.replace("_", "-"), "path": filename, "profile": "tabular-data-resource",
            "format": "csv", "mediatype": "text/csv", "encoding": "utf-8", "schema": {"fields": fields}}
