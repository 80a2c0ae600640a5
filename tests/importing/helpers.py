"""Building import files and reading results in tests."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from asymbl_sf.localorg import LocalOrg
from asymbl_sf.salesforce.retry import RetryPolicy

APPLICANT = "bpats__ATS_Applicant__c"
NURSE = "remote:Registered Nurse"
ENGINEER = "remote:Senior Backend Engineer"
#: Retries without sleeping, with room for a 10% fault rate.
NO_WAIT = RetryPolicy(attempts=8, initial_delay=0.0, max_delay=0.0, sleep=lambda _: None)


def kombo(
    email: str, last: str = "Doe", *, job: str | None = NURSE, **extra: Any
) -> dict[str, Any]:
    """A Kombo create-application record, with the import's own ``job_id`` key."""
    record: dict[str, Any] = {
        "candidate": {"first_name": "Jo", "last_name": last, "email_address": email},
        **extra,
    }
    if job is not None:
        record["job_id"] = job
    return record


def write_jsonl(path: Path, records: list[Any]) -> Path:
    path.write_text(
        "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records),
        encoding="utf-8",
    )
    return path


def results(path: Path) -> dict[int, dict[str, Any]]:
    """The last row of each line of a JSON Lines results file."""
    out: dict[int, dict[str, Any]] = {}
    for text in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(text)
        out[row["line"]] = row
    return out


def all_rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(t) for t in path.read_text(encoding="utf-8").splitlines()]


def org_state(org: LocalOrg) -> tuple[Counter[str], Counter[tuple[str, str]]]:
    """Contacts per email and applications per (email, job name): duplicates show as counts > 1."""
    contacts = org.records("Contact")
    email_of = {c["Id"]: c["Email"] for c in contacts}
    jobs = {j["Id"]: j["Name"] for j in org.records("bpats__Job__c")}
    applicants = Counter(
        (email_of.get(a["bpats__ATS_Applicant__c"], "?"), jobs.get(a["bpats__Job__c"], "?"))
        for a in org.records(APPLICANT)
    )
    return Counter(c["Email"] for c in contacts), applicants


def many(count: int, *, distinct: int | None = None, prefix: str = "p") -> list[dict[str, Any]]:
    """``count`` records over ``distinct`` emails (default: all different), jobs alternating."""
    distinct = distinct or count
    return [
        kombo(f"{prefix}{i % distinct}@example.com", f"L{i}", job=NURSE if i % 2 else ENGINEER)
        for i in range(count)
    ]
