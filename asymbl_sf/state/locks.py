"""Locks between runs on one machine: no two runs decide and write for one org at once.

Salesforce has no unique index on ``Contact.Email``: two runs that both look a candidate up,
both find nothing and both create it leave two Contacts (and two applications). On one machine
the fix is to make "look up, decide, write" one critical section per org:

* :func:`org_write_lock` is held by a write for as long as it looks up and writes: a single
  action for its whole run, an import for each chunk (so a single action waits for one chunk at
  most, and two imports interleave chunk by chunk, each seeing what the other wrote), a fix for
  its whole run. A run that finds it taken waits, and says once whom it waits for.
* :func:`input_lock` is held by an import for its whole run, keyed by its results file: a second
  run of the same input would write the same results file, so it stops at once and names the
  first (pid, host, start time, what it does).

Both are ``flock``/``msvcrt`` locks on files, which the operating system releases when the
holding process dies, even by ``kill -9``: a killed run's lock is never stale, and the file's
content (who holds it) is only ever read to name the holder. Within one process a lock already
held is taken again without blocking (a fix that writes through the import shares its lock).

The lock files live in a folder per user (``$ASYMBL_SF_LOCK_DIR``, else
``<temp>/asymbl-sf-<user>/locks``), not in the working directory, so two shells in different
folders still see each other. Across machines nothing here holds: see docs/reliability.md
("Concurrent runs") for the org-side claim that does.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import logging
import os
import socket
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import IO

from asymbl_sf.errors import AsymblError

try:  # POSIX
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]
try:  # Windows
    import msvcrt
except ImportError:
    msvcrt = None  # type: ignore[assignment]

LOCK_DIR_ENV = "ASYMBL_SF_LOCK_DIR"
#: How long a write waits for another run's write to finish before giving up (seconds).
DEFAULT_WAIT = 600.0
_POLL_FIRST, _POLL_MAX = 0.05, 1.0
#: Seconds a run that finds a lock taken gives the holder to write its name into the lock file.
_HOLDER_GRACE = 0.5


@dataclass(frozen=True)
class Holder:
    """Who holds a lock: written into the lock file by its holder."""

    pid: int
    host: str
    started: str
    what: str

    def describe(self) -> str:
        return f"{self.what} (pid {self.pid} on {self.host}, started {self.started})"


class LockBusyError(AsymblError):
    """Another run holds the lock (and this one would not, or could no longer, wait)."""

    def __init__(self, message: str, holder: Holder | None) -> None:
        super().__init__(message)
        self.holder = holder


def log_waiting(holder: Holder | None) -> None:
    """Say (through the ``asymbl_sf`` logger, which the CLI shows) whom a write waits for."""
    who = holder.describe() if holder is not None else "another run"
    logging.getLogger("asymbl_sf").warning("waiting for %s to finish writing to this org", who)


def lock_root() -> Path:
    """The folder of this user's lock files: ``$ASYMBL_SF_LOCK_DIR`` or a folder in the system's
    temporary directory."""
    configured = os.environ.get(LOCK_DIR_ENV, "").strip()
    if configured:
        return Path(configured)
    try:
        user = getpass.getuser()
    except Exception:
        user = "user"
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in user)
    return Path(tempfile.gettempdir()) / f"asymbl-sf-{safe}" / "locks"


def _safe(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in name)[:80]


def org_write_lock(org_key: str, what: str) -> RunLock:
    """The lock every write to the org ``org_key`` holds while it looks up and writes."""
    return RunLock(lock_root() / f"{_safe(org_key)}.write.lock", what)


def input_lock(org_key: str, results: Path, what: str) -> RunLock:
    """The lock an import holds for its whole run, per org and results file."""
    digest = hashlib.sha256(str(results.resolve()).encode("utf-8")).hexdigest()[:16]
    return RunLock(lock_root() / f"{_safe(org_key)}.input-{digest}.lock", what)


# Locks this process holds, by path and thread: taken again by the same thread without blocking
# (another thread of the process opens the file again, and flock makes it wait like a process).
_held: dict[tuple[Path, int], tuple[IO[bytes], int]] = {}
_held_guard = threading.RLock()


class RunLock:
    """An exclusive lock between processes on one file (see the module doc)."""

    def __init__(self, path: Path, what: str) -> None:
        self.path = path
        self.what = what

    def holder(self) -> Holder | None:
        """Who holds the lock, as its file says (None: nobody, or unknown)."""
        try:
            data = json.loads(self.path.read_text(encoding="utf-8") or "null")
            return Holder(**data) if isinstance(data, dict) else None
        except (OSError, ValueError, TypeError):
            return None

    def acquire(
        self,
        *,
        wait: float | None = DEFAULT_WAIT,
        on_wait: Callable[[Holder | None], None] | None = None,
    ) -> None:
        """Take the lock. ``wait``: seconds to wait for it (0: not at all; None: forever);
        ``on_wait`` is called once with the holder when this run has to wait. Raises
        :class:`LockBusyError` naming the holder when the wait runs out."""
        key = (self.path, threading.get_ident())
        with _held_guard:
            held = _held.get(key)
            if held is not None:
                _held[key] = (held[0], held[1] + 1)
                return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+b")  # noqa: SIM115 - kept open while the lock is held
        try:
            self._lock(handle, wait, on_wait)
        except BaseException:
            handle.close()
            raise
        handle.seek(0)
        handle.truncate()
        holder = Holder(os.getpid(), socket.gethostname(), _now(), self.what)
        handle.write(json.dumps(asdict(holder)).encode("utf-8"))
        handle.flush()
        with _held_guard:
            _held[key] = (handle, 1)

    def release(self) -> None:
        key = (self.path, threading.get_ident())
        with _held_guard:
            held = _held.get(key)
            if held is None:
                return
            handle, count = held
            if count > 1:
                _held[key] = (handle, count - 1)
                return
            del _held[key]
            try:
                handle.seek(0)
                handle.truncate()  # nobody holds it now
                handle.flush()
            finally:
                _unlock(handle)
                handle.close()

    @contextmanager
    def held(
        self,
        *,
        wait: float | None = DEFAULT_WAIT,
        on_wait: Callable[[Holder | None], None] | None = None,
    ) -> Iterator[RunLock]:
        self.acquire(wait=wait, on_wait=on_wait)
        try:
            yield self
        finally:
            self.release()

    def _lock(
        self,
        handle: IO[bytes],
        wait: float | None,
        on_wait: Callable[[Holder | None], None] | None,
    ) -> None:
        deadline = None if wait is None else time.monotonic() + wait
        pause, told = _POLL_FIRST, False
        while not _try_lock(handle):
            holder = self._holder_written()
            if deadline is not None and time.monotonic() >= deadline:
                raise LockBusyError(self._busy(holder, wait), holder)
            if not told and on_wait is not None:
                on_wait(holder)
                told = True
            time.sleep(pause)
            pause = min(pause * 2, _POLL_MAX)

    def _holder_written(self) -> Holder | None:
        """The holder, allowing it the moment between taking the lock and writing its name into
        the file (a run that lost the race by microseconds would otherwise say "another run")."""
        give_up = time.monotonic() + _HOLDER_GRACE
        while True:
            holder = self.holder()
            if holder is not None or time.monotonic() >= give_up:
                return holder
            time.sleep(0.01)

    def _busy(self, holder: Holder | None, wait: float | None) -> str:
        who = holder.describe() if holder else "another run"
        if ".input-" in self.path.name:
            advice = "wait for it to finish, or give this run a results file of its own"
            what = "is already running this input"
        else:
            advice = "wait for it to finish"
            what = "is writing to this org"
        waited = f" (waited {wait:.0f} s)" if wait else ""
        return f"{who} {what} on this machine{waited}; {advice}. Lock file: {self.path}"


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _try_lock(handle: IO[bytes]) -> bool:
    if fcntl is not None:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            return False
    if msvcrt is not None:  # pragma: no cover - Windows: a lock on the first byte
        try:
            handle.seek(0)
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False
    return True  # pragma: no cover - no locking available: documented in docs/reliability.md


def _unlock(handle: IO[bytes]) -> None:
    if fcntl is not None:
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
    elif msvcrt is not None:  # pragma: no cover
        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)
