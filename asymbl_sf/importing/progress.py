"""Progress of an import: a callback for library users, a bar or plain lines for the CLI.

The import calls ``progress(ImportProgress)`` after every chunk of every phase (reading and
checking the input, looking up and writing). :class:`BarProgress` draws a rich progress bar with
counts, rate and ETA (for a terminal); :class:`LineProgress` prints one plain line at most every
``interval`` seconds and at the end of each phase (for logs and pipes).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TextIO

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
)
from rich.table import Column

READING = "reading"
DECIDING = "deciding"
WRITING = "writing"
DRY_RUN = "checking"


@dataclass
class ImportProgress:
    """Where an import is: its phase, rows done of the phase's total, outcomes so far."""

    phase: str
    done: int
    total: int | None
    counts: dict[str, int] = field(default_factory=dict)
    elapsed: float = 0.0
    #: True on the last report of a phase.
    finished: bool = False

    @property
    def rate(self) -> float:
        """Rows per second in this phase so far."""
        return self.done / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def eta(self) -> float | None:
        """Seconds left in this phase at the current rate, when the total is known."""
        if self.total is None or not self.rate:
            return None
        return max(self.total - self.done, 0) / self.rate


ProgressCallback = Callable[[ImportProgress], None]


def describe_counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{n:,} {name}" for name, n in counts.items() if n)


class LineProgress:
    """Plain lines: ``writing: 4,000/10,000 rows (1,234/s, ETA 5 s): 3,990 created, ...``."""

    def __init__(
        self, stream: TextIO, interval: float = 5.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.stream = stream
        self.interval = interval
        self.clock = clock
        self._last = float("-inf")
        self._phase: str | None = None

    def __call__(self, report: ImportProgress) -> None:
        now = self.clock()
        new_phase = report.phase != self._phase
        if not (report.finished or new_phase or now - self._last >= self.interval):
            return
        self._phase, self._last = report.phase, now
        total = f"/{report.total:,}" if report.total is not None else ""
        eta = f", ETA {report.eta:,.0f} s" if report.eta is not None and not report.finished else ""
        counts = describe_counts(report.counts)
        self.stream.write(
            f"{report.phase}: {report.done:,}{total} rows "
            f"({report.rate:,.0f}/s{eta}){': ' + counts if counts else ''}\n"
        )
        self.stream.flush()


class BarProgress:
    """A rich progress bar per phase on a terminal; call :meth:`close` at the end."""

    def __init__(self, console: Console) -> None:
        # Counts and the ETA first, the bar in the room left, the outcomes last (cut with an
        # ellipsis): at 80 columns a line keeps what matters readable.
        self.progress = Progress(
            TextColumn("{task.description:<8}", table_column=Column(no_wrap=True, min_width=8)),
            MofNCompleteColumn(table_column=Column(no_wrap=True, min_width=11)),
            BarColumn(bar_width=None if console.width > 100 else 12),
            TextColumn("{task.fields[rate]:>8}", table_column=Column(no_wrap=True, min_width=9)),
            TimeRemainingColumn(table_column=Column(no_wrap=True, min_width=7)),
            TextColumn(
                "{task.fields[counts]}",
                table_column=Column(
                    no_wrap=True, overflow="ellipsis", max_width=max(console.width - 54, 10)
                ),
            ),
            console=console,
            transient=False,
            expand=False,
        )
        self.tasks: dict[str, TaskID] = {}
        self.progress.start()

    def __call__(self, report: ImportProgress) -> None:
        task = self.tasks.get(report.phase)
        rate, counts = f"{report.rate:,.0f}/s", describe_counts(report.counts)
        if task is None:
            task = self.progress.add_task(
                report.phase, total=report.total, rate=rate, counts=counts
            )
            self.tasks[report.phase] = task
        self.progress.update(
            task, completed=report.done, total=report.total, rate=rate, counts=counts
        )

    def close(self) -> None:
        self.progress.stop()
