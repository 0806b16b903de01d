"""Double extraction: per-extractor records, comparison and adjudication (placeholder hook)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import duckdb

    from .registry import Registry


def build_tables(con: duckdb.DuckDBPyConnection, reg: Registry) -> None:
    """Create the extraction tables and views in the index being built (none yet)."""
