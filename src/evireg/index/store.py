"""The one module that owns the DuckDB connection: build the derived index, open it safely.

The database is derived from the registry files and never holds anything they do not. It is
built into a temporary file and renamed into place, so a reader sees the old or the new index,
never a half-built one, and a killed build leaves the previous index intact.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evireg._version import __version__
from evireg.errors import UserError
from evireg.index.providers import table_providers
from evireg.records.review import Review
from evireg.records.study import Study
from evireg.registry.fileio import file_mode, reported
from evireg.registry.loading import Entry, Loaded, load_registry, require_valid
from evireg.registry.lock import lock, settle
from evireg.registry.paths import Registry, content_hash

if TYPE_CHECKING:
    import duckdb

DB_NAME = "registry.duckdb"
FORMAT_VERSION = "7"  # bump when tables.sql or views.sql change, to force a rebuild


def sql_text(name: str) -> str:
    return (resources.files("evireg") / "sql" / name).read_text(encoding="utf-8")


def execute_script(con: duckdb.DuckDBPyConnection, name: str, params: dict[str, Any]) -> None:
    """Run each statement of a .sql file with the parameters it names (DuckDB binds parameters
    to one statement at a time)."""
    for statement in sql_text(name).split(";"):
        body = "\n".join(ln for ln in statement.splitlines() if not ln.strip().startswith("--")).strip()
        if body:
            used = set(re.findall(r"\$(\w+)", body))
            con.execute(body, {k: v for k, v in params.items() if k in used})


def db_path(reg: Registry) -> Path:
    return reg.state_dir / DB_NAME


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
                            "measure", "method", "model", "software", "source_id", "locator"),
        "t_claims": _rows("review_id", "position", "claim_id", "analysis_id", "subgroup_value",
                          "estimate_text", "ci_low_text", "ci_high_text", "z_text", "p_text", "k",
                          "participants", "source_id", "locator"),
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
            with reported(self.stage.parent, "write the index's working files"):
                self.fh.write(f'{{"file":{json.dumps(file or entry.file)},"s":{entry.as_json}}}\n')
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
            measure=str(a.measure),
            method=str(a.method) if a.method else None,
            model=str(a.model),
            software=a.software,
            source_id=a.provenance.source,
            locator=a.provenance.locator,
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


def build_into(path: Path, reg: Registry, registry_hash: str) -> Loaded:
    """Create the index at `path` from the registry's files, streaming records in chunks."""
    import duckdb

    con = duckdb.connect(str(path))
    try:
        con.execute("BEGIN")
        con.execute(sql_text("tables.sql"))
        loader = RecordLoader(con, path.parent)
        rel: dict[str, str] = {}  # file as read -> as stored: relative to the registry root

        def add(e: Entry) -> None:
            if e.file not in rel:
                rel[e.file] = reg.rel(e.file)
            loader.add(e, rel[e.file])

        try:
            loaded = require_valid(load_registry(reg, add))
            loader.flush()
        finally:
            loader.close()
        con.execute(sql_text("views.sql"))
        _extra_tables(con, reg)
        _set_meta(con, registry_hash, reg)
        con.execute("COMMIT")
        con.execute("CHECKPOINT")
        return loaded
    finally:
        con.close()


def _set_meta(con: duckdb.DuckDBPyConnection, registry_hash: str, reg: Registry) -> None:
    meta = {"registry_hash": registry_hash, "format": FORMAT_VERSION, "version": __version__,
            "root": _root_key(reg)}
    execute_script(con, "set_meta.sql", meta)


def _extra_tables(con: duckdb.DuckDBPyConnection, reg: Registry) -> None:
    """Tables from files beside the records (double extractions), added by their providers."""
    for provide in table_providers():
        provide(con, reg)


def _root_key(reg: Registry) -> str:
    """Where the registry is: an index built elsewhere (a copied or moved registry, with its
    `.evireg/` in tow) is rebuilt rather than trusted."""
    return str(reg.root.resolve())


def _stored_hash(path: Path, reg: Registry) -> str | None:
    """The content hash the index at `path` was built from, or None if it must be rebuilt."""
    import duckdb

    if not path.exists():
        return None
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error:
        return None  # unreadable or locked mid-write elsewhere: rebuild
    try:
        rows = dict(con.execute(sql_text("meta.sql")).fetchall())
    except duckdb.Error:
        return None
    finally:
        con.close()
    if rows.get("format") != FORMAT_VERSION or rows.get("evireg") != __version__:
        return None
    if rows.get("root") != _root_key(reg):
        return None
    return rows.get("registry_hash")


