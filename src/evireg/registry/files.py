"""Find, read, validate and atomically write registry files (YAML or JSON, one record each)."""

from __future__ import annotations

import contextlib
import difflib
import hashlib
import json
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path, PurePosixPath
from typing import IO, Any

from filelock import FileLock, Timeout
from pydantic import BaseModel, ValidationError

from evireg.errors import LockTimeout, Problem, RegistryNotFound, UserError
from evireg.records.kinds import MODELS, id_from_filename
from evireg.records.review import Review, review_errors
from evireg.records.study import Study, study_errors
from evireg.records.yamlio import Parsed, ParseError, dump_yaml, parse_file
from evireg.registry.fileio import (
    discard,
    finish,
    fsync_dirs,
    open_temp,
    os_error,
    remove_quietly,
    replace,
    reported,
    stage,
    write_atomically,
)
from evireg.registry.interrupts import committing

ENV_VAR = "EVIREG_REGISTRY"
RECORD_SUFFIXES = (".yaml", ".yml", ".json", ".jsonl")  # .jsonl: many studies, one per line
KIND_DIRS = {"study": "studies", "review": "reviews"}
WRITE_DIRS = ("studies", "reviews", "extractions")  # the only folders a commit writes in
LOCK_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class Registry:
    root: Path

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
    """The IVIG registry shipped in the wheel, or the repository's `registry/` when editable."""
    packaged = Path(str(resources.files("evireg"))) / "bundled" / "registry"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[3] / "registry"


def resolve(path: str | os.PathLike[str] | None = None) -> Registry:
    chosen = path or os.environ.get(ENV_VAR)
    root = Path(chosen) if chosen else bundled_root()
    if not root.is_dir():
        hint = f"run `evireg init {root}` to start one" if chosen else "reinstall evireg"
        raise RegistryNotFound(f"{root}: no registry folder here; {hint}")
    if not (root / "studies").is_dir():
        raise RegistryNotFound(f"{root}: not a registry (no studies/ folder); run `evireg init {root}`")
    return Registry(root)


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
    the registry's location changes: see store._stored_hash)."""
    h = hashlib.sha256()
    files = record_files(reg) + extraction_candidates(reg)
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


# --- validation ---------------------------------------------------------------------------


@cache
def _field_names() -> tuple[str, ...]:
    names: set[str] = set()

    def walk(model: type[BaseModel]) -> None:
        for name, info in model.model_fields.items():
            names.add(info.alias or name)
            for arg in _model_args(info.annotation):
                walk(arg)

    for m in MODELS.values():
        walk(m)
    return tuple(sorted(names))


