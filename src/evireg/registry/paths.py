"""Where a registry's files are: the registry folder and its layout, the record and extraction
files in it, the links that lead out of it, and the content hash the index is checked against.

Every path evireg acts on because a registry (or its index or journal) names it is checked
here (Registry.inside, escape_reason), so nothing outside the record folders is written,
deleted or read on a registry's say-so.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path, PurePosixPath

from evireg.errors import Problem, RegistryNotFound, UserError

ENV_VAR = "EVIREG_REGISTRY"
RECORD_SUFFIXES = (".yaml", ".yml", ".json", ".jsonl")  # .jsonl: many studies, one per line
KIND_DIRS = {"study": "studies", "review": "reviews"}
WRITE_DIRS = ("studies", "reviews", "extractions")  # the only folders a commit writes in


BUNDLED_READ_ONLY = (
    "the bundled registry is read-only; start your own with `evireg init PATH` and pass "
    "--registry PATH (or set EVIREG_REGISTRY)"
)


@dataclass(frozen=True)
class Registry:
    root: Path
    # The registry shipped with evireg, opened because no other was named. Writing into it would
    # silently change every user's bundled answers, so writers refuse it whatever the folder's
    # permissions (an editable install's registry/ is writable).
    bundled: bool = False

    @property
    def studies_dir(self) -> Path:
        return self.root / "studies"

    @property
    def reviews_dir(self) -> Path:
        return self.root / "reviews"

    @property
    def writable(self) -> bool:
        return os.access(self.root, os.W_OK)

    @property
    def state_dir(self) -> Path:
        """Where the derived DB and the lock live: inside the registry, or a user cache."""
        if self.writable:
            return self.root / ".evireg"
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "evireg"
        digest = hashlib.sha256(str(self.root.resolve()).encode()).hexdigest()[:16]
        return base / digest

    def dir_for(self, kind: str) -> Path:
        return self.root / KIND_DIRS[kind]

    def rel(self, path: Path | str) -> str:
        """`path` relative to the registry root: how the index and the journal name files, so
        that neither depends on how the registry's path was typed or where it was copied."""
        p = Path(path)
        try:
            return p.relative_to(self.root).as_posix()
        except ValueError:
            pass
        try:
            return p.resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            raise UserError(f"{p}: outside the registry {self.root}; evireg writes only inside it") from None

    def inside(self, rel: str) -> Path:
        """The file a stored relative path names; refused unless it is a record file in one of
        the registry's record folders (a copied or crafted index or journal can name anything)."""
        why = escape_reason(self, rel)
        if why is not None:
            raise UserError(
                f"{self.root}: refusing to act on {rel!r}: {why}; evireg only writes record files "
                "inside the registry. Run `evireg build` if the index is stale"
            )
        return self.root / rel


def escape_reason(
    reg: Registry, rel: str, resolved: dict[Path, Path] | None = None, *, temp: bool = False
) -> str | None:
    """Why a stored path may not be written or deleted, or None if it names a record file (or,
    with temp, a staged temp file) in studies/, reviews/ or extractions/ of this registry. The
    folder must resolve inside the registry; a link as the file itself is fine, since renaming
    onto it or deleting it acts on the link, not on what it points to."""
    p = PurePosixPath(rel)
    if not rel or p.is_absolute() or Path(rel).is_absolute():
        return "an absolute path"
    if ".." in p.parts:
        return "a path that climbs out with '..'"
    if len(p.parts) < 2 or p.parts[0] not in WRITE_DIRS:
        return "not in " + ", ".join(f"{d}/" for d in WRITE_DIRS)
    if temp and not (p.name.startswith(".") and p.name.endswith(".tmp")):
        return "not a temp file of evireg's"
    if not temp and p.suffix not in RECORD_SUFFIXES:
        return "not a record file"
    cache = {} if resolved is None else resolved
    for folder in (reg.root, reg.root / p.parent):
        if folder not in cache:
            cache[folder] = folder.resolve()
    if not cache[reg.root / p.parent].is_relative_to(cache[reg.root]):
        return f"its folder leads to {cache[reg.root / p.parent]}, outside the registry"
    return None