@dataclass(frozen=True)
class BuildInfo:
    path: Path
    registry_hash: str
    rebuilt: bool
    studies: int
    reviews: int


def build(reg: Registry, *, force: bool = True) -> BuildInfo:
    """(Re)create the index from the files, under the registry lock, atomically."""
    with lock(reg):
        return build_locked(reg, force=force)


def build_locked(reg: Registry, *, force: bool = True) -> BuildInfo:
    """`build` for a caller that already holds the registry lock."""
    h = content_hash(reg)
    path = db_path(reg)
    if not force and _stored_hash(path, reg) == h:
        return BuildInfo(path, h, False, -1, -1)
    with reported(path.parent, "create the folder"):
        path.parent.mkdir(parents=True, exist_ok=True)
    with _temp_db(path) as tmp, _index_errors(path):
        loaded = build_into(tmp, reg, h)
        os.replace(tmp, path)
    return BuildInfo(path, h, True, len(loaded.study_ids), len(loaded.reviews))


@contextlib.contextmanager
def _index_errors(path: Path, note: str = "The registry files are unchanged.") -> Iterator[None]:
    """A full disk or a read-only folder while writing the index: one message naming it."""
    import duckdb

    try:
        yield
    except OSError as e:
        raise UserError(f"{path}: cannot write the index: {e.strerror or e}. {note}") from None
    except (duckdb.IOException, duckdb.FatalException) as e:  # a failed checkpoint is "fatal"
        first = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise UserError(f"{path}: cannot write the index: {first}. {note}") from None


@contextlib.contextmanager
def _temp_db(path: Path, copy_of: Path | None = None) -> Iterator[Path]:
    """A temp index beside `path` (a copy of `copy_of`, or absent), removed unless renamed."""
    with reported(path.parent, "create a file in the folder"):
        fd, name = tempfile.mkstemp(dir=path.parent, prefix=".build-", suffix=".duckdb")
        os.close(fd)
    tmp = Path(name)
    try:
        if copy_of is not None:
            with reported(path):
                os.chmod(tmp, file_mode())  # mkstemp's 0600 would stick to the index
                shutil.copyfile(copy_of, tmp)
        else:
            tmp.unlink()  # duckdb creates the file itself, with the umask's mode
        yield tmp
    finally:
        tmp.unlink(missing_ok=True)
        Path(f"{tmp}.wal").unlink(missing_ok=True)