def _model_args(annotation: Any) -> Iterator[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        yield from _model_args(arg)


def _dotted(loc: Sequence[str | int]) -> str:
    return ".".join(str(p) for p in loc)


def _message(err: Any) -> str:
    kind, msg = err["type"], err["msg"]
    if kind == "extra_forbidden":
        key = str(err["loc"][-1])
        close = difflib.get_close_matches(key, _field_names(), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else "; remove it or check the spelling"
        return f"unknown key {key!r}{hint}"
    if kind == "missing":
        return "required field is missing"
    if kind == "string_type" and isinstance(err.get("input"), int | float):
        return f"{msg}; quote it (e.g. '{err['input']}') so the printed digits are kept"
    return str(msg).removeprefix("Value error, ")


def kind_of(data: dict[str, Any], path: Path) -> str:
    schema = str(data.get("$schema", ""))
    if schema.endswith("review.schema.json") or path.parent.name == "reviews":
        return "review"
    if schema.endswith("study.schema.json") or path.parent.name == "studies":
        return "study"
    return "review" if "included_studies" in data else "study"


def validate_data(
    data: Any,
    file: str,
    parsed: Parsed | None = None,
    *,
    kind: str | None = None,
    expect_id: str | None = None,
) -> tuple[Study | Review | None, list[Problem]]:
    """Validate one parsed record; every problem names the field path (and line if known)."""

    def line(loc: Sequence[str | int]) -> int | None:
        return parsed.line_of(tuple(loc)) if parsed else None

    if not isinstance(data, dict):
        got = type(data).__name__
        return None, [Problem(file, "", f"expected a mapping of fields at the top, got {got}", line(()))]
    kind = kind or kind_of(data, Path(file))
    model = MODELS[kind]
    try:
        rec = model.model_validate(data, context={"defer_semantic": True})
    except ValidationError as e:
        probs = [Problem(file, _dotted(err["loc"]), _message(err), line(err["loc"])) for err in e.errors()]
        return None, probs
    sem = study_errors(rec) if isinstance(rec, Study) else review_errors(rec)
    probs = [
        Problem(file, p, m, line(tuple(int(x) if x.isdigit() else x for x in p.split(".")))) for p, m in sem
    ]
    if expect_id is not None and rec.id != expect_id:
        probs.append(
            Problem(
                file,
                "id",
                f"id {rec.id!r} differs from the file name {expect_id!r}; rename the file or fix the id",
                line(("id",)),
            )
        )
    return (None if probs else rec), probs


def load_file(path: Path, *, kind: str | None = None) -> tuple[Study | Review | None, list[Problem]]:
    file = str(path)
    try:
        parsed = parse_file(path)
    except OSError as e:
        return None, [Problem(file, "", f"cannot read: {e.strerror}")]
    except ParseError as e:
        return None, [Problem(file, "", e.message, e.line)]
    return validate_data(parsed.data, file, parsed, kind=kind, expect_id=id_from_filename(path.name))


# --- writing ------------------------------------------------------------------------------


def schema_ref(reg: Registry, kind: str) -> str:
    """`$schema` for a file in this registry: its own schemas/ copy, or the project's."""
    name = f"{kind}.schema.json"
    if (reg.root / "schemas" / name).exists():
        return f"../schemas/{name}"
    if (reg.root.parent / "schemas" / name).exists():
        return f"../../schemas/{name}"
    return f"../schemas/{name}"


def to_yaml(rec: Study | Review, schema: str | None = None) -> str:
    return yaml_from_json(rec.model_dump_json(by_alias=True, exclude_defaults=True), schema or rec.schema_)


def yaml_from_json(as_json: str, schema: str) -> str:
    """A record's canonical YAML from its canonical JSON: `$schema` first, then model order."""
    data = json.loads(as_json)
    return dump_yaml({"$schema": schema, **{k: v for k, v in data.items() if k != "$schema"}})


def lock_timeout() -> float:
    try:
        return float(os.environ.get("EVIREG_LOCK_TIMEOUT", LOCK_TIMEOUT_S))
    except ValueError:
        raise UserError("EVIREG_LOCK_TIMEOUT must be a number of seconds") from None


@contextlib.contextmanager
def lock(reg: Registry, timeout: float | None = None) -> Iterator[None]:
    """Serialise writers of one registry (files and DB) across processes.

    An OS file lock (filelock: flock on POSIX), so a writer that dies, however it dies, lets go
    of it at once, and the next holder finishes what it left half done (see recover). Pool
    workers never keep it alive: they exit with their parent (see loading), and filelock closes
    its descriptor in forked children.
    """
    timeout = lock_timeout() if timeout is None else timeout
    path = reg.state_dir / "lock"
    with reported(reg.state_dir, "create the folder"):
        reg.state_dir.mkdir(parents=True, exist_ok=True)
    held = FileLock(path, timeout=timeout)
    try:
        held.acquire(poll_interval=0.02)
    except Timeout:
        raise LockTimeout(
            f"{reg.root}: another evireg process has held the registry lock for "
            f"{timeout:g} s; wait for it to finish, or raise EVIREG_LOCK_TIMEOUT"
        ) from None
    except OSError as e:
        raise os_error(path, e, "take the registry lock") from None
    try:
        recover(reg)
        yield
    finally:
        held.release()


JOURNAL = "pending-writes.json"


def _stage(target: Path, text: str) -> Path:
    """A complete, synced copy of `text` beside `target`, under a name no loader reads."""
    return stage(target, text)


def _journal_plan(
    reg: Registry, journal: Path, text: str | None = None
) -> tuple[list[tuple[Path, Path]], list[Path]]:
    """The renames and deletions a journal (or the `text` about to be written as one) asks for,
    each checked to stay inside the registry's record folders; a journal naming anything else
    is refused whole and left in place."""
    try:
        plan = json.loads(journal.read_text(encoding="utf-8") if text is None else text)
        renames = [(str(a), str(b)) for a, b in plan["renames"]]
        deletes = [str(d) for d in plan.get("deletes", [])]
    except (OSError, ValueError, TypeError, KeyError, AttributeError) as e:
        raise UserError(
            f"{journal}: cannot read this record of an unfinished write ({e}); nothing was "
            f"changed. Check the files in {reg.root}, then delete {journal} and run the command again"
        ) from None
    resolved: dict[Path, Path] = {}
    problems: list[Problem] = []
    for i, (tmp, target) in enumerate(renames):
        why = escape_reason(reg, target, resolved) or escape_reason(reg, tmp, resolved, temp=True)
        if why is None and PurePosixPath(tmp).parent != PurePosixPath(target).parent:
            why = "a temp file in another folder than its target"
        if why is None and (reg.root / tmp).is_symlink():
            why = "the temp file is a link"
        if why is not None:
            problems.append(Problem(str(journal), f"renames.{i}", f"{tmp!r} -> {target!r}: {why}"))
    for i, gone in enumerate(deletes):
        if (why := escape_reason(reg, gone, resolved)) is not None:
            problems.append(Problem(str(journal), f"deletes.{i}", f"{gone!r}: {why}"))
    if problems:
        raise UserError(
            f"{journal} names files outside the registry's record folders; evireg did not act on "
            f"it and changed nothing. A registry copied from someone else may carry a stale or "
            f"crafted journal: look at it, then delete {journal} and run the command again",
            problems,
        )
    return [(reg.root / t, reg.root / g) for t, g in renames], [reg.root / d for d in deletes]


def _roll_forward(reg: Registry, journal: Path) -> None:
    renames, deletes = _journal_plan(reg, journal)
    note = f"The commit in {journal} is half done; the next writer that can write here finishes it."
    for tmp, target in renames:
        if os.path.lexists(tmp):
            with reported(target, "move the new version into place", note):
                os.replace(tmp, target)
    for gone in deletes:
        with reported(gone, "remove the replaced file", note):
            gone.unlink(missing_ok=True)
    fsync_dirs([t for _, t in renames] + deletes)
    with reported(journal, "remove the finished journal", note):
        journal.unlink()


def recover(reg: Registry) -> None:
    """Finish a commit whose journal was written, and drop temp files of one that never was.

    Runs under the lock, so any temp file not named in a journal belongs to a dead writer.
    """
    journal = reg.state_dir / JOURNAL
    if journal.exists():
        _roll_forward(reg, journal)
    if reg.writable:
        ext = reg.root / "extractions"
        folders = [reg.studies_dir, reg.reviews_dir, *(ext.iterdir() if ext.is_dir() else ())]
        for d in folders:
            for p in d.glob(".*.tmp") if d.is_dir() else ():
                remove_quietly(p)
    for p in reg.state_dir.glob(".build-*"):
        remove_quietly(p)


def settle(reg: Registry) -> None:
    """Finish a commit a killed writer left half done, so that a reader that takes no lock
    (validate) sees whole commits only. Waits for a writer that is still committing."""
    if (reg.state_dir / JOURNAL).exists():
        with lock(reg):
            pass


def commit_files(reg: Registry, contents: dict[Path, str]) -> None:
    """Write record files all or none, even if the process is killed midway. Hold the lock."""
    with Staging() as staging:
        for target, text in contents.items():
            staging.write(target, text)
        staging.commit(reg)


class Staging:
    """Record files written in full beside their targets, then committed all or none.

    Every file is staged complete and synced; `commit` writes one journal naming the renames
    and deletions atomically (paths relative to the registry root), then carries it out. A
    crash before the journal leaves only temp files (removed by the next writer); a crash
    after it is rolled forward by the next writer. Leaving the block without commit discards
    the staged files.
    """

    def __init__(self) -> None:
        self.staged: dict[Path, Path] = {}  # target -> temp file
        self.deletes: list[Path] = []
        self.shards: dict[str, IO[str]] = {}  # target -> open temp file of a JSON Lines shard

    def __enter__(self) -> Staging:
        return self

    def __exit__(self, *exc: object) -> None:
        for target, fh in self.shards.items():
            discard(self.staged[Path(target)], fh)
        self.shards.clear()
        for tmp in self.staged.values():
            remove_quietly(tmp)
        self.staged.clear()

    def write(self, target: Path, text: str) -> None:
        if target in self.staged:
            remove_quietly(self.staged.pop(target))
        self.staged[target] = stage(target, text)

    def append_line(self, target: Path, line: str) -> None:
        fh = self.shards.get(str(target))
        if fh is None:
            tmp, fh = open_temp(target)
            self.staged[target] = tmp
            self.shards[str(target)] = fh
        with reported(target):
            fh.write(line + "\n")

    def delete(self, path: Path) -> None:
        self.deletes.append(path)

    @committing
    def commit(self, reg: Registry) -> None:
        for target, fh in list(self.shards.items()):
            del self.shards[target]
            finish(self.staged[Path(target)], fh, Path(target))
        renames = [[reg.rel(tmp), reg.rel(target)] for target, tmp in self.staged.items()]
        deletes = [reg.rel(d) for d in self.deletes]
        journal = reg.state_dir / JOURNAL
        body = json.dumps({"renames": renames, "deletes": deletes})
        try:  # never write a journal that roll-forward would refuse
            _journal_plan(reg, journal, body)
        except UserError as e:
            msg = f"{reg.root}: refusing to write outside the registry's record folders; nothing was changed"
            raise UserError(msg, e.problems) from None
        replace(stage(journal, body), journal)
        self.staged.clear()  # the journal owns the temp files now: a failure below leaves them
        fsync_dirs([journal])  # for the next writer to roll forward
        _roll_forward(reg, journal)


def write_files_atomically(contents: dict[Path, str]) -> None:
    """Each file replaced whole (temp file + rename), for files outside a registry's records."""
    write_atomically(dict(contents))
