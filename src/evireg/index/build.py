"""Building the derived index from the registry files, adding records to it in place of a
rebuild, and knowing whether it is current.

The database is derived from the registry files and never holds anything they do not. It is
built into a temporary file and renamed into place, so a reader sees the old or the new index,
never a half-built one, and a killed build leaves the previous index intact. It is current when
the hash it was built from is the files' content hash, and it was built by this evireg, in this
place (see stored_hash).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evireg._version import __version__
from evireg.errors import UserError
from evireg.index.connection import connect_writable, execute_script, read_meta, sql_text
from evireg.index.profile_sql import store_profile, views_sql
from evireg.index.providers import table_providers
from evireg.registry.fileio import file_mode, reported
from evireg.registry.lock import lock
from evireg.registry.paths import Registry, content_hash

if TYPE_CHECKING:
    import duckdb

    from evireg.registry.loading import Entry, Loaded

# Reading and validating records (pydantic models, the loader) is imported by the functions that
# build: a reader whose index is fresh never needs them.

DB_NAME = "registry.duckdb"
FORMAT_VERSION = "17"  # bump when tables.sql or views.sql change, to force a rebuild


def db_path(reg: Registry) -> Path:
    return reg.state_dir / DB_NAME


def build_into(path: Path, reg: Registry, registry_hash: str) -> Loaded:
    """Create the index at `path` from the registry's files, streaming records in chunks."""
    con = connect_writable(path)
    try:
        con.execute("BEGIN")
        con.execute(sql_text("tables.sql"))
        from evireg.index.loader import RecordLoader
        from evireg.registry.loading import load_registry, require_valid

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
        assert loaded.profile is not None  # load_registry refuses a registry without one
        con.execute(views_sql(loaded.profile))
        store_profile(con, loaded.profile)
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


def stored_hash(path: Path, reg: Registry) -> str | None:
    """The content hash the index at `path` was built from, or None if it must be rebuilt."""
    return hash_in_meta(read_meta(path), reg)


def hash_in_meta(rows: dict[str, Any] | None, reg: Registry) -> str | None:
    """The content hash an index's meta rows record, or None if this evireg must rebuild it."""
    if rows is None:
        return None
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
    if not force and stored_hash(path, reg) == h:
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
        from evireg.index.loader import RecordLoader

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
    build_locked(reg, force=False)
    path = db_path(reg)
    with _temp_db(path, copy_of=path) as tmp:
        with _index_errors(path):
            con = connect_writable(tmp)
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

