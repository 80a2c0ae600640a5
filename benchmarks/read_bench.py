"""How ``client.read("applications")`` scales: API calls, wall time and peak memory.

    .venv/bin/python benchmarks/read_bench.py                 # 5,000 and 50,000 applications
    .venv/bin/python benchmarks/read_bench.py --sizes 1000 20000

For each size, a local org is seeded with that many applications (each with its own Contact)
straight through its store, so seeding takes seconds. The org runs in a **child process** and
the client reaches it through a pipe: the client's memory is measured alone, as it would be
against a real org, not mixed with the emulator's (which holds the whole org, and the cursor of
the query as Salesforce does server-side). The read is streamed as JSON Lines to /dev/null;
``tracemalloc`` gives the peak memory allocated during the read. Flat memory means the peak for
50,000 rows is about the peak for 5,000: one page (2,000 rows) at a time.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import time
import tracemalloc
from multiprocessing.connection import Connection
from typing import Any

import requests
from simple_salesforce import Salesforce

from asymbl_sf import Asymbl
from asymbl_sf.localorg import LocalOrg
from asymbl_sf.localorg.http import HttpRequest, HttpResponse
from asymbl_sf.localorg.org import INSTANCE_URL, SESSION_ID, LocalOrgAdapter
from asymbl_sf.reading.writers import write_rows

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


def serve(conn: Connection, count: int) -> None:
    """The child: an in-memory org answering the requests the parent sends down the pipe."""
    org = LocalOrg()
    started = time.perf_counter()
    seed(org, count)
    conn.send(time.perf_counter() - started)
    while (message := conn.recv()) is not None:
        response = org.handle(HttpRequest(*message))
        conn.send((response.status, response.body, response.headers))


class PipedOrg:
    """Looks like a LocalOrg to :class:`LocalOrgAdapter`; the org is in the other process."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def handle(self, request: HttpRequest) -> HttpResponse:
        self.conn.send((request.method, request.url, request.headers, request.body))
        status, body, headers = self.conn.recv()
        return HttpResponse(status, body, headers)


def measure(count: int) -> dict[str, float]:
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    process = context.Process(target=serve, args=(child, count), daemon=True)
    process.start()
    try:
        seconds_to_seed = parent.recv()
        session = requests.Session()
        session.mount(INSTANCE_URL + "/", LocalOrgAdapter(PipedOrg(parent)))  # type: ignore[arg-type]
        sf = Salesforce(instance_url=INSTANCE_URL, session_id=SESSION_ID, session=session)
        client = Asymbl(sf, ledger=False)
        tracemalloc.start()
        started = time.perf_counter()
        with open(os.devnull, "w", encoding="utf-8") as sink:
            stream = client.read("applications")
            rows = write_rows(stream, sink, "jsonl")
        seconds = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        parent.send(None)
    finally:
        process.join(10)
        if process.is_alive():
            process.kill()
    assert rows == count, (rows, count)
    return {
        "rows": rows,
        "api_calls": stream.stats.api_calls,
        "seconds": seconds,
        "peak_mib": peak / 2**20,
        "seed_seconds": seconds_to_seed,
    }


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
        f"{'applications':>12}  {'API calls':>9}  {'read (s)':>8}  {'rows/s':>7}  "
        f"{'peak MiB':>8}  {'seed (s)':>8}"
    )
    for count in args.sizes:
        r = measure(count)
        print(
            f"{int(r['rows']):>12,}  {int(r['api_calls']):>9}  {r['seconds']:>8.1f}  "
            f"{r['rows'] / r['seconds']:>7,.0f}  {r['peak_mib']:>8.1f}  "
            f"{r['seed_seconds']:>8.1f}"
        )


if __name__ == "__main__":
    main()