class Update:
    """Records to add to a copy of the index in place of a rebuild (see incremental_update)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, stage_dir: Path) -> None:
        self.con = con
        self.loader = RecordLoader(con, stage_dir, before_flush=self._forget)
        self.replaced: list[str] = []

    def record_files(self) -> dict[str, str]:
        """`"study:<id>"`/`"review:<id>"` -> the file that holds it."""
        return {key: file for key, file in self.con.execute(sql_text("record_files.sql")).fetchall()}

    def replace(self, record_id: str) -> None:
        self.replaced.append(record_id)

    def add(self, entry: Entry, file: str) -> None:
        self.loader.add(entry, file)

    def _forget(self) -> None:
        """Drop the rows of replaced records before their new rows go in."""
        ids, self.replaced = self.replaced, []
        for chunk in _chunks(ids, 1000):
            execute_script(self.con, "forget_record.sql", {"ids": chunk})


@contextlib.contextmanager
def incremental_update(reg: Registry) -> Iterator[Update]:
    """Add records to a copy of a fresh index, then swap it in. Hold the lock.

    The caller writes the record files inside the block; on leaving it, the copy's hash is set
    to the registry's new content hash and the copy replaces the index. If anything fails the
    copy is discarded; the index then lags the files only if the files were already written,
    and `ensure` rebuilds it on next use.
    """
    import duckdb

    build_locked(reg, force=False)
    path = db_path(reg)
    with _temp_db(path, copy_of=path) as tmp:
        with _index_errors(path):
            con = duckdb.connect(str(tmp))
        after = "The records were written; the index is rebuilt on next use."
        try:
            con.execute("BEGIN")
            upd = Update(con, path.parent)
            try:
                yield upd
                with _index_errors(path, after):
                    upd.loader.flush()
            finally:
                upd.loader.close()
            with _index_errors(path, after):
                _extra_tables(con, reg)
                _set_meta(con, content_hash(reg), reg)
                con.execute("COMMIT")
                con.execute("CHECKPOINT")
        finally:
            con.close()
        with _index_errors(path, after):
            os.replace(tmp, path)


def _chunks(items: list[str], n: int) -> Iterator[list[str]]:
    for i in range(0, len(items), n):
        yield items[i : i + n]


def ensure(reg: Registry) -> Path:
    """The index path, rebuilt first if the registry files changed since it was built.

    A commit a killed writer left half done is finished first, so no reader works from it.
    """
    settle(reg)
    path = db_path(reg)
    if _stored_hash(path, reg) != content_hash(reg):
        build(reg, force=False)
    return path


# Settings that keep a query inside the registry: no files, no network, no extensions.
SAFE_CONFIG = {
    "enable_external_access": False,
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "allow_community_extensions": False,
}


@contextlib.contextmanager
def connect_readonly(reg: Registry) -> Iterator[duckdb.DuckDBPyConnection]:
    """The index, fresh, on a connection that user SQL cannot use to leave it (see open_locked)."""
    with open_locked(ensure(reg)) as con:
        yield con


@contextlib.contextmanager
def open_locked(path: Path, write_dir: Path | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to the index at `path` that can reach no file, network or
    extension (only `write_dir`, if given, for export), has a memory cap and no spilling to
    disk, and whose configuration is locked so no statement can undo any of that.

    The index may have come with a registry from someone else, so its views are not trusted:
    this is how every command reads it.
    """
    import duckdb

    from evireg.index import sqlguard

    # the limit is read at call time (not imported by value) so that a test can lower it
    limits = {"memory_limit": sqlguard.QUERY_MEMORY_LIMIT, "temp_directory": ""}
    config: dict[str, Any] = {**SAFE_CONFIG, **limits}
    if write_dir is not None:
        # DuckDB takes allowed_directories only on a running database, before access is cut.
        del config["enable_external_access"]
    try:
        con = duckdb.connect(str(path), read_only=True, config=config)
    except duckdb.Error as e:
        raise UserError(f"{path}: cannot open the registry index ({e}); run `evireg build`") from None
    try:
        if write_dir is not None:
            con.execute("SET allowed_directories = $dirs", {"dirs": [f"{write_dir}{os.sep}"]})
            con.execute("SET enable_external_access = false")
        # A second connection to an index this process already has open shares that database,
        # whose configuration is already safe and locked; setting the lock again would fail.
        locked = con.execute("SELECT current_setting('lock_configuration')").fetchone()
        if not (locked and locked[0]):
            con.execute("SET lock_configuration = true")
        yield con
    finally:
        con.close()


@dataclass(frozen=True)
class QueryResult:
    columns: list[str]
    types: list[str]
    rows: list[tuple[Any, ...]]
    truncated: bool


def fetch(
    con: duckdb.DuckDBPyConnection,
    sql: str,
    params: dict[str, Any] | None = None,
    max_rows: int | None = None,
) -> QueryResult:
    cur = con.execute(sql, params or {})
    desc = cur.description or []
    columns = [d[0] for d in desc]
    types = [str(d[1]) for d in desc]
    if max_rows is None:
        return QueryResult(columns, types, cur.fetchall(), False)
    rows = cur.fetchmany(max_rows + 1)
    return QueryResult(columns, types, rows[:max_rows], len(rows) > max_rows)


def records(
    con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    """Rows of a query as dicts keyed by column name."""
    cur = con.execute(sql, params or {})
    cols = [d[0] for d in cur.description or []]
    return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]


def view_columns(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple[str, str]]]:
    out: dict[str, list[tuple[str, str]]] = {}
    for view, col, typ in con.execute(sql_text("view_columns.sql")).fetchall():
        out.setdefault(view, []).append((col, typ))
    return out


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

    from evireg.index.targets import check_export_target

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
                    con.execute(f"COPY (SELECT * FROM \"{view}\") TO '{_sql_str(target)}' ({options})")
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
