"""Compatibility only: `build` under this module's old name, for cli/app.py.

The index is handled by concern: connection.py (every DuckDB connection, fetch, records,
view_columns, the SQL files), loader.py (RecordLoader), build.py (build, incremental_update,
freshness), fresh.py (ensure, connect_readonly); exports are interop/export.py. Once cli/
imports `build` from index/build.py, delete this file.
"""

from __future__ import annotations

from evireg.index.build import build

__all__ = ["build"]
