"""A migration with files: N applications with one CV each, imported against the local org, next
to the naive way of adding files (one upload call per file) on the same data.

Three runs, each in a fresh process with a fresh in-memory org and the same per-call latency:

1. the import of the applications *without* their CVs (what the applications alone cost);
2. the import of the same applications *with* one CV of ``--cv-size`` bytes each;
3. the naive per-file upload: the applications imported, then one ``POST sobjects/ContentVersion``
   per file (what ``add-attachment`` per record, or a hand-written loop, spends), on the first
   ``--baseline-records`` files, its calls and time scaled to the whole migration.

It prints the API calls the files cost on top of the applications (run 2 minus run 1), calls per
file, wall time and memory, and the naive-to-import ratio. The target (docs/performance.md): at
most one API call per ten files. Example::

    python benchmarks/files_bench.py --records 10000 --cv-size 100000 --latency 0.05
"""

from __future__ import annotations

import argparse
import base64
import json
import random
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make ``benchmarks`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from asymbl_sf.client import Asymbl
from asymbl_sf.localorg import LocalOrg
from benchmarks.measure import Measurement, measuring, run_isolated, table
from benchmarks.synthetic import SEEDED_JOBS

#: With latency, the naive uploads run on this many files unless told otherwise (scaled up).
DEFAULT_BASELINE_SAMPLE = 500


@dataclass(frozen=True)
class Scenario:
    with_files: str
    without_files: str
    records: int
    cv_size: int
    latency: float
    results: str


def write_inputs(folder: Path, records: int, cv_size: int, seed: int) -> tuple[Path, Path]:
    """Two JSON Lines files of the same Kombo applications, with and without a CV each (random
    bytes, so no two CVs share a checksum)."""
    rng = random.Random(seed)
    with_files, without = folder / "with-cvs.jsonl", folder / "without-cvs.jsonl"
    with (
        open(with_files, "w", encoding="utf-8") as full,
        open(without, "w", encoding="utf-8") as bare,
    ):
        for i in range(records):
            record = {
                "candidate": {
                    "first_name": "Cand",
                    "last_name": f"Number {i}",
                    "email_address": f"candidate{i}@migration.example",
                }
            }
            bare.write(json.dumps(record) + "\n")
            data = base64.b64encode(rng.randbytes(cv_size)).decode("ascii")
            record["attachments"] = [
                {
                    "name": f"cv-{i}.pdf",
                    "type": "CV",
                    "content_type": "application/pdf",
                    "data": data,
                }
            ]
            full.write(json.dumps(record) + "\n")
    return with_files, without


def _org(latency: float) -> LocalOrg:
    org = LocalOrg()
    org.latency = latency
    return org


def import_run(s: Scenario, path: str, label: str) -> Measurement:
    org = _org(s.latency)
    client = Asymbl(org.salesforce(), ledger=False)
    Path(s.results).unlink(missing_ok=True)
    m = Measurement(label=label, records=s.records)
    with measuring(m, trace_memory=False):
        summary = client.import_records(path, job_id=SEEDED_JOBS[0], results=s.results, api="rest")
    m.api_calls = org.calls.total
    m.calls_by_endpoint = dict(org.calls.by_endpoint)
    m.outcomes = dict(summary.outcomes)
    m.notes.append(f"files stored: {org.count('ContentVersion'):,}")
    return m


def naive_run(s: Scenario, sample: int) -> Measurement:
    """The applications imported (not counted), then one upload call per file."""
    org = _org(0.0)
    client = Asymbl(org.salesforce(), ledger=False)
    Path(s.results).unlink(missing_ok=True)
    client.import_records(s.without_files, job_id=SEEDED_JOBS[0], results=s.results, api="rest")
    contacts = {c["Email"]: c["Id"] for c in org.records("Contact")}
    org.latency = s.latency
    org.calls.reset()
    m = Measurement(label="naive: one upload per file", records=sample)
    with measuring(m, trace_memory=False), open(s.with_files, encoding="utf-8") as lines:
        for _, line in zip(range(sample), lines, strict=False):
            record = json.loads(line)
            attachment = record["attachments"][0]
            client.api.restful(
                "sobjects/ContentVersion/",
                method="POST",
                json={
                    "Title": attachment["name"],
                    "PathOnClient": attachment["name"],
                    "VersionData": attachment["data"],
                    "FirstPublishLocationId": contacts[record["candidate"]["email_address"]],
                },
            )
    m.api_calls = org.calls.total
    m.calls_by_endpoint = dict(org.calls.by_endpoint)
    return m


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=2_000, help="applications, one CV each")
    parser.add_argument("--cv-size", type=int, default=100_000, help="bytes per CV")
    parser.add_argument(
        "--latency",
        type=float,
        default=0.0,
        help="seconds the org waits before answering each call (default 0)",
    )
    parser.add_argument(
        "--baseline-records",
        type=int,
        default=None,
        help=f"files the naive loop uploads, scaled to all (default: all without "
        f"latency, else {DEFAULT_BASELINE_SAMPLE:,}); 0 skips it",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args(argv)
    baseline = args.baseline_records
    if baseline is None:
        baseline = args.records if args.latency == 0 else min(args.records, DEFAULT_BASELINE_SAMPLE)
    with tempfile.TemporaryDirectory(prefix="asymbl-files-") as tmp:
        folder = Path(tmp)
        with_files, without = write_inputs(folder, args.records, args.cv_size, args.seed)
        s = Scenario(
            str(with_files),
            str(without),
            args.records,
            args.cv_size,
            args.latency,
            str(folder / "results.jsonl"),
        )
        bare = run_isolated(import_run, s, s.without_files, "import, applications only")
        full = run_isolated(import_run, s, s.with_files, "import, applications + CVs")
        rows = [bare, full]
        naive = None
        if baseline > 0:
            naive = run_isolated(naive_run, s, min(baseline, args.records))
            if naive.records != args.records:
                naive = naive.scaled(args.records)
            rows.append(naive)
    file_calls = full.api_calls - bare.api_calls
    print(
        f"{args.records:,} applications with one {args.cv_size:,}-byte CV each, latency "
        f"{args.latency:g} s per call (local org, {sys.platform})\n"
    )
    print(table(rows))
    print(
        f"\nfiles cost {file_calls:,} API call(s) on top of the applications: "
        f"{file_calls / args.records:.4f} per file (target: at most 0.1), one call per "
        f"{args.records / max(file_calls, 1):,.0f} files"
    )
    if naive is not None:
        print(
            f"naive per-file uploads: {naive.api_calls:,} calls, "
            f"{naive.api_calls / max(file_calls, 1):,.0f} times the import's file calls"
        )
    if args.json:
        args.json.write_text(
            json.dumps({"file_calls": file_calls, "rows": [r.as_dict() for r in rows]}, indent=2)
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
