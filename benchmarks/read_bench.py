"""How ``client.read("applications")`` scales: API calls, wall time and peak memory.

    .venv/bin/python benchmarks/read_bench.py                 # 5,000 and 50,000 applications
    .venv/bin/python benchmarks/read_bench.py --sizes 1000 20000

For each size, a local org is seeded with that many applications (each with its own Contact)
straight through its store, so seeding takes seconds. The org runs in a **child process**
(``benchmarks/child_org.py``) and the client reaches it through a pipe: the client's memory is
measured alone, as it would be against a real org, not mixed with the emulator's (which holds
the whole org, and the cursor of the query as Salesforce does server-side), and the org's work
runs beside the client's, as a real org's does while the reader asks for the next page ahead. The read is streamed as JSON Lines to /dev/null;
``tracemalloc`` gives the peak memory allocated during the read. Flat memory means the peak for
50,000 rows is about the peak for 5,000: one page (2,000 rows) at a time.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make ``benchmarks`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from asymbl_sf import Asymbl
from asymbl_sf.localorg import LocalOrg
from asymbl_sf.reading.writers import write_rows
from benchmarks.child_org import ChildOrg

APPLICANT = "bpats__ATS_Applicant__c"


def seed(org: LocalOrg, count: int) -> None:
    """``count`` Contacts with one application each on the nurse job, through the store.

    The first applicant goes through the org's rules; the others copy it with their own id,
    Contact, Name and Contact+Job key.
    """
    job = next(j["Id"] for j in org.records("bpats__Job__c") if j["Name"] == "Registered Nurse")
    stage = next(
        s["Id"]
        for s in org.records("bpats__ATS_Stage__c")
        if s["bpats__Job__c"] == job and s["Name"] == "Application"
    )
    backend, store = org.backend, org.backend.store
    describe = store.describe(APPLICANT)
    assert describe is not None
    template: dict[str, Any] | None = None
    for n in range(count):
        contact = backend.create(
            "Contact",
            {
                "FirstName": "Candidate",
                "LastName": f"No. {n}",
                "Email": f"candidate{n}@example.com",
                "Phone": f"+1 555 {n:07d}",
            },
        )["Id"]
        if template is None:
            template = backend.create(
                APPLICANT,
                {
                    "bpats__ATS_Applicant__c": contact,
                    "bpats__Job__c": job,
                    "bpats__Stage__c": stage,
                },
            )
            continue
        number = store.next_autonumber(APPLICANT, "Name")
        store.put(
            APPLICANT,
            {
                **template,
                "Id": store.new_id(describe),
                "Name": f"APP-{number:05d}",
                "bpats__ATS_Applicant__c": contact,
                "bpats__Contact_Job_Relationship__c": f"{contact}{job}",
            },
        )


def measure(count: int) -> dict[str, float]:
    """Two reads of the same org: one timed, then one under ``tracemalloc`` for the peak
    (tracing slows every allocation several times over, so it never runs under the clock)."""
    started = time.perf_counter()
    with ChildOrg(seed, count) as org:
        seconds_to_seed = time.perf_counter() - started
        started, cpu = time.perf_counter(), time.process_time()
        rows, calls = _read(org)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        tracemalloc.start()
        _read(org)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert rows == count, (rows, count)
    return {
        "rows": rows,
        "api_calls": calls,
        "seconds": seconds,
        "cpu": cpu,
        "peak_mib": peak / 2**20,
        "seed_seconds": seconds_to_seed,
    }


def _read(org: ChildOrg) -> tuple[int, int]:
    """Every application, streamed as JSON Lines to /dev/null: rows and API calls."""
    client = Asymbl(org.salesforce(), ledger=False)
    with open(os.devnull, "w", encoding="utf-8") as sink:
        stream = client.read("applications")
        rows = write_rows(stream, sink, "jsonl")
    return rows, stream.stats.api_calls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--sizes",
        type=int,
        nargs="+",
        default=[5_000, 50_000],
        help="numbers of applications to read (default: 5000 50000)",
    )
    args = parser.parse_args()
    print(
        f"{'applications':>12}  {'API calls':>9}  {'read (s)':>8}  {'CPU (s)':>7}  "
        f"{'rows/s':>7}  {'peak MiB':>8}  {'seed (s)':>8}"
    )
    for count in args.sizes:
        r = measure(count)
        print(
            f"{int(r['rows']):>12,}  {int(r['api_calls']):>9}  {r['seconds']:>8.1f}  "
            f"{r['cpu']:>7.1f}  {r['rows'] / r['seconds']:>7,.0f}  {r['peak_mib']:>8.1f}  "
            f"{r['seed_seconds']:>8.1f}"
        )


if __name__ == "__main__":
    main()
