"""Committing record files all or none: staged temp files, a journal of the renames and
deletions, and rolling a journal forward when a writer died after writing it.

Every path a journal names is checked to stay inside the registry's record folders before
anything acts on it (a registry copied from someone else may carry a crafted journal). Run
under the registry lock (lock.py), which calls `recover` whenever it is taken.
"""

from __future__ import annotations

import json
import os
from pathlib import Path, PurePosixPath
from typing import IO

from evireg.errors import Problem, UserError
from evireg.registry.fileio import (
    discard,
    finish,
    fsync_dirs,
    open_temp,
    remove_quietly,
    replace,
    reported,
    stage,
    write_atomically,
)
from evireg.registry.interrupts import committing
from evireg.registry.paths import Registry, escape_reason

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

    def write(self, target: Path, text: str | bytes) -> None:
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
