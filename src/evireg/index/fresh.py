"""The index as every reader gets it: current with the registry files (rebuilt first if they
changed, after finishing a commit a killed writer left half done), on the locked-down read-only
connection of connection.open_locked."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from evireg.index.build import build, db_path, stored_hash
from evireg.index.connection import open_locked
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
    """The index, fresh, on a connection that user SQL cannot use to leave it (see open_locked)."""
    with open_locked(ensure(reg)) as con:
        yield con

