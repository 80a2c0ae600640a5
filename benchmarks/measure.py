"""What the benchmarks measure about one run, and how they print it.

- **Wall time**: ``time.perf_counter`` around the run only (not the seeding of the org, nor the
  writing of the input file).
- **API calls**: counted by the local org itself (``org.calls``: every HTTP request it answered,
  per endpoint), so nothing the client does can hide a call.
- **Memory**, three ways, because they answer different questions:
  ``traced peak`` is the largest amount of memory Python allocated *during* the run, above what
  was allocated before it started (``tracemalloc``, reset just before the run: the seeded org,
  the interpreter and imported modules are not counted, but what the in-process local org
  allocates to answer the run's requests is); ``RSS growth`` is how much the process's resident
  memory rose above its level just before the run (``/proc``, polled every 20 ms); ``max RSS``
  is the process's peak resident memory over its whole life (``resource.getrusage``), which
  includes the interpreter and the seeded org. Each scenario runs in a fresh process, so
  ``max RSS`` belongs to that scenario alone.
"""

from __future__ import annotations

import gc
import os
import resource
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any

MB = 1024 * 1024


@dataclass
class Measurement:
    """One run of one scenario."""

    label: str
    #: How many input records the run was given.
    records: int
    api_calls: int = 0
    calls_by_endpoint: dict[str, int] = field(default_factory=dict)
    wall_seconds: float = 0.0
    #: Bytes; None when tracemalloc was off for this run.
    traced_peak: int | None = None
    rss_growth: int | None = None
    max_rss: int | None = None
    #: Outcomes per row (the import's summary, or the baseline's counts).
    outcomes: dict[str, int] = field(default_factory=dict)
    #: Records per second of CPU time, for throughput runs (no org involved).
    rate: float | None = None
    #: CPU time of the process, for throughput runs.
    cpu_seconds: float | None = None
    #: When the run was made on a sample: the factor its counts and time were scaled by.
    scaled_from: int | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def calls_per_record(self) -> float:
        return self.api_calls / self.records if self.records else 0.0

    def scaled(self, records: int) -> Measurement:
        """This sample run's calls and time scaled linearly to ``records`` records."""
        factor = records / self.records if self.records else 0.0
        return Measurement(
            label=self.label,
            records=records,
            api_calls=round(self.api_calls * factor),
            calls_by_endpoint={k: round(v * factor) for k, v in self.calls_by_endpoint.items()},
            wall_seconds=self.wall_seconds * factor,
            traced_peak=self.traced_peak,
            rss_growth=self.rss_growth,
            max_rss=self.max_rss,
            outcomes={k: round(v * factor) for k, v in self.outcomes.items()},
            scaled_from=self.records,
            notes=list(self.notes),
        )

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["calls_per_record"] = self.calls_per_record
        return data


def current_rss() -> int | None:
    """The process's resident memory now, in bytes (None where ``/proc`` is missing)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            pages = int(statm.read().split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return pages * os.sysconf("SC_PAGE_SIZE")


def max_rss() -> int:
    """The process's peak resident memory so far, in bytes (Linux reports KiB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if os.uname().sysname == "Darwin" else peak * 1024


class _RssSampler:
    """The highest resident memory seen while running, polled from a background thread (the
    process's lifetime peak could predate the run, e.g. while the org was seeded)."""

    def __init__(self, interval: float = 0.02) -> None:
        self.interval = interval
        self.peak = current_rss() or 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def _poll(self) -> None:
        while not self._stop.wait(self.interval):
            self.peak = max(self.peak, current_rss() or 0)

    def __enter__(self) -> _RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, current_rss() or 0)


@contextmanager
def measuring(measurement: Measurement, *, trace_memory: bool) -> Iterator[None]:
    """Fill ``measurement``'s wall time and memory figures for the ``with`` body."""
    gc.collect()
    before = current_rss()
    if trace_memory:
        tracemalloc.start()
        tracemalloc.reset_peak()
    started = time.perf_counter()
    try:
        with _RssSampler() as rss:
            yield
    finally:
        measurement.wall_seconds = time.perf_counter() - started
        if trace_memory:
            measurement.traced_peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
        measurement.max_rss = max_rss()
        if before is not None:
            measurement.rss_growth = max(0, rss.peak - before)


