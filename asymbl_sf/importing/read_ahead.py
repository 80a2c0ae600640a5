"""Reading and planning the input on a thread of its own, a few chunks ahead of the writes.

Planning a record is CPU work in this process (parse, validate, render); writing a chunk is
mostly waiting for Salesforce. With the reader a couple of chunks ahead, the next chunk is
planned while the org works on the last one, so an import over REST takes about as long as its
writes rather than the sum of both. The queue between the two holds at most ``ahead`` chunks,
so memory stays bounded whatever the input's size. Planning makes no API call (the planner's
describes are read before the first record is planned), so the calls, their order and the
results are the same as reading everything first.

The reader stops when the consumer stops iterating (a request limit, an error, Ctrl-C); with
:meth:`ChunkReader.count_rest` it can still count the records it did not plan, so a stopped run
can say how many rows are left.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Generic, TypeVar

Record = TypeVar("Record")
Planned = TypeVar("Planned")

#: Chunks planned ahead of the one being written.
AHEAD = 2
#: How often a blocked reader checks whether it was told to stop (seconds).
_POLL = 0.1


@dataclass
class ReadChunk(Generic[Planned]):
    """Up to ``size`` records of the input, in order, each planned (or failed to)."""

    planned: list[Planned] = field(default_factory=list)
    #: Records read for this chunk, skipped ones included.
    read: int = 0
    #: Records skipped because an earlier run finished them.
    skipped: int = 0


@dataclass
class _End:
    """The reader's last message: it finished, or failed with ``error``."""

    error: BaseException | None = None


class ChunkReader(Generic[Record, Planned]):
    """Iterates over the planned chunks of ``records``, planned on a thread of its own.

    ``plan`` turns a record into what the import keeps of it; ``skip`` says whether a record is
    left out (finished by an earlier run). Exceptions of reading or planning are raised in the
    consumer, at the chunk where they happened.
    """

    def __init__(
        self,
        records: Iterable[Record],
        plan: Callable[[Record], Planned],
        skip: Callable[[Record], bool],
        size: int,
        *,
        ahead: int = AHEAD,
        threaded: bool = True,
    ) -> None:
        self._records = iter(records)
        self._plan = plan
        self._skip = skip
        self._size = size
        self._queue: queue.Queue[ReadChunk[Planned] | _End] = queue.Queue(maxsize=ahead)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="asymbl-sf-reader", daemon=True)
        self._threaded = threaded
        self._started = False
        self._finished = False
        #: Records planned by the thread, and taken by the consumer: the difference was planned
        #: for nothing when the consumer stopped.
        self._planned = 0
        self._taken = 0

    def __iter__(self) -> Iterator[ReadChunk[Planned]]:
        if not self._threaded:
            yield from self._inline()
            return
        if not self._started:
            self._started = True
            self._thread.start()
        try:
            while True:
                message = self._queue.get()
                if isinstance(message, _End):
                    self._finished = True
                    if message.error is not None:
                        raise message.error
                    return
                self._taken += len(message.planned)
                yield message
        finally:
            if not self._finished:
                self.close()

    def close(self) -> None:
        """Stop reading (the consumer will not take more chunks) and wait for the thread."""
        self._stop.set()
        while self._thread.is_alive():
            with contextlib.suppress(queue.Empty):  # make room: a reader blocked on a full
                self._queue.get_nowait()  # queue sees the stop
            self._thread.join(_POLL)

    def count_rest(self) -> int:
        """After :meth:`close`: the records the consumer did not take (those planned ahead,
        and the rest of the input, read and skipped like the others but not planned). Reads the
        rest of the input on the calling thread."""
        return self._planned - self._taken + sum(1 for r in self._records if not self._skip(r))

    def _inline(self) -> Iterator[ReadChunk[Planned]]:
        """The same chunks, planned on the consumer's thread: when nothing would overlap with
        the planning, a second thread only adds the cost of passing the interpreter lock."""
        self._finished = True
        yield from self._chunks(stopped=lambda: False)

    def _chunks(self, stopped: Callable[[], bool]) -> Iterator[ReadChunk[Planned]]:
        """The input read, skipped and planned chunk by chunk; ``stopped`` is asked after every
        record, and once it says so nothing more is read (the partial chunk is dropped)."""
        chunk: ReadChunk[Planned] = ReadChunk()
        for record in self._records:
            chunk.read += 1
            if self._skip(record):
                chunk.skipped += 1
            else:
                chunk.planned.append(self._plan(record))
                self._planned += 1
            if chunk.read - chunk.skipped >= self._size:
                yield chunk
                chunk = ReadChunk()
            if stopped():
                return
        yield chunk

    # -- the reading thread ---------------------------------------------------------------------

    def _run(self) -> None:
        try:
            for chunk in self._chunks(stopped=self._stop.is_set):
                self._put(chunk)
            if not self._stop.is_set():
                self._put(_End())
        except BaseException as exc:
            self._put(_End(exc))

    def _put(self, message: ReadChunk[Planned] | _End) -> None:
        while not self._stop.is_set():
            try:
                self._queue.put(message, timeout=_POLL)
                return
            except queue.Full:
                continue
