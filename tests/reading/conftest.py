"""A local org with a clock the tests move, seeded with a small recruiting pipeline.

Everything is created through the client (applications, a stage move, rejections) or the REST
API, at fixed instants, so every id and timestamp of the expected unified JSON is known.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from asymbl_sf import Asymbl
from asymbl_sf.localorg import LocalOrg
from tests.reading.helpers import T0, Clock, Pipeline, kombo


@pytest.fixture(autouse=True)
def _state_in_the_test_folder(state_dir: Path) -> None:
    """Every reading test keeps ledgers and watermarks in its own folder (see ``state_dir``)."""


@pytest.fixture
def clock() -> Clock:
    return Clock(T0)


@pytest.fixture
def org(clock: Clock) -> Iterator[LocalOrg]:
    with LocalOrg(clock=clock) as local:
        yield local


@pytest.fixture
def client(org: LocalOrg) -> Asymbl:
    return Asymbl(org.salesforce())


@pytest.fixture
def pipeline(org: LocalOrg, client: Asymbl, clock: Clock) -> Pipeline:
    """Four applications (pending, hired, rejected, withdrawn), a hiring manager Contact and a
    sales lead on the backend job; one minute between steps."""
    ids: dict[str, str] = {}
    at: dict[str, datetime] = {}
    jobs = {j["Name"]: j["Id"] for j in org.records("bpats__Job__c")}
    ids["nurse"], ids["backend"] = jobs["Registered Nurse"], jobs["Senior Backend Engineer"]
    ids["user"] = org.records("User")[0]["Id"]

    def apply(key: str, job: str, payload: dict[str, Any]) -> None:
        at[key] = clock.advance(minutes=1)
        data = client.create_application(payload, job_id=ids[job])["data"]
        ids[key], ids[f"{key}.contact"] = data["id"], data["candidate_id"]

    apply("ada", "nurse", kombo("Ada", "Lovelace", "ada@example.com"))
    apply(
        "ben",
        "backend",
        kombo(
            "Ben",
            "Okafor",
            "ben@example.com",
            phone_number="+49 30 1234",
            title="Engineer",
            location={"country": "DE", "city": "Berlin", "zip_code": "10115"},
        ),
    )
    at["ben.hired"] = clock.advance(minutes=1)
    client.move_application_stage(ids["ben"], "Placement")
    apply("cleo", "nurse", kombo("Cleo", "Park", "cleo@example.com"))
    at["cleo.rejected"] = clock.advance(minutes=1)
    client.sf.bpats__ATS_Applicant__c.update(
        ids["cleo"],
        {
            "bpats__Applicant_Status__c": "Rejected",
            "bpats__Asymbl_Rejection_Reason__c": "Client Rejected",
        },
    )
    apply("dan", "backend", kombo("Dan", "Silva", "dan@example.com"))
    at["dan.withdrew"] = clock.advance(minutes=1)
    client.sf.bpats__ATS_Applicant__c.update(
        ids["dan"],
        {
            "bpats__Applicant_Status__c": "Rejected",
            "bpats__Asymbl_Rejection_Reason__c": "Applicant Withdrew",
        },
    )
    at["team"] = clock.advance(minutes=1)
    ids["manager"] = client.sf.Contact.create(
        {"FirstName": "Hana", "LastName": "Manager", "Email": "hana@client.example"}
    )["id"]
    ids["sales"] = org.backend.create(
        "User",
        {
            "Username": "sam.sales@asymbl-sf.local",
            "FirstName": "Sam",
            "LastName": "Sales",
            "Email": "sam.sales@example.com",
            "IsActive": False,
        },
    )["Id"]
    client.sf.bpats__Job__c.update(
        ids["backend"],
        {"bpats__Hiring_Manager__c": ids["manager"], "bpats__Sales_Lead__c": ids["sales"]},
    )
    return Pipeline(ids, at)