def bundled_root() -> Path:
    """The example registry shipped in the wheel, or the repository's `registry/` when editable."""
    packaged = Path(str(resources.files("evireg"))) / "bundled" / "registry"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[3] / "registry"


def refuse_bundled(reg: Registry) -> None:
    """Raise before a writer touches anything (even the lock file) in the bundled registry."""
    if reg.bundled:
        raise UserError(BUNDLED_READ_ONLY)


def resolve(path: str | os.PathLike[str] | None = None) -> Registry:
    """The named registry, else $EVIREG_REGISTRY, else the bundled one (marked read-only)."""
    chosen = path or os.environ.get(ENV_VAR)
    root = Path(chosen) if chosen else bundled_root()
    if not root.is_dir():
        hint = f"run `evireg init {root}` to start one" if chosen else "reinstall evireg"
        raise RegistryNotFound(f"{root}: no registry folder here; {hint}")
    if not (root / "studies").is_dir():
        raise RegistryNotFound(f"{root}: not a registry (no studies/ folder); run `evireg init {root}`")
    return Registry(root, bundled=not chosen)


def record_files(reg: Registry) -> list[Path]:
    out: list[Path] = []
    for kind in KIND_DIRS:
        d = reg.dir_for(kind)
        if d.is_dir():
            out.extend(
                p
                for p in d.iterdir()
                if p.suffix in RECORD_SUFFIXES and not p.name.startswith(".") and p.is_file()
            )
    return sorted(out)


def extraction_candidates(reg: Registry) -> list[Path]:
    d = reg.root / "extractions"
    if not d.is_dir():
        return []
    return sorted(p for p in d.glob("*/*") if p.suffix in RECORD_SUFFIXES and not p.name.startswith("."))


def extraction_files(reg: Registry) -> list[Path]:
    """Per-extractor extraction files: extractions/<study>/<extractor>.yaml (links that leave
    the registry are left out here and reported by `outside_link_problems`)."""
    found = extraction_candidates(reg)
    outside = links_outside(reg, found)
    return [p for p in found if p not in outside]


def links_outside(reg: Registry, files: Iterable[Path]) -> dict[Path, Path]:
    """The files that are links, or sit in linked folders, leading outside the registry, with
    where they lead. A registry received from someone else must not make evireg read (and
    copy into its index) a file elsewhere on this machine."""
    root = reg.root.resolve()
    folders: dict[Path, Path] = {}
    out: dict[Path, Path] = {}
    for p in files:
        if p.parent not in folders:
            folders[p.parent] = p.parent.resolve()
        if not folders[p.parent].is_relative_to(root):
            out[p] = folders[p.parent] / p.name
        elif p.is_symlink() and not (target := p.resolve()).is_relative_to(root):
            out[p] = target
    return out


def outside_link_problems(reg: Registry, files: Iterable[Path]) -> list[Problem]:
    return [
        Problem(
            str(p),
            "",
            f"a link to {target}, outside the registry; evireg does not read files outside a "
            "registry: put a copy of the file here instead of the link",
        )
        for p, target in links_outside(reg, files).items()
    ]


def content_hash(reg: Registry) -> str:
    """Hash of every record file's name and bytes: the DB is rebuilt when it changes (and when
    the registry's location changes: see index/build.py, stored_hash)."""
    h = hashlib.sha256()
    profile = reg.root / "evireg.yaml"  # the profile shapes the index's views: a change rebuilds it
    files = ([profile] if profile.is_file() else []) + record_files(reg) + extraction_candidates(reg)
    outside = links_outside(reg, files)
    for p in files:
        h.update(str(p.relative_to(reg.root)).encode())
        h.update(b"\0")
        if p in outside:  # never read a file outside the registry: hash where the link leads
            h.update(hashlib.sha256(str(outside[p]).encode()).digest())
            continue
        with p.open("rb") as fh:  # streamed: a huge file is refused by validation, not loaded here
            h.update(hashlib.file_digest(fh, "sha256").digest())
    return h.hexdigest()
