"""Ctrl-C: what the CLI says when interrupted, and the one stretch it must not interrupt.

A registry write stages every file, then commits them under a journal (registry.Staging). If
Ctrl-C landed inside the commit, the staged files not yet renamed would be discarded on the way
out while the journal still named them, and the registry would hold part of the change. So the
commit defers SIGINT until it is done; the interrupt then takes effect at once, and the message
says that the change was saved. Before the commit, an interrupt discards the staged files and
nothing was changed.
"""

from __future__ import annotations

import functools
import signal
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

NOTHING_CHANGED = "interrupted; nothing was changed"
SAVED = "interrupted after the change was saved; the index is brought up to date on next use"

_committed = False  # whether this command has completed a commit to a registry
_received = False  # whether this command has received SIGINT (see install)


def install() -> None:
    """Note every SIGINT as well as raising KeyboardInterrupt. DuckDB turns a KeyboardInterrupt
    raised during a query into RuntimeError("Query interrupted"), or drops it if the query ends
    first; the note lets the CLI still report the Ctrl-C. Call from the main thread."""
    signal.signal(signal.SIGINT, _on_sigint)


def _on_sigint(signum: int, frame: FrameType | None) -> None:
    global _received
    _received = True
    raise KeyboardInterrupt


def received() -> bool:
    return _received


def reset() -> None:
    """A new command starts: nothing committed, no Ctrl-C yet."""
    global _committed, _received
    _committed = _received = False


def message() -> str:
    return SAVED if _committed else NOTHING_CHANGED


def committing(fn: F) -> F:
    """Run `fn` (a commit) to the end even if SIGINT arrives meanwhile; then raise the deferred
    KeyboardInterrupt. Only the main thread receives signals, so elsewhere it is a plain call."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        global _committed
        if threading.current_thread() is not threading.main_thread():
            result = fn(*args, **kwargs)
            _committed = True
            return result
        pending: list[tuple[int, FrameType | None]] = []

        def defer(signum: int, frame: FrameType | None) -> None:
            pending.append((signum, frame))

        previous = signal.signal(signal.SIGINT, defer)
        try:
            result = fn(*args, **kwargs)
            _committed = True
        finally:
            signal.signal(signal.SIGINT, previous)
        if pending:
            if callable(previous):
                previous(*pending[0])  # the default handler raises KeyboardInterrupt
            elif previous != signal.SIG_IGN:
                raise KeyboardInterrupt
        return result

    return wrapper  # type: ignore[return-value]


def ignore_in_worker() -> None:
    """Process-pool initializer: Ctrl-C goes to the whole process group, but only the parent
    should act on it (workers would each print a KeyboardInterrupt traceback)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
