"""The registry lock: one writer at a time per registry, across processes.

Whoever takes the lock first finishes what a killed writer left half done (journal.recover),
and a reader that takes no lock waits here only when a journal says a commit is unfinished.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

from evireg.errors import LockTimeout, UserError
from evireg.registry.fileio import os_error, reported
from evireg.registry.journal import JOURNAL, recover
from evireg.registry.paths import Registry

LOCK_TIMEOUT_S = 30.0


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
    # filelock loads here, not at import: a reader of a current index never takes the lock
    from filelock import FileLock, Timeout

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


def settle(reg: Registry) -> None:
    """Finish a commit a killed writer left half done, so that a reader that takes no lock
    (validate) sees whole commits only. Waits for a writer that is still committing."""
    if (reg.state_dir / JOURNAL).exists():
        with lock(reg):
            pass
