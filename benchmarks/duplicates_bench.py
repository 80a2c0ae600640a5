"""Finding duplicate candidates in a big org: API calls, wall time and the client's memory.

An org of ``--contacts`` Contacts (one in ``--every`` shares its email with another, in another
case and with spaces) is seeded straight into a local org running in a child process
(``benchmarks/child_org.py``), so only the client is measured. Two runs, each timed, then traced
for its peak memory:

- ``duplicates``: :meth:`Asymbl.duplicates` (a Bulk API 2.0 query job scans the Contacts into a
  temporary database; only the groups are read in detail);
- ``naive``: every Contact read with ``query_all`` into a Python dict keyed by the normalised
  email, then grouped: what a script would do.

Run: ``python benchmarks/duplicates_bench.py --contacts 200000``.
"""

from __future__ import annotations

import argparse
import sys
import time
import tracemalloc
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make ``benchmarks`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from asymbl_sf import Asymbl
from asymbl_sf.localorg import LocalOrg
from benchmarks.child_org import ChildOrg


def seed(org: LocalOrg, count: int, every: int) -> None:
    """``count`` Contacts through the store; each ``every``-th repeats an earlier email."""
    backend = org.backend
    for n in range(count):
        if n % every == every - 1:
            email = f"  Person{n - 1}@Example.com "  # the same person, spelled otherwise
        else:
            email = f"person{n}@example.com"
        record = backend.rules.prepare_create(
            backend.sobject_describe("Contact"), {"LastName": f"P{n}", "Email": "x@example.com"}
        )
        record["Email"] = email  # older data: the API would refuse the spaces today
        backend.store.put("Contact", record)


def duplicates(org: ChildOrg) -> tuple[int, int]:
    client = Asymbl(org.salesforce(), ledger=False)
    found = client.duplicates()
    return len(found.groups), client.usage.calls


def naive(org: ChildOrg) -> tuple[int, int]:
    client = Asymbl(org.salesforce(), ledger=False)
    by_email: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in client.sf.query_all_iter("SELECT Id, Email, CreatedDate FROM Contact"):
        by_email[str(row["Email"]).strip().lower()].append(dict(row))
    groups = sum(1 for rows in by_email.values() if len(rows) > 1)
    return groups, client.usage.calls + org.calls().get("GET query more", 0) + 1


def measure(label: str, run: Callable[[ChildOrg], tuple[int, int]], org: ChildOrg) -> None:
    started = time.perf_counter()
    groups, calls = run(org)
    seconds = time.perf_counter() - started
    tracemalloc.start()
    run(org)
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    print(f"{label:<12}  {groups:>8,}  {calls:>9,}  {seconds:>7.1f}  {peak:>12.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--contacts", type=int, default=200_000)
    parser.add_argument("--every", type=int, default=50, help="one duplicate per this many")
    args = parser.parse_args()
    with ChildOrg(seed, args.contacts, args.every) as org:
        print(f"{args.contacts:,} Contacts, one in {args.every} a duplicate of another")
        print(f"{'run':<12}  {'groups':>8}  {'API calls':>9}  {'wall s':>7}  {'traced MiB':>12}")
        measure("duplicates", duplicates, org)
        measure("naive", naive, org)


if __name__ == "__main__":
    main()
