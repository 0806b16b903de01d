"""Tables that layers above the index add to it, named rather than imported.

Double extraction keeps its own tables (extraction/tables.py). The index must build them every
time, whoever asked for the build, yet it may not import the layers above it; so providers are
named here as `module:function` and imported when an index is built. A plug-in adds its own
with `register`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import duckdb

    from evireg.registry.paths import Registry

TableProvider = Callable[["duckdb.DuckDBPyConnection", "Registry"], Any]

_PROVIDERS: list[str] = ["evireg.extraction.tables:build_tables"]


def register(spec: str) -> None:
    """Add a provider, `module:function`, called with the connection and registry of each build."""
    if spec.count(":") != 1:
        raise ValueError(f"table provider {spec!r}: write it as module:function")
    if spec not in _PROVIDERS:
        _PROVIDERS.append(spec)


def table_providers() -> list[TableProvider]:
    out: list[TableProvider] = []
    for spec in _PROVIDERS:
        module, _, name = spec.partition(":")
        out.append(getattr(importlib.import_module(module), name))
    return out
