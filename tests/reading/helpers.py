"""What the reading tests share: the org's clock, instants, ids of the seeded pipeline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from asymbl_sf.localorg import LocalOrg

T0 = datetime(2026, 3, 2, 10, 0, 0, tzinfo=timezone.utc)
INSTANCE = "https://asymbl-sf.local-org.invalid"
APPLICANT = "bpats__ATS_Applicant__c"


class Clock:
    """The org's clock: stands still until a test moves it."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


def iso(moment: datetime) -> str:
    """How the unified models write an instant with no milliseconds."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def sf_stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000+0000")


@dataclass
class Pipeline:
    """Ids and instants of the seeded records."""

    ids: dict[str, str]
    at: dict[str, datetime]


def kombo(first: str, last: str, email: str, **candidate: Any) -> dict[str, Any]:
    return {
        "candidate": {"first_name": first, "last_name": last, "email_address": email, **candidate}
    }


def stage_id(org: LocalOrg, job_id: str, name: str) -> str:
    return next(
        s["Id"]
        for s in org.records("bpats__ATS_Stage__c")
        if s["bpats__Job__c"] == job_id and s["Name"] == name
    )


def seed_applications(org: LocalOrg, count: int, job_name: str = "Registered Nurse") -> None:
    """``count`` Contacts with one application each, written straight into the org's store.

    The first applicant goes through the org's rules; the others copy it with their own id,
    Contact, Name and Contact+Job key, which skips the rules for speed (thousands of rows).
    """
    job = next(j["Id"] for j in org.records("bpats__Job__c") if j["Name"] == job_name)
    stage = stage_id(org, job, "Application")
    backend, store = org.backend, org.backend.store
    describe = store.describe(APPLICANT)
    assert describe is not None
    template: dict[str, Any] | None = None
    for n in range(count):
        contact = backend.create(
            "Contact", {"LastName": f"Person {n}", "Email": f"p{n}@example.com"}
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
