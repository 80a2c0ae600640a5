"""Part 1 of the campaign: an import in-process under a seeded rate of transient faults.

The same input is imported into two identical orgs, one without faults; what the faulty run
leaves (org and results file) must equal what the clean run leaves. A run the faults stop (two
expired sessions in a row on one call end in ``AuthenticationError``, by design) is followed by
the same import again, as docs/importing.md tells an admin to do, until it completes.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from asymbl_sf.localorg import LocalOrg

from .scenario import TRANSIENT, Inputs, client_for, count_faults, import_file, seeded_org
from .snapshot import OrgSnapshot, last_rows, result_rows
from .verdict import Verdict, judge

#: Rows decided and written together in the campaign: far fewer than the import's default
#: (2,000), so the file takes more calls, and more of them meet a fault.
CHUNK_SIZE = 50


@dataclass
class ImportRun:
    """One in-process import and what it left."""

    api: str
    rate: float
    seed: int
    #: The summary of the last run, and why each earlier run stopped.
    summary: Any
    stops: list[str]
    snapshot: OrgSnapshot
    rows: list[dict[str, Any]]
    finals: dict[int, dict[str, Any]]
    verdict: Verdict
    #: Faults injected, by kind.
    faults: Counter[str]
    #: Calls the org answered (each retry is one), and what the client counted.
    org_calls: int
    retries: int
    renewals: int
    seconds: float


#: Reruns after stops before the campaign gives up (each stop needs two faults on one call).
MAX_RUNS = 10


def import_until_done(
    inputs: Inputs,
    folder: Path,
    *,
    api: str,
    rate: float = 0.0,
    seed: int = 0,
    kinds: tuple[str, ...] = TRANSIENT,
    chunk_size: int = CHUNK_SIZE,
    prepare: Callable[[LocalOrg], None] | None = None,
    name: str = "",
) -> ImportRun:
    """Import ``inputs`` into a fresh seeded in-memory org, failing calls at ``rate``; rerun
    the same import while a run stops. ``prepare(org)`` may steer the org further first."""
    results = folder / f"results{name}-{api}-{rate}-{seed}.jsonl"
    results.unlink(missing_ok=True)
    stops: list[str] = []
    with seeded_org(inputs) as org:
        plan = count_faults(org)
        if rate:
            plan.at_rate(rate, kinds, seed=seed)
        if prepare is not None:
            prepare(org)
        client = client_for(org)
        started = time.monotonic()
        summary = import_file(client, inputs, results, api=api, chunk_size=chunk_size)
        while summary.stopped_reason is not None and len(stops) < MAX_RUNS:
            stops.append(summary.stopped_reason)
            summary = import_file(client, inputs, results, api=api, chunk_size=chunk_size)
        seconds = time.monotonic() - started
        plan.clear()
        snapshot = OrgSnapshot.of(org)
        org_calls = org.calls.total
    rows = result_rows(results)
    finals = last_rows(rows)
    return ImportRun(
        api,
        rate,
        seed,
        summary,
        stops,
        snapshot,
        rows,
        finals,
        judge(inputs, snapshot, finals),
        plan.injected,
        org_calls,
        client.usage.retries,
        client.usage.renewals,
        seconds,
    )
