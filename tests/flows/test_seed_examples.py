"""Every example request body in the vendor documents runs against the local org.

The bodies are copies of those in ../shared/seeds/ (Kombo's create application and deprecated
create candidate, Merge's POST candidate, application, attachment and activities), with their
placeholders replaced by seeded ids, as a user would.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
import responses

from asymbl_sf import Asymbl
from asymbl_sf.attachments.fetch import FetchPolicy
from asymbl_sf.localorg import LocalOrg

PAYLOADS = Path(__file__).resolve().parents[1] / "fixtures" / "payloads"
RESUME_URL = "https://www.example.com/fake-resume.pdf"


@pytest.fixture
def client(local_org: LocalOrg) -> Asymbl:
    return Asymbl(
        local_org.salesforce(),
        fetch_policy=FetchPolicy(resolve=lambda host, port: ["93.184.216.34"]),
    )


def body(name: str, **replace: str) -> dict[str, Any]:
    text = (PAYLOADS / name).read_text()
    for placeholder, value in replace.items():
        text = text.replace(placeholder, value)
    return json.loads(text)


def seeded(org: LocalOrg) -> dict[str, str]:
    jobs = {j["Name"]: j["Id"] for j in org.records("bpats__Job__c")}
    job = jobs["Senior Backend Engineer"]
    stage = next(
        s["Id"]
        for s in org.records("bpats__ATS_Stage__c")
        if s["bpats__Job__c"] == job and s["Name"] == "Internal Review"
    )
    return {"job": job, "stage": stage, "user": org.records("User")[0]["Id"]}


def test_kombo_create_application_example(local_org: LocalOrg, client: Asymbl) -> None:
    ids = seeded(local_org)
    payload = body("kombo_application.json", **{"8x3YKRDcuRnwShdh96ShBNn1": ids["stage"]})
    result = client.create_application(payload, job_id=ids["job"])
    (applicant,) = local_org.records("bpats__ATS_Applicant__c")
    (contact,) = local_org.records("Contact")
    assert applicant["bpats__Stage__c"] == ids["stage"]
    assert contact["FirstName"] == "Frank" and contact["MailingCountry"] == "US"
    assert contact["bpats__Desired_Salary__c"] == 100000
    assert contact["bpats__Earliest_Available_Date__c"] == "2021-01-01"
    assert "3phFBNXRweGnDmsU9o2vdPuQ: Yes" in applicant["bpats__Application_Notes__c"]
    assert local_org.count("ContentVersion") == 1
    assert result["data"]["current_stage"]["name"] == "Internal Review"


def test_kombo_create_candidate_example(local_org: LocalOrg, client: Asymbl) -> None:
    ids = seeded(local_org)
    payload = body(
        "kombo_candidate.json",
        BDpgnpZ148nrGh4mYHNxJBgx=ids["job"],
        **{"8x3YKRDcuRnwShdh96ShBNn1": ids["stage"]},
    )
    result = client.create_candidate(payload)
    (application,) = result["data"]["applications"]
    assert application["current_stage"]["name"] == "Internal Review"
    assert local_org.count("Contact") == 1 and local_org.count("ContentVersion") == 1


def test_merge_candidate_then_application_attachment_and_activities(
    local_org: LocalOrg, client: Asymbl
) -> None:
    ids = seeded(local_org)
    candidate = client.create_candidate(body("merge_candidate.json"))["data"]
    contact = local_org.get(candidate["id"])
    assert contact is not None
    assert contact["LastName"] == "Doe" and contact["Title"] == "Software Engineer"
    assert contact["MailingCity"] == "San Francisco"
    assert contact["Email"] == "john.doe@example.com"

    application = client.create_application(
        body(
            "merge_application.json",
            **{
                "15f63539-d036-42e5-ae96-b18634cd4560": candidate["id"],
                "daf09bc2-4878-48a2-a5c9-0c52deea3383": ids["job"],
            },
        )
    )
    (applicant,) = local_org.records("bpats__ATS_Applicant__c")
    assert applicant["bpats__ATS_Applicant__c"] == candidate["id"]
    assert applicant["bpats__Internal_Source__c"] == "Merge"  # not in the Source picklist
    assert any("Merge" in w["message"] for w in application["warnings"])

    local_org.responses.add(
        responses.GET, RESUME_URL, body=b"%PDF-1.4 fake resume", content_type="application/pdf"
    )
    attachment = client.add_attachment(
        None,
        body(
            "merge_attachment.json",
            **{
                "https://www.{placeholder}.com/fake-resume.pdf": RESUME_URL,
                "{candidate_uuid}": candidate["id"],
            },
        ),
    )
    version = local_org.get(attachment["data"]["id"])
    assert version is not None and version["PathOnClient"] == "fake_resume.pdf"
    assert version["Title"] == "Fake Resume"
    assert version["FileExtension"] == "pdf"

    for name, subtype in (
        ("merge_activity_email.json", "Email"),
        ("merge_activity_note.json", "Task"),
    ):
        client.create_activity(
            body(name, **{"{candidate_uuid}": candidate["id"], "{user_uuid}": ids["user"]})
        )
        task = next(t for t in local_org.records("Task") if t["TaskSubtype"] == subtype)
        assert task["WhoId"] == candidate["id"] and task["OwnerId"] == ids["user"]
    assert local_org.count("Task") == 2


def test_truto_examples(local_org: LocalOrg, client: Asymbl) -> None:
    candidate = client.create_candidate(body("truto_candidate.json"))["data"]
    activity = json.loads((PAYLOADS / "truto_activity.json").read_text())
    activity["candidate_id"] = candidate["id"]
    result = client.create_activity(activity)
    assert result["actions"]["activity"] == "create"
    assert local_org.get(result["data"]["id"])["WhoId"] == candidate["id"]


def test_a_40_mb_resume_takes_the_multipart_path(local_org: LocalOrg, client: Asymbl) -> None:
    contact = local_org.salesforce().Contact.create({"LastName": "Big", "Email": "big@x.com"})["id"]
    data = bytes(range(256)) * (40 * 1024 * 1024 // 256)
    local_org.calls.reset()
    result = client.add_attachment(
        None,
        {
            "name": "huge.pdf",
            "type": "CV",
            "content_type": "application/pdf",
            "data": base64.b64encode(data).decode(),
        },
        candidate_id=contact,
    )
    assert result["actions"]["attachment"] == "upload_multipart"
    assert local_org.file_bytes(result["data"]["id"]) == data
    assert local_org.calls["POST sobject"] == 1  # the multipart insert, not JSON
