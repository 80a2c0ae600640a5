"""Imports at scale against the local org, next to a naive per-record loop on the same data.

Generates seeded synthetic applications (``benchmarks/synthetic.py``: unique emails, some repeated
in the file, some already in the org, a few invalid), writes them to a file, then runs, each in a
fresh process with a freshly seeded local org and the same per-call latency:

1. the import (``Asymbl.import_records``) on the whole file;
2. the naive baseline (``benchmarks/naive_baseline.py``) on the whole file, or on its first
   ``--baseline-records`` records with calls and time scaled up (said in the output).

and prints API calls (counted by the org), calls per record, wall time, memory and the
baseline-to-import ratio. Examples (docs/performance.md has the figures)::

    python benchmarks/import_bench.py --records 10000 --api rest --latency 0.05
    python benchmarks/import_bench.py --records 100000 --api bulk --latency 0.05
    python benchmarks/import_bench.py --records 1000000 --dry-run --existing 100000 \\
        --baseline-records 0 --trace-memory
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, replace
from itertools import islice
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make ``benchmarks`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from asymbl_sf.client import Asymbl
from asymbl_sf.importing.columns import load_column_map
from asymbl_sf.importing.sources import SourceRecord, read_records
from asymbl_sf.localorg import LocalOrg
from asymbl_sf.mapping import load_mapping
from benchmarks.child_org import ChildOrg
from benchmarks.measure import Measurement, details, measuring, run_isolated, table
from benchmarks.naive_baseline import run_naive
from benchmarks.synthetic import (
    SEEDED_JOBS,
    Format,
    generate,
    seed_contacts,
    write,
    write_column_map,
)

#: With latency, the baseline (2-3 calls per record, one after the other) runs on this many
#: records unless told otherwise; its figures are scaled to the whole file.
DEFAULT_BASELINE_SAMPLE = 1_000


@dataclass(frozen=True)
class Scenario:
    """Everything one measured run needs (picklable: it crosses into a fresh process)."""

    input: str
    format: Format
    records: int
    existing: int
    seed: int
    latency: float
    api: str
    dry_run: bool
    job_id: str
    max_concurrency: int
    results: str
    column_map: str | None = None
    trace_memory: bool = False


def _seed(org: LocalOrg, existing: int, seed: int) -> None:
    seed_contacts(org, existing, seed=seed)


def _org(s: Scenario) -> ChildOrg:
    """A fresh org holding the seeded jobs and ``s.existing`` Contacts, in a child process: its
    own work is Salesforce's, not the client's, and is not measured as the client's."""
    return ChildOrg(_seed, s.existing, s.seed, latency=s.latency)


def import_run(s: Scenario) -> Measurement:
    """The import of the whole input file."""
    with _org(s) as org:
        return _import(s, org)


def _import(s: Scenario, org: ChildOrg) -> Measurement:
    client = Asymbl(org.salesforce(), ledger=False)
    # A results file left by an earlier run would make the import resume (skip its rows).
    Path(s.results).unlink(missing_ok=True)
    what = "dry run" if s.dry_run else s.api
    m = Measurement(label=f"import ({what})", records=s.records)
    with measuring(m, trace_memory=s.trace_memory):
        summary = client.import_records(
            s.input,
            format=s.format,
            job_id=s.job_id,
            api=s.api,
            dry_run=s.dry_run,
            results=s.results,
            column_map=s.column_map,
            max_concurrency=s.max_concurrency,
        )
    _count_calls(m, org)
    m.outcomes = dict(summary.outcomes)
    m.notes.append(
        f"path taken: {summary.api}; the client counted {summary.api_calls:,} calls; "
        f"Contacts new {summary.contacts_new:,}, reused {summary.contacts_reused:,}; "
        f"applications new {summary.applications_new:,}, existing "
        f"{summary.applications_exist:,}"
        + (f"; stopped: {summary.stopped_reason}" if summary.stopped_reason else "")
    )
    return m


def baseline_run(s: Scenario, sample: int) -> Measurement:
    """The naive per-record loop over the first ``sample`` records of the input file."""
    with _org(s) as org:
        sf = org.salesforce()
        mapping = load_mapping()
        m = Measurement(label="naive loop", records=sample)
        with measuring(m, trace_memory=s.trace_memory):
            result = run_naive(sf, islice(_records(s), sample), mapping, job_id=s.job_id)
        _count_calls(m, org)
    m.outcomes = result.outcomes()
    return m


def _count_calls(m: Measurement, org: ChildOrg) -> None:
    calls = org.calls()
    m.api_calls = calls.pop("total")
    m.calls_by_endpoint = calls


