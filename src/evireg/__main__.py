"""`python -m evireg`, and the `evireg` script: the CLI, with Ctrl-C handled from the first moment
(importing the CLI takes a noticeable fraction of a second, before cli.main can catch anything)."""

import gc
import sys


def run() -> None:
    # A command allocates in bursts (imports, rows, tables) and ends: collecting the youngest
    # generation every 700 allocations (the default) costs a report about 5% for nothing.
    gc.set_threshold(10_000)
    try:
        from evireg.cli import main
    except KeyboardInterrupt:  # nothing has run yet
        sys.stderr.write("interrupted; nothing was changed\n")
        sys.exit(130)
    try:
        main()
    except SystemExit as e:
        _leave(e.code)
    _leave(0)


def _leave(code: int | str | None) -> None:
    """End the process once the command is done, skipping the interpreter's teardown.

    Tearing down numpy, duckdb, pydantic and the rest takes about 50 ms, a tenth of a report,
    and does nothing a finished command needs: the exit handlers (atexit, weakref finalizers:
    temporary files) still run, and both streams are flushed, before os._exit. A command that
    started threads or processes exits the ordinary way.
    Every file evireg writes is closed before its command returns (writes are atomic).
    """
    import threading

    if threading.active_count() > 1 or "multiprocessing" in sys.modules:
        # Threads or worker processes (a parallel build, a time-capped query) are shut down by
        # the interpreter in its own order (threads, then their exit hooks, then atexit), which
        # a pool's workers wait on: let it.
        sys.exit(code)
    import atexit
    import os

    atexit._run_exitfuncs()
    if isinstance(code, str):  # sys.exit("message"), as the interpreter would print it
        sys.stderr.write(code + "\n")
        code = 1
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BrokenPipeError:
            code = code or 141  # the reader went away: what cli.main answers in that case
        except (OSError, ValueError):
            pass
    os._exit(code or 0)


if __name__ == "__main__":
    run()