def run_isolated(fn: Callable[..., Measurement], *args: Any) -> Measurement:
    """``fn(*args)`` in a fresh Python process (``spawn``), so its memory figures are its own."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        return pool.submit(fn, *args).result()


# --- printing ------------------------------------------------------------------------------------


def _mb(value: int | None) -> str:
    return "-" if value is None else f"{value / MB:,.1f}"


def _count(m: Measurement) -> str:
    text = f"{m.records:,}"
    return f"{text}*" if m.scaled_from else text


def table(rows: Sequence[Measurement], ratio: tuple[Measurement, Measurement] | None = None) -> str:
    """The figures as an aligned text table (``*``: scaled from a sample, see the notes)."""
    headers = (
        "run",
        "records",
        "API calls",
        "calls/record",
        "wall s",
        "rec/s",
        "traced peak MB",
        "RSS growth MB",
        "max RSS MB",
    )
    body: list[tuple[str, ...]] = []
    for m in rows:
        body.append(
            (
                m.label,
                _count(m),
                f"{m.api_calls:,}",
                f"{m.calls_per_record:.4f}"
                if m.calls_per_record >= 0.001 or not m.api_calls
                else f"{m.calls_per_record:.6f}",
                f"{m.wall_seconds:,.1f}",
                f"{m.records / m.wall_seconds:,.0f}" if m.wall_seconds else "-",
                _mb(m.traced_peak),
                _mb(m.rss_growth),
                _mb(m.max_rss),
            )
        )
    if ratio is not None:
        naive, ours = ratio
        calls = naive.api_calls / ours.api_calls if ours.api_calls else float("inf")
        wall = naive.wall_seconds / ours.wall_seconds if ours.wall_seconds else float("inf")
        body.append(
            (
                f"ratio ({naive.label} / {ours.label})",
                "",
                f"{calls:,.0f}x",
                "",
                f"{wall:,.1f}x",
                "",
                "",
                "",
                "",
            )
        )
    return _align(headers, body)


def throughput_table(rows: Sequence[Measurement]) -> str:
    """Throughput runs: records per second of CPU time (what one core does, however busy the
    machine is with other work), and the wall time of the same pass."""
    headers = ("pipeline", "records", "valid", "CPU s", "rec/s (CPU)", "µs/record", "wall s")
    body = []
    for m in rows:
        cpu = m.cpu_seconds or 0.0
        body.append(
            (
                m.label,
                f"{m.records:,}",
                f"{m.outcomes.get('valid', 0):,}",
                f"{cpu:.2f}",
                f"{m.rate:,.0f}" if m.rate else "-",
                f"{cpu / m.records * 1e6:,.1f}" if m.records else "-",
                f"{m.wall_seconds:.2f}",
            )
        )
    return _align(headers, body)


def _align(headers: Sequence[str], body: Sequence[Sequence[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in body)) for i, h in enumerate(headers)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        )

    return "\n".join([line(headers), "  ".join("-" * w for w in widths), *map(line, body)])


def details(rows: Sequence[Measurement]) -> str:
    """Per run: calls per endpoint, outcomes, and notes (sampling, what was measured)."""
    out: list[str] = []
    for m in rows:
        out.append(f"{m.label}:")
        if m.calls_by_endpoint:
            calls = ", ".join(f"{k} {v:,}" for k, v in sorted(m.calls_by_endpoint.items()))
            out.append(f"  calls by endpoint: {calls}")
        if m.outcomes:
            out.append("  outcomes: " + ", ".join(f"{k} {v:,}" for k, v in m.outcomes.items()))
        if m.scaled_from:
            out.append(
                f"  * measured on the first {m.scaled_from:,} records, calls, outcomes "
                f"and wall time scaled by {m.records / m.scaled_from:,.1f} (one record "
                "at a time, so each costs the same)"
            )
        out.extend(f"  {note}" for note in m.notes)
    return "\n".join(out)