def _records(s: Scenario) -> Iterator[SourceRecord]:
    column_map = load_column_map(s.column_map) if s.column_map else None
    return read_records(s.input, format=s.format, column_map=column_map)


def run(s: Scenario, *, baseline_records: int, isolate: bool = True) -> list[Measurement]:
    """The import, then the baseline (``baseline_records`` 0: none); with ``s.trace_memory`` the
    import is run a second time under ``tracemalloc`` for its traced peak, so the timed run is
    not slowed by tracing."""

    def call(fn: Callable[..., Measurement], *args: object) -> Measurement:
        return run_isolated(fn, *args) if isolate else fn(*args)

    timed = replace(s, trace_memory=False)
    ours = call(import_run, timed)
    if s.trace_memory:
        traced = call(import_run, replace(s, results=s.results + ".traced"))
        ours.traced_peak = traced.traced_peak
        ours.notes.append("traced peak from a second, identical run under tracemalloc")
    rows = [ours]
    if baseline_records > 0:
        sample = min(baseline_records, s.records)
        naive = call(baseline_run, timed, sample)
        if s.trace_memory:
            naive.traced_peak = call(baseline_run, s, sample).traced_peak
        rows.append(naive if sample == s.records else naive.scaled(s.records))
    return rows


def _default_baseline(records: int, latency: float) -> int:
    return records if latency == 0 else min(records, DEFAULT_BASELINE_SAMPLE)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--records", type=int, default=10_000, help="applications in the file")
    parser.add_argument("--api", choices=("auto", "rest", "bulk"), default="auto")
    parser.add_argument("--dry-run", action="store_true", help="plan only: read, write nothing")
    parser.add_argument(
        "--latency",
        type=float,
        default=0.0,
        help="seconds the org waits before answering each call (default 0)",
    )
    parser.add_argument(
        "--existing",
        type=int,
        default=None,
        help="Contacts already in the org (default: a tenth of --records)",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--format", choices=("jsonl", "json", "csv"), default="jsonl")
    parser.add_argument("--max-concurrency", type=int, default=4)
    parser.add_argument(
        "--baseline-records",
        type=int,
        default=None,
        help=f"records the naive loop runs on, scaled to the file (default: all without "
        f"latency, else {DEFAULT_BASELINE_SAMPLE:,}); 0 skips it",
    )
    parser.add_argument(
        "--trace-memory",
        action="store_true",
        help="also measure the traced peak (a second run under tracemalloc)",
    )
    parser.add_argument(
        "--workdir",
        type=Path,
        default=None,
        help="where the input and results files go (default: a temporary folder)",
    )
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    parser.add_argument(
        "--in-process",
        action="store_true",
        help="run everything in this process (memory figures then overlap)",
    )
    args = parser.parse_args(argv)
    if args.records < 1:
        parser.error("--records must be at least 1")
    existing = args.records // 10 if args.existing is None else args.existing
    baseline = (
        _default_baseline(args.records, args.latency)
        if args.baseline_records is None
        else args.baseline_records
    )

    with tempfile.TemporaryDirectory(prefix="asymbl-bench-") as tmp:
        folder = args.workdir or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"applications.{args.format}"
        write(generate(args.records, seed=args.seed, existing_contacts=existing), path, args.format)
        column_map = None
        if args.format == "csv":
            column_map = folder / "columns.yaml"
            write_column_map(column_map)
        scenario = Scenario(
            input=str(path),
            format=args.format,
            records=args.records,
            existing=existing,
            seed=args.seed,
            latency=args.latency,
            api=args.api,
            dry_run=args.dry_run,
            job_id=SEEDED_JOBS[0],
            max_concurrency=args.max_concurrency,
            results=str(folder / "results.jsonl"),
            column_map=str(column_map) if column_map else None,
            trace_memory=args.trace_memory,
        )
        rows = run(scenario, baseline_records=baseline, isolate=not args.in_process)

    print(
        f"{args.records:,} applications ({args.format}), {existing:,} Contacts already in the "
        f"org, latency {args.latency:g} s per call, seed {args.seed}; "
        f"{_machine()}"
    )
    print(table(rows, ratio=(rows[1], rows[0]) if len(rows) == 2 else None))
    print(details(rows))
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "arguments": {
                        k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()
                    },
                    "scenario": asdict(scenario),
                    "machine": _machine(),
                    "runs": [m.as_dict() for m in rows],
                },
                indent=2,
            ),
            encoding="utf-8",
        )
    return 0


def _machine() -> str:
    return (
        f"Python {platform.python_version()} on {platform.system()} {platform.machine()}, "
        f"{os.cpu_count()} CPUs"
    )


if __name__ == "__main__":
    raise SystemExit(main())
