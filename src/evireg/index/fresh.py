"""The index as every reader gets it: current with the registry files (rebuilt first if they
changed, after finishing a commit a killed writer left half done), on the locked-down read-only
connection of connection.open_locked."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from evireg.errors import UserError
from evireg.index.build import build, db_path, hash_in_meta, stored_hash
from evireg.index.connection import meta_of, open_locked
from evireg.registry.lock import settle
from evireg.registry.paths import Registry, content_hash

if TYPE_CHECKING:
    import duckdb


def ensure(reg: Registry) -> Path:
    """The index path, rebuilt first if the registry files changed since it was built.

    A commit a killed writer left half done is finished first, so no reader works from it.
    """
    settle(reg)
    path = db_path(reg)
    if stored_hash(path, reg) != content_hash(reg):
        build(reg, force=False)
    return path


@contextlib.contextmanager
def connect_readonly(reg: Registry) -> Iterator[duckdb.DuckDBPyConnection]:
    """The index, fresh, on a connection that user SQL cannot use to leave it (see open_locked).

    The freshness check reads the meta table on the connection it then hands out: opening a
    DuckDB file costs more than most questions asked of it, so a current index is opened once.
    """
    settle(reg)
    path = db_path(reg)
    with contextlib.ExitStack() as stack:
        con = _open_if_current(stack, path, reg)
        if con is None:
            build(reg, force=False)
            con = stack.enter_context(open_locked(path))
        yield con


def _open_if_current(
    stack: contextlib.ExitStack[bool | None], path: Path, reg: Registry
) -> duckdb.DuckDBPyConnection | None:
    """A locked connection to the index at `path` (closed by `stack`) if it is current with the
    registry files; None, with nothing left open, if it is missing, unreadable or stale."""
    if not path.exists():
        return None
    try:
        con = stack.enter_context(open_locked(path))
    except UserError:
        return None  # unreadable, or locked mid-write elsewhere: rebuild
    if hash_in_meta(meta_of(con), reg) == content_hash(reg):
        return con
    stack.close()
    return None

