"""Writing files: whole or not at all, with the user's umask, and one clear message per failure.

Every file evireg writes goes through `stage` (a complete, synced temp file beside the target)
and `replace` (the atomic rename), or through `write_atomically`, which does both. An OSError on
the way (full disk, read-only folder, missing permission, a file where a folder should be)
becomes one UserError naming the path, and the temp file is removed before it is raised.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sys
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import IO, Literal, overload

from evireg.errors import UserError

# What to tell the user, by errno; anything else gets the system's own wording.
_WHY = {
    errno.ENOSPC: ("no space left on the device", "free some space and run the command again"),
    errno.EDQUOT: ("disk quota exceeded", "free some space and run the command again"),
    errno.EFBIG: ("file too large for this file system or process limit", "raise the limit"),
    errno.EACCES: ("permission denied", "make it writable for you (chmod u+w) or use a copy"),
    errno.EPERM: ("operation not permitted", "make it writable for you (chmod u+w) or use a copy"),
    errno.EROFS: ("read-only file system", "use a writable copy of the registry"),
    errno.EEXIST: ("something else already has this name", "move it away"),
    errno.ENOTDIR: ("a file stands where a folder is needed", "move it away"),
    errno.EISDIR: ("a folder stands where a file is needed", "move it away"),
    errno.ENOENT: ("no such file or folder", "check the path"),
}


NOTHING_CHANGED = "Nothing was changed."


def os_error(path: Path | str, e: OSError, doing: str = "write", note: str = NOTHING_CHANGED) -> UserError:
    """One message for a failed file operation: which path, what went wrong, what to do."""
    why, hint = _WHY.get(e.errno or 0, (e.strerror or str(e), "check the path and its permissions"))
    return UserError(f"{path}: cannot {doing}: {why}; {hint}. {note}")


@contextlib.contextmanager
def reported(path: Path | str, doing: str = "write", note: str = NOTHING_CHANGED) -> Iterator[None]:
    """Turn an OSError raised inside the block into `os_error(path, ...)`."""
    try:
        yield
    except OSError as e:
        raise os_error(path, e, doing, note) from None


def umask() -> int:
    """The process umask, read without changing it where the system allows."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, ValueError):
            for line in Path("/proc/self/status").read_text().splitlines():
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    # elsewhere the umask is only readable by setting it; it is put straight back
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def file_mode() -> int:
    """The mode a plain `open(path, "w")` would give a new file: 0666 less the umask."""
    return 0o666 & ~umask()


def remove_quietly(path: Path | str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)


@overload
def open_temp(target: Path, mode: Literal["w"] = "w") -> tuple[Path, IO[str]]: ...
@overload
def open_temp(target: Path, mode: Literal["wb"]) -> tuple[Path, IO[bytes]]: ...
def open_temp(target: Path, mode: str = "w") -> tuple[Path, IO[str]] | tuple[Path, IO[bytes]]:
    """An open temp file beside `target`, hidden from every loader (dot name, .tmp suffix),
    with the mode the target would get from the umask rather than mkstemp's 0600."""
    with reported(target.parent, "create the folder"):
        target.parent.mkdir(parents=True, exist_ok=True)
    with reported(target.parent, "create a file in the folder"):
        fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        os.chmod(name, file_mode())
        fh = os.fdopen(fd, mode, encoding=None if "b" in mode else "utf-8")
    except OSError as e:
        os.close(fd)
        remove_quietly(name)
        raise os_error(target, e) from None
    return Path(name), fh


def finish(tmp: Path, fh: IO[str] | IO[bytes], target: Path) -> None:
    """Flush, sync and close a temp file from `open_temp`; on failure remove it and explain."""
    try:
        try:
            fh.flush()
            os.fsync(fh.fileno())
        finally:
            fh.close()  # a close that fails to flush on a full disk raises too
    except OSError as e:
        remove_quietly(tmp)
        raise os_error(target, e) from None


def discard(tmp: Path, fh: IO[str] | IO[bytes] | None = None) -> None:
    """Drop a temp file whatever state it is in (the close may fail on a full disk)."""
    if fh is not None:
        with contextlib.suppress(OSError):
            fh.close()
    remove_quietly(tmp)


def stage(target: Path, data: str | bytes) -> Path:
    """A complete, synced copy of `data` beside `target`, under a name no loader reads."""
    if isinstance(data, bytes):
        tmp, bfh = open_temp(target, "wb")
        fh: IO[str] | IO[bytes] = bfh
    else:
        tmp, fh = open_temp(target)
    try:
        fh.write(data)  # type: ignore[arg-type]  # str to text files, bytes to binary ones
    except OSError as e:
        discard(tmp, fh)
        raise os_error(target, e) from None
    except BaseException:
        discard(tmp, fh)
        raise
    finish(tmp, fh, target)
    return tmp


def replace(tmp: Path, target: Path) -> None:
    """Move a staged file onto its target atomically; the temp file is removed on failure."""
    try:
        os.replace(tmp, target)
    except OSError as e:
        remove_quietly(tmp)
        raise os_error(target, e) from None


def fsync_dirs(paths: Iterable[Path]) -> None:
    """Make renames in these files' folders durable (best effort: not every system allows it)."""
    for d in {p.parent for p in paths}:
        with contextlib.suppress(OSError):
            dfd = os.open(d, os.O_DIRECTORY)
            try:
                os.fsync(dfd)
            finally:
                os.close(dfd)


def write_atomically(contents: Mapping[Path, str | bytes]) -> None:
    """Each file replaced whole (temp file + rename), for files outside a registry's records."""
    staged: dict[Path, Path] = {}
    try:
        for target, data in contents.items():
            staged[target] = stage(target, data)
        for target in list(staged):
            replace(staged.pop(target), target)
    finally:
        for tmp in staged.values():
            remove_quietly(tmp)
    fsync_dirs(contents)
