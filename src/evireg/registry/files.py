"""Find, read, validate and atomically write registry files (YAML or JSON, one record each)."""

from __future__ import annotations

import contextlib
import difflib
import errno
import fcntl
import hashlib
import json
import os
import tempfile
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from evireg.errors import Problem, UserError
from evireg.records.models import MODELS, Review, Study, id_from_filename, review_errors, study_errors
from evireg.records.yamlio import Parsed, ParseError, dump_yaml, parse_file
from evireg.registry.interrupts import committing

ENV_VAR = "EVIREG_REGISTRY"
RECORD_SUFFIXES = (".yaml", ".yml", ".json", ".jsonl")  # .jsonl: many studies, one per line
KIND_DIRS = {"study": "studies", "review": "reviews"}
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
        raise UserError(f"{root}: no registry folder here; {hint}")
    if not (root / "studies").is_dir():
        raise UserError(f"{root}: not a registry (no studies/ folder); run `evireg init {root}`")
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


def extraction_files(reg: Registry) -> list[Path]:
    """Per-extractor extraction files: extractions/<study>/<extractor>.yaml."""
    d = reg.root / "extractions"
    if not d.is_dir():
        return []
    return sorted(p for p in d.glob("*/*") if p.suffix in RECORD_SUFFIXES and not p.name.startswith("."))


def content_hash(reg: Registry) -> str:
    """Hash of every record file's name and bytes: the DB is rebuilt when it changes."""
    h = hashlib.sha256()
    for p in record_files(reg) + extraction_files(reg):
        h.update(str(p.relative_to(reg.root)).encode())
        h.update(b"\0")
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

    Whoever takes the lock first finishes what a killed writer left half done (see recover).
    """
    timeout = lock_timeout() if timeout is None else timeout
    reg.state_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(reg.state_dir / "lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as e:
                if e.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
                if time.monotonic() > deadline:
                    raise UserError(
                        f"{reg.root}: another evireg process has held the registry lock for "
                        f"{timeout:g} s; wait for it to finish, or raise EVIREG_LOCK_TIMEOUT"
                    ) from None
                time.sleep(0.02)
        recover(reg)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


JOURNAL = "pending-writes.json"


def _stage(target: Path, text: str) -> Path:
    """A complete, synced copy of `text` beside `target`, under a name no loader reads."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    return Path(name)


def _fsync_dirs(paths: Iterable[Path]) -> None:
    for d in {p.parent for p in paths}:
        with contextlib.suppress(OSError):
            dfd = os.open(d, os.O_DIRECTORY)
            try:
                os.fsync(dfd)
            finally:
                os.close(dfd)


def _roll_forward(journal: Path) -> None:
    plan = json.loads(journal.read_text(encoding="utf-8"))
    for tmp, target in plan["renames"]:
        if Path(tmp).exists():
            os.replace(tmp, target)
    for gone in plan.get("deletes", []):
        Path(gone).unlink(missing_ok=True)
    _fsync_dirs([Path(t) for _, t in plan["renames"]] + [Path(d) for d in plan.get("deletes", [])])
    journal.unlink()


def recover(reg: Registry) -> None:
    """Finish a commit whose journal was written, and drop temp files of one that never was.

    Runs under the lock, so any temp file not named in a journal belongs to a dead writer.
    """
    journal = reg.state_dir / JOURNAL
    if journal.exists():
        _roll_forward(journal)
    if reg.writable:
        for d in (reg.studies_dir, reg.reviews_dir):
            for p in d.glob(".*.tmp") if d.is_dir() else ():
                p.unlink(missing_ok=True)
    for p in reg.state_dir.glob(".build-*"):
        p.unlink(missing_ok=True)


def commit_files(reg: Registry, contents: dict[Path, str]) -> None:
    """Write record files all or none, even if the process is killed midway. Hold the lock."""
    with Staging() as staging:
        for target, text in contents.items():
            staging.write(target, text)
        staging.commit(reg)


class Staging:
    """Record files written in full beside their targets, then committed all or none.

    Every file is staged complete and synced; `commit` writes one journal naming the renames
    and deletions atomically, then carries it out. A crash before the journal leaves only temp
    files (removed by the next writer); a crash after it is rolled forward by the next writer.
    Leaving the block without commit discards the staged files.
    """

    def __init__(self) -> None:
        self.staged: dict[Path, Path] = {}  # target -> temp file
        self.deletes: list[Path] = []
        self.shards: dict[str, Any] = {}  # target -> open temp file of a JSON Lines shard

    def __enter__(self) -> Staging:
        return self

    def __exit__(self, *exc: object) -> None:
        for fh in self.shards.values():
            fh.close()
        for tmp in self.staged.values():
            tmp.unlink(missing_ok=True)

    def write(self, target: Path, text: str) -> None:
        self.staged[target] = _stage(target, text)

    def append_line(self, target: Path, line: str) -> None:
        fh = self.shards.get(str(target))
        if fh is None:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
            fh = self.shards[str(target)] = os.fdopen(fd, "w", encoding="utf-8")
            self.staged[target] = Path(name)
        fh.write(line + "\n")

    def delete(self, path: Path) -> None:
        self.deletes.append(path)

    @committing
    def commit(self, reg: Registry) -> None:
        for fh in self.shards.values():
            fh.flush()
            os.fsync(fh.fileno())
            fh.close()
        self.shards.clear()
        journal = reg.state_dir / JOURNAL
        body = json.dumps({"renames": [[str(t), str(g)] for g, t in self.staged.items()],
                           "deletes": [str(d) for d in self.deletes]})
        os.replace(_stage(journal, body), journal)
        _fsync_dirs([journal])
        _roll_forward(journal)
        self.staged.clear()


def write_files_atomically(contents: dict[Path, str]) -> None:
    """Each file replaced whole (temp file + rename), for files outside a registry's records."""
    for target, text in contents.items():
        os.replace(_stage(target, text), target)
    _fsync_dirs(contents)
