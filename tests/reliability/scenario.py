"""The campaign's input and orgs: seeded synthetic applications, Contacts already in the org,
a fault plan that counts what it injects, and a client that retries without sleeping.

Sizes come from the environment so the documented full-size figures can be reproduced with the
same tests: ``ASYMBL_SF_CAMPAIGN_SIZE=5000`` (the suite's default is smaller, to stay within
``.ci/run``'s time).
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from asymbl_sf import Asymbl
from asymbl_sf.localorg import LocalOrg
from asymbl_sf.localorg.faults import FaultPlan
from asymbl_sf.localorg.org import SESSION_ID
from asymbl_sf.salesforce.retry import RetryPolicy
from benchmarks.synthetic import SEEDED_JOBS, generate, seed_contacts, write

SIZE_ENV = "ASYMBL_SF_CAMPAIGN_SIZE"
#: Every transient kind the local org injects; the import handles each (docs/importing.md).
TRANSIENT = ("row_lock", "http_503", "drop", "expired_session", "lost_response", "http_500")
#: The job of records whose body names none (Truto candidates).
DEFAULT_JOB = SEEDED_JOBS[0]
#: Retries without sleeping, with room for a 10% fault rate (8 faults in a row: 1 in 10^8).
NO_WAIT = RetryPolicy(attempts=8, initial_delay=0.0, max_delay=0.0, sleep=lambda _: None)


def campaign_size(default: int) -> int:
    """``$ASYMBL_SF_CAMPAIGN_SIZE`` if set, else ``default``."""
    text = os.environ.get(SIZE_ENV, "").strip()
    if not text:
        return default
    if not text.isdigit() or int(text) < 10:
        raise ValueError(f"{SIZE_ENV}={text!r}: give a whole number of applications, 10 or more")
    return int(text)


@dataclass(frozen=True)
class Inputs:
    """One campaign input file and what each of its lines should become."""

    path: Path
    records: int
    existing: int
    seed: int
    #: Valid lines (1-based) → (email key, job name): the Contact and application they need.
    expected: dict[int, tuple[str, str]]
    #: Lines the generator made invalid on purpose: they fail in every run.
    invalid_lines: frozenset[int]

    @property
    def emails(self) -> set[str]:
        return {email for email, _ in self.expected.values()}

    @property
    def pairs(self) -> set[tuple[str, str]]:
        return set(self.expected.values())


def existing_count(records: int) -> int:
    """Contacts already in the org before the import: a tenth of the file."""
    return max(records // 10, 1)


def make_inputs(folder: Path, records: int, *, seed: int = 1, name: str = "in.jsonl") -> Inputs:
    """Write ``records`` synthetic applications (new, repeated, existing and a few invalid
    candidates; Kombo, Merge and Truto) as JSON Lines."""
    existing = existing_count(records)
    path = folder / name
    made = list(generate(records, seed=seed, existing_contacts=existing))
    write(made, path, "jsonl")
    invalid = frozenset(
        r.index + 1 for r in made if r.kind in ("bad_email", "no_last_name", "unknown_stage")
    )
    expected = {
        r.index + 1: (r.email_key, r.job.removeprefix("remote:"))
        for r in made
        if r.index + 1 not in invalid and r.email_key
    }
    return Inputs(path, records, existing, seed, expected, invalid)


def seeded_org(inputs: Inputs, path: Path | None = None) -> LocalOrg:
    """A fresh org (in memory, or kept in ``path``) holding the input's existing Contacts."""
    org = LocalOrg(path)
    seed_contacts(org, inputs.existing, seed=inputs.seed)
    if org.folder is not None:
        with org.folder.locked():
            org.folder.save(org.backend)
    return org


def client_for(org: LocalOrg, retry: RetryPolicy = NO_WAIT) -> Asymbl:
    """A client of ``org`` that renews an expired session as a logged-in client does."""
    client = Asymbl(org.salesforce(), retry=retry)
    client.api.renew = lambda: SESSION_ID
    return client


@dataclass
class CountedFaults(FaultPlan):
    """A fault plan that counts what it injects, by kind."""

    injected: Counter[str] = field(default_factory=Counter)

    def draw(self, method: str, path: str) -> str | None:
        kind = super().draw(method, path)
        if kind is not None:
            self.injected[kind] += 1
        return kind


def count_faults(org: LocalOrg) -> CountedFaults:
    """Replace the org's (empty) fault plan by one that counts; returns it for steering."""
    plan = CountedFaults()
    org.server.faults = plan
    return plan


def import_file(client: Asymbl, inputs: Inputs, results: Path, **options: Any) -> Any:
    """``client.import_records`` on the input file with the campaign's defaults."""
    return client.import_records(inputs.path, results=results, job_id=DEFAULT_JOB, **options)
