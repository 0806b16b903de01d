"""Reading many records fast: every record file and JSON Lines shard of a registry, validated
on all cores, streamed to a sink so that memory stays bounded.

A record leaves here as an Entry: its id, its canonical JSON (what the index is built from)
and its problems. Studies validated in a worker process come back without the pydantic object
(pickling 100,000 models back would cost more than validating them); reviews, few and needed
whole for cross-checks, are always validated here.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

from evireg.errors import InvalidRecords, Problem
from evireg.records.profile import PROFILE_FILE, Profile
from evireg.records.review import Review
from evireg.records.study import Study
from evireg.records.yamlio import ParseError, decode, loads_json, read_lines
from evireg.registry.extractions import extraction_problems
from evireg.registry.interrupts import ignore_in_worker
from evireg.registry.lock import settle
from evireg.registry.paths import (
    KIND_DIRS,
    Registry,
    extraction_candidates,
    links_outside,
    outside_link_problems,
    record_files,
)
from evireg.registry.profile import check_profile, load_profile, profile_problems
from evireg.registry.validate import load_file, validate_data

PARALLEL_FROM = 2000  # records; below this a process pool costs more than it saves
CHUNK = 1000


@dataclass(frozen=True)
class Entry:
    file: str
    kind: str
    id: str | None
    record: Study | Review | None  # None when validated in a worker or invalid
    as_json: str | None  # canonical JSON (defaults left out), None when invalid
    problems: list[Problem]
    line: int | None = None  # within a JSON Lines file

    @property
    def ok(self) -> bool:
        return not self.problems and self.as_json is not None


def _entry(file: str, rec: Study | Review | None, problems: list[Problem], line: int | None = None,
           keep: bool = True) -> Entry:
    kind = "review" if isinstance(rec, Review) else "study"
    if rec is None or problems:
        return Entry(file, kind, None, None, None, problems, line)
    keep = keep or kind == "review"  # reviews are needed whole for cross-checks
    return Entry(file, kind, rec.id, rec if keep else None,
                 rec.model_dump_json(by_alias=True, exclude_defaults=True), problems, line)


def _jsonl_line(file: str, n: int, raw: bytes, keep: bool, profile: Profile | None = None) -> Entry:
    try:
        data = loads_json(decode(raw.rstrip(b"\r\n"), what="line"))
    except ParseError as e:
        return Entry(file, "study", None, None, None, [Problem(file, "", e.message, n)], n)
    rec, probs = validate_data(data, file, kind="study", profile=profile)
    return _entry(file, rec, [Problem(p.file, p.path, p.message, n) for p in probs], n, keep)


def _check_lines(file: str, first: int, lines: list[bytes], profile: Profile | None) -> list[Entry]:
    return [_jsonl_line(file, first + k, raw, False, profile) for k, raw in enumerate(lines) if raw.strip()]


def _check_files(paths: list[str], profile: Profile | None) -> list[Entry]:
    out = []
    for p in paths:
        rec, probs = load_file(Path(p), profile=profile)
        out.append(_entry(p, rec, probs, keep=False))
    return out


Task = tuple[Callable[..., list[Entry]], tuple[object, ...]]


def _tasks(paths: Sequence[Path], profile: Profile | None) -> Iterator[Task]:
    """Work in chunks: lines of each JSON Lines file, or groups of single-record files."""
    singles: list[str] = []
    for p in paths:
        if p.suffix != ".jsonl":
            singles.append(str(p))
            if len(singles) >= CHUNK // 10:
                yield _check_files, (singles, profile)
                singles = []
            continue
        with p.open("rb") as fh:
            first = 1
            lines = read_lines(fh)
            while chunk := list(islice(lines, CHUNK)):
                yield _check_lines, (str(p), first, chunk, profile)
                first += len(chunk)
    if singles:
        yield _check_files, (singles, profile)


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on macOS or Windows
        return os.cpu_count() or 1


def _workers() -> int:
    return max(1, min(_cores(), int(os.environ.get("EVIREG_WORKERS", "8"))))


def worker_count() -> int:
    """How many processes work in parallel: the cores, at most $EVIREG_WORKERS (default 8)."""
    return _workers()


def worker_pool(workers: int | None = None) -> ProcessPoolExecutor:
    """A process pool whose workers leave Ctrl-C to the parent and die with it (see
    _die_with_parent); submit from the thread that outlives them."""
    return ProcessPoolExecutor(workers or _workers(), initializer=_worker_init, initargs=(os.getpid(),))


_PR_SET_PDEATHSIG = 1


def _worker_init(parent: int) -> None:
    """Pool worker start-up: leave Ctrl-C to the parent, and die with it."""
    ignore_in_worker()
    _die_with_parent(parent)


def _die_with_parent(parent: int) -> None:
    """Pool worker start-up: exit as soon as the process that started the pool is gone.

    A worker waits on a task queue whose write end it holds itself, so it never sees its
    parent die; killed with `kill -9 <main pid>` the parent leaves it running for good, and
    (forked while the parent held the registry lock) holding that lock. On Linux the kernel
    kills it with the parent; elsewhere a thread notices the new parent within a fraction of a
    second.
    """
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before the line above took effect
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True, name="evireg-parent").start()


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(0.1)
    os._exit(1)


def _estimate(paths: Sequence[Path]) -> int:
    size = sum(p.stat().st_size for p in paths if p.suffix == ".jsonl")
    return size // 1000 + sum(p.suffix != ".jsonl" for p in paths)  # a study line is ~1-2 kB


def entries(
    paths: Sequence[Path], *, keep_records: bool = False, profile: Profile | None = None
) -> Iterator[Entry]:
    """Every record of the given files, in file and line order, validated on all cores when
    there are many (against `profile` when given). With keep_records the pydantic objects come
    back too (serial only)."""
    if keep_records or _workers() == 1 or _estimate(paths) < PARALLEL_FROM:
        for p in paths:
            if p.suffix == ".jsonl":
                with p.open("rb") as fh:
                    for n, raw in enumerate(read_lines(fh), start=1):
                        if raw.strip():
                            yield _jsonl_line(str(p), n, raw, True, profile)
            else:
                rec, probs = load_file(p, profile=profile)
                yield _entry(str(p), rec, probs)
        return
    # PR_SET_PDEATHSIG follows the thread that forks the workers: the executor starts them from
    # the thread that submits, this one, which outlives them.
    with worker_pool() as pool:
        pending: list[Future[list[Entry]]] = []
        for fn, args in _tasks(paths, profile):
            pending.append(pool.submit(fn, *args))
            if len(pending) >= 4 * _workers():  # bounded read-ahead keeps memory flat
                yield from pending.pop(0).result()
        for fut in pending:
            yield from fut.result()


@dataclass
class Loaded:
    """What loading a registry found. Studies are streamed to a sink, not kept; reviews are
    few and kept whole."""

    study_ids: set[str] = field(default_factory=set)
    reviews: list[Review] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)  # "study:<id>" / "review:<id>" -> file
    problems: list[Problem] = field(default_factory=list)
    profile: Profile | None = None

    @property
    def records(self) -> int:
        return len(self.study_ids) + len(self.reviews)


Sink = Callable[[Entry], None]


def load_registry(reg: Registry, sink: Sink | None = None) -> Loaded:
    """Validate every record file (with cross-file checks, and against the registry's profile,
    which must be there and valid); pass each valid entry to `sink`."""
    return _load(reg, load_profile(reg), sink)


def _load(reg: Registry, profile: Profile | None, sink: Sink | None = None) -> Loaded:
    """load_registry with the profile given; None checks the records without it."""
    out = Loaded(profile=profile)
    files = record_files(reg)
    outside = links_outside(reg, files)
    out.problems.extend(outside_link_problems(reg, outside))
    files = [p for p in files if p not in outside]
    reviews_dir = reg.dir_for("review")
    study_files = [p for p in files if p.parent != reviews_dir]
    review_files = [p for p in files if p.parent == reviews_dir]
    stream = [
        entries(study_files, profile=profile),
        entries(review_files, keep_records=True, profile=profile),
    ]
    for e in (e for s in stream for e in s):
        out.problems.extend(e.problems)
        if not e.ok or e.id is None:
            continue
        key = f"{e.kind}:{e.id}"
        if key in out.files:
            where = f", line {e.line}" if e.line else ""
            msg = f"id {e.id!r} is also used by {out.files[key]}"
            out.problems.append(Problem(e.file, "id", msg + where, e.line))
            continue
        out.files[key] = e.file
        if e.kind == "study":
            out.study_ids.add(e.id)
        elif isinstance(e.record, Review):
            out.reviews.append(e.record)
        if sink is not None:
            sink(e)
    for r in out.reviews:
        for i, sid in enumerate(r.included_studies):
            if sid not in out.study_ids:
                msg = f"no study {sid!r} in {reg.studies_dir}; add its file or fix the id"
                out.problems.append(Problem(out.files[f"review:{r.id}"], f"included_studies.{i}", msg))
    return out


def require_valid(loaded: Loaded) -> Loaded:
    if loaded.problems:
        n = len(loaded.problems)
        raise InvalidRecords(f"the registry has {n} problem(s); run `evireg validate`", loaded.problems)
    return loaded


@dataclass
class ValidationReport:
    files: int
    records: int
    problems: list[Problem]


def validate_paths(paths: Sequence[Path]) -> ValidationReport:
    """Validate registry folders (with cross-file checks) and single record files."""
    files = records = 0
    problems: list[Problem] = []
    for path in paths:
        if path.is_dir():
            root = path.parent if path.name in KIND_DIRS.values() else path
            reg = Registry(root)
            settle(reg)  # a commit a killed writer left half done is finished first
            profile, profile_probs = check_profile(reg)
            problems.extend(profile_probs)
            loaded = _load(reg, profile)
            files += len(record_files(reg))
            records += loaded.records
            problems.extend(loaded.problems)
            problems.extend(outside_link_problems(reg, extraction_candidates(reg)))
            problems.extend(extraction_problems(reg))
        elif path.is_file():
            files += 1
            for e in entries([path], profile=_profile_near(path)):
                records += e.ok
                problems.extend(e.problems)
        else:
            problems.append(Problem(str(path), "", "no such file or folder"))
    return ValidationReport(files, records, problems)


def _profile_near(path: Path) -> Profile | None:
    """The profile of the registry a single file stands in (studies/ or reviews/ of a folder
    with a valid evireg.yaml), so that it is checked as that registry would check it."""
    if path.parent.name not in KIND_DIRS.values():
        return None
    candidate = path.parent.parent / PROFILE_FILE
    return profile_problems(candidate)[0] if candidate.is_file() else None
