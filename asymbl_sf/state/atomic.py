"""Crash-safe files: a file replaced whole or not at all, and a lock held between processes.

A file is written to a temporary file beside it (``.NAME.XXXX.tmp``), fsync'ed, renamed over
the old one, and the folder fsync'ed so the rename itself survives a power cut: a process
killed at any instant leaves either the old or the new file, never half of one. A killed
process can leave its temporary file behind; whoever owns the folder may delete ``.*.tmp``.

Used by the local org's folder (:mod:`asymbl_sf.localorg.persist`), the read watermarks and
``read --output`` (:mod:`asymbl_sf.reading`); the created ledger (:mod:`asymbl_sf.state.ledger`) is
appended to instead, under :func:`file_lock`.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, TextIO, cast

try:  # POSIX advisory locks; released by the kernel when a process dies, even by kill -9.
    import fcntl
except ImportError:  # pragma: no cover - Windows: single-process use only
    fcntl = None  # type: ignore[assignment]


def write_atomically(path: Path, data: bytes) -> None:
    """Replace ``path`` (and make its folders) with ``data``, all or nothing."""
    with _replacing(path, "wb") as handle:
        handle.write(data)


@contextlib.contextmanager
def open_atomically(path: Path) -> Iterator[TextIO]:
    """A UTF-8 text file that appears at ``path`` only once the block completes; if the block
    fails, ``path`` is left as it was. Newlines are written as given (``newline=""``, what the
    ``csv`` module needs)."""
    with _replacing(path, "w", encoding="utf-8", newline="") as handle:
        yield cast(TextIO, handle)


@contextlib.contextmanager
def file_lock(handle: IO[Any], *, exclusive: bool = True) -> Iterator[None]:
    """Hold an ``flock`` on the open file ``handle`` for the block: exclusive, or shared with
    other readers. Without ``fcntl`` (Windows) there is no lock: one process at a time."""
    if fcntl is None:  # pragma: no cover
        yield
        return
    fcntl.flock(handle.fileno(), fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
    try:
        yield
    finally:
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


@contextlib.contextmanager
def _replacing(path: Path, mode: str, **options: Any) -> Iterator[IO[Any]]:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, mode, **options) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    with contextlib.suppress(OSError):  # make the rename itself durable (not on Windows)
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def ends_torn(handle: IO[bytes]) -> bool:
    """Whether a line-per-record file, open for appending in binary, ends without a newline (a
    write a crash cut short): the next line must then start on a line of its own. Leaves the
    position at the end."""
    end = handle.seek(0, os.SEEK_END)
    if end == 0:
        return False
    handle.seek(end - 1)
    torn = handle.read(1) != b"\n"
    handle.seek(0, os.SEEK_END)
    return torn


__all__ = ["ends_torn", "file_lock", "open_atomically", "write_atomically"]
