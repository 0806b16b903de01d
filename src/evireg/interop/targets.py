"""Where evireg may write outside a registry's own records: never inside a registry."""

from __future__ import annotations

from pathlib import Path

from evireg.errors import UserError

# Besides studies/, a registry holds at least one of these (see entry.init_registry).
REGISTRY_MARKERS = ("reviews", "schemas", ".evireg")


def enclosing_registry(path: Path) -> Path | None:
    """The registry folder that `path` is or lies inside, if any (symlinks resolved)."""
    resolved = path.resolve()
    for folder in (resolved, *resolved.parents):
        if (folder / "studies").is_dir() and any((folder / m).is_dir() for m in REGISTRY_MARKERS):
            return folder
    return None


def check_export_target(registry_root: Path, out: Path) -> None:
    """Refuse an export folder that is a file or lies inside a registry.

    Export files inside a registry would be read as records (a CSV or JSON in studies/) or
    clutter the folder the registry's users put under version control; inside `.evireg/` they
    would sit among the index and the journal.
    """
    if out.exists() and not out.is_dir():
        raise UserError(f"{out}: exists and is not a folder; give a folder to write the export into")
    root = registry_root.resolve()
    target = out.resolve()
    inside = root if target == root or root in target.parents else enclosing_registry(target)
    if inside is not None:
        raise UserError(
            f"{out}: inside the registry {inside}; export writes outside registries only. "
            f"Choose another folder, e.g. {inside.parent / (inside.name + '-export')}"
        )
