"""The one way threatmodel writes a file: never clobber what the path really is.

* a regular file (or a new path): atomic replace - a temporary file in the same folder,
  fsync, rename over; an existing file keeps its permission bits;
* a symlink: the write goes through to the file it points at, atomically there, so the
  link stays a link (a model kept in a shared folder and linked into a repository stays
  shared);
* a character or block device or a FIFO (``/dev/null``, ``/dev/stdout``, a pipe a reader
  is waiting on): streamed into directly, never replaced by a plain file;
* a directory or a socket: refused with a message (exit 2).

``-`` means stdout; the CLI handles it before calling here.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Iterable
from pathlib import Path

from threatmodel.errors import Problem, SourceSpan, UsageError

NEW_FILE_MODE = 0o644
WRITE_BUFFER = 1 << 18
"""Bytes a file is written in (256 KiB): an export made of many small chunks (the JSON findings and
the STIX objects, a few kilobytes each) then takes a few hundred ``write`` calls instead of one
per default 8 KiB buffer: about 45 ms less for the 42 MB of JSON at 10,000 components."""


def _refuse(path: Path, why: str, hint: str | None = None) -> UsageError:
    return UsageError(Problem(f"cannot write {path}: {why}", SourceSpan(str(path)), hint=hint))


def write_atomic(path: Path, data: str | bytes) -> None:
    """Write ``data`` to ``path`` by what ``path`` is (see the module docstring)."""
    write_atomic_chunks(path, (data.encode("utf-8") if isinstance(data, str) else data,))


def write_atomic_chunks(path: Path, payload: Iterable[bytes]) -> None:
    """:func:`write_atomic` of the concatenation of ``payload``, written as it comes: a large
    export is never held as one string and its bytes at once."""
    try:
        info: os.stat_result | None = os.stat(path)  # follows symlinks
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise _refuse(path, exc.strerror or str(exc)) from None
    if info is not None:
        mode = info.st_mode
        if stat.S_ISDIR(mode):
            raise _refuse(path, "it is a directory", hint="give a file name inside it")
        if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) or stat.S_ISFIFO(mode):
            _stream(path, payload)
            return
        if not stat.S_ISREG(mode):
            raise _refuse(path, "it is neither a regular file nor a device or pipe")
    target = _resolve_link(path)
    _replace(target, payload, None if info is None else stat.S_IMODE(info.st_mode), shown=path)


def _resolve_link(path: Path) -> Path:
    """The file a symlink (chain) finally names, so the rename lands there; ``path`` otherwise."""
    if not path.is_symlink():
        return path
    try:
        return path.resolve(strict=False)
    except (OSError, RuntimeError) as exc:  # a symlink loop
        raise _refuse(path, f"cannot follow the symlink ({exc})") from None


def _stream(path: Path, payload: Iterable[bytes]) -> None:
    """Write into a device or FIFO as it is (no temporary file, no rename)."""
    try:
        with open(path, "wb", buffering=0) as handle:
            for chunk in payload:
                view = memoryview(chunk)
                while view:
                    written = handle.write(view)
                    view = view[written or 0 :]
    except OSError as exc:
        raise _refuse(path, exc.strerror or str(exc)) from None


def _replace(target: Path, payload: Iterable[bytes], mode: int | None, *, shown: Path) -> None:
    directory = target.parent if str(target.parent) else Path(".")
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise _refuse(shown, exc.strerror or str(exc)) from None
    try:
        with os.fdopen(fd, "wb", buffering=WRITE_BUFFER) as handle:
            for chunk in payload:
                handle.write(chunk)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, NEW_FILE_MODE if mode is None else mode)
        os.replace(tmp, target)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise _refuse(shown, exc.strerror or str(exc)) from None
    except BaseException:  # the payload failed while being written: leave no temporary file behind
        Path(tmp).unlink(missing_ok=True)
        raise
