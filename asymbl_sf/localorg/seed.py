"""Deterministic demo data: a recruiter, a candidate record type, two open jobs with stages.

Every job gets its own stages, copied from one template the way Asymbl copies
``bpats__ATS_Template_Stage__c`` rows onto a new job. Ids and timestamps are the same on every
run, so examples and docs can show them.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from .backend import OrgBackend

SEED_TIME = datetime(2026, 1, 5, 9, 0, 0, tzinfo=timezone.utc)

#: (Name, bpats__Sequence__c, bpats__Stage_Type__c, bpats__Interview_Stage__c)
STAGE_TEMPLATE: tuple[tuple[str, int, str, bool], ...] = (
    ("Application", 1, "Application", False),
    ("Internal Review", 2, "Internal Review", False),
    ("Interview", 3, "Interview", True),
    ("Offer", 4, "Offer", False),
    ("Placement", 5, "Placement", False),
)

JOBS: tuple[dict[str, Any], ...] = (
    {
        "Name": "Senior Backend Engineer",
        "bpats__Job_Title__c": "Senior Backend Engineer",
        "bpats__Status__c": "Open",
        "bpats__Type__c": "Permanent",
        "bpats__Is_Active__c": True,
        "bpats__Post_Externally__c": True,
        "bpats__Location__c": "Berlin, DE",
        "bpats__Salary__c": 85000,
        "bpats__Posted_Date__c": "2026-01-05",
        "bpats__Number_of_Openings__c": 2,
    },
    {
        "Name": "Registered Nurse",
        "bpats__Job_Title__c": "Registered Nurse (Night Shift)",
        "bpats__Status__c": "Open",
        "bpats__Type__c": "Contract",
        "bpats__Is_Active__c": True,
        "bpats__Post_Externally__c": False,
        "bpats__Location__c": "Austin, TX",
        "bpats__Pay_Rate__c": 55,
        "bpats__Posted_Date__c": "2026-01-05",
        "bpats__Number_of_Openings__c": 3,
    },
)


def seed(backend: OrgBackend) -> dict[str, str]:
    """Fill an empty org; returns the ids of what it made by a short name."""
    clock = backend.clock
    backend.clock = lambda: SEED_TIME
    try:
        ids: dict[str, str] = {}
        user = backend.create(
            "User",
            {
                "Username": "riley.recruiter@asymbl-sf.local",
                "FirstName": "Riley",
                "LastName": "Recruiter",
                "Email": "riley.recruiter@example.com",
                "IsActive": True,
            },
        )
        backend.running_user_id = user["Id"]
        # The first record had no running user yet: it created itself.
        backend.store.put(
            "User",
            {
                **user,
                **{
                    name: user["Id"]
                    for name in ("CreatedById", "LastModifiedById", "OwnerId")
                    if name in user
                },
            },
        )
        ids["user"] = user["Id"]
        ids["record_type"] = backend.create(
            "RecordType",
            {
                "Name": "Candidate",
                "DeveloperName": "Candidate",
                "SobjectType": "Contact",
                "IsActive": True,
            },
        )["Id"]
        ids["account"] = backend.create("Account", {"Name": "Candidate Pool"})["Id"]
        for number, fields in enumerate(JOBS, start=1):
            job = backend.create("bpats__Job__c", {**fields, "bpats__Delivery_Lead__c": user["Id"]})
            ids[f"job{number}"] = job["Id"]
            for name, sequence, stage_type, interview in STAGE_TEMPLATE:
                stage = backend.create(
                    "bpats__ATS_Stage__c",
                    {
                        "Name": name,
                        "bpats__Job__c": job["Id"],
                        "bpats__Sequence__c": sequence,
                        "bpats__Stage_Type__c": stage_type,
                        "bpats__Interview_Stage__c": interview,
                    },
                )
                ids[f"job{number}.{name}"] = stage["Id"]
        return ids
    finally:
        backend.clock = clock
