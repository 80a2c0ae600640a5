"""One API call for a new application with a CV, on an org with a claim: the client bets the
candidate is new (the claim makes the org refuse a wrong bet, and allOrNone leaves nothing of
it), using the job and stages it read lately."""

from __future__ import annotations

import base64
import copy
from collections.abc import Iterator
from typing import Any

import pytest

from asymbl_sf import Asymbl
from asymbl_sf.localorg import LocalOrg
from benchmarks.synthetic import CLAIM, schema_with_claim
from tests.writes.test_claims import claim_mapping

APPLICANT = "bpats__ATS_Applicant__c"
JOB = "remote:Registered Nurse"


def application(email: str) -> dict[str, Any]:
    return {
        "candidate": {"first_name": "Ada", "last_name": "Lovelace", "email_address": email},
        "attachments": [
            {
                "name": "cv.txt",
                "type": "CV",
                "content_type": "text/plain",
                "data": base64.b64encode(f"CV of {email}".encode()).decode(),
            }
        ],
    }


@pytest.fixture
def org() -> Iterator[LocalOrg]:
    with LocalOrg(schema=schema_with_claim()) as local:
        yield local


@pytest.fixture
def client(org: LocalOrg) -> Asymbl:
    return Asymbl(org.salesforce(), mapping=claim_mapping())


def calls(org: LocalOrg, action: Any) -> tuple[int, Any]:
    org.calls.reset()
    answer = action()
    return org.calls.total, answer


def test_a_warm_client_writes_a_new_application_with_its_cv_in_one_call(
    client: Asymbl, org: LocalOrg
) -> None:
    first, _ = calls(org, lambda: client.create_application(application("a@x.com"), job_id=JOB))
    assert first == 2  # lookups (with the describes, the job and the claim check), write
    second, answer = calls(
        org, lambda: client.create_application(application("b@x.com"), job_id=JOB)
    )
    assert second == 1
    assert answer["actions"]["candidate"]["action"] == "create"
    contact = next(c for c in org.records("Contact") if c["Email"] == "b@x.com")
    assert contact[CLAIM] == "b@x.com"
    assert answer["data"]["candidate"]["id"] == contact["Id"]
    assert org.count(APPLICANT) == 2 and org.count("ContentVersion") == 2
    data = answer["data"]  # the same answer as the usual path: what read returns
    assert data == {a["id"]: a for a in client.read("applications")}[data["id"]]
    candidate = {c["id"]: c for c in client.read("candidates")}[contact["Id"]]
    assert all(candidate[key] == value for key, value in data["candidate"].items())


def test_a_lost_bet_writes_nothing_and_the_usual_path_reuses_the_candidate(
    client: Asymbl, org: LocalOrg
) -> None:
    client.create_application(application("a@x.com"), job_id=JOB)
    other = "remote:Senior Backend Engineer"
    client.create_application(application("c@x.com"), job_id=other)  # the client knows both jobs
    spent, answer = calls(
        org, lambda: client.create_application(application("a@x.com"), job_id=other)
    )
    assert spent == 3  # the refused bet, then lookups and write
    assert org.count("Contact") == 2
    assert answer["actions"]["candidate"]["action"] == "reuse"
    assert org.count(APPLICANT) == 3
    assert org.count("ContentVersion") == 2  # the same CV is not uploaded twice


def test_no_bet_while_some_contact_lacks_its_claim(org: LocalOrg) -> None:
    org.backend.create("Contact", {"LastName": "Manual", "Email": "m@x.com"})  # made in the UI
    client = Asymbl(org.salesforce(), mapping=claim_mapping())
    client.create_application(application("a@x.com"), job_id=JOB)
    spent, answer = calls(
        org, lambda: client.create_application(application("m@x.com"), job_id=JOB)
    )
    assert spent == 2  # looked up: the unclaimed Contact is found by its email
    assert answer["actions"]["candidate"]["action"] == "reuse"
    assert org.count("Contact") == 2


def test_without_a_claim_every_application_looks_up_first() -> None:
    with LocalOrg() as org:
        client = Asymbl(org.salesforce())
        client.create_application(application("a@x.com"), job_id=JOB)
        spent, _ = calls(org, lambda: client.create_application(application("b@x.com"), job_id=JOB))
        assert spent == 2


def test_a_stage_named_that_the_client_has_not_seen_is_looked_up(
    client: Asymbl, org: LocalOrg
) -> None:
    client.create_application(application("a@x.com"), job_id=JOB)
    body = copy.deepcopy(application("b@x.com"))
    body["stage_id"] = "Nowhere"
    with pytest.raises(Exception, match="Nowhere"):
        client.create_application(body, job_id=JOB)
    assert org.count("Contact") == 1
