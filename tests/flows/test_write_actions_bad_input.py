"""Bad inputs of every write action: a clear error naming the field, and nothing written."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from asymbl_sf import Asymbl, PayloadError
from asymbl_sf.localorg import LocalOrg

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "kombo_application.json"
WRITTEN = ("Contact", "bpats__ATS_Applicant__c", "ContentVersion", "Task")


@pytest.fixture
def client(local_org: LocalOrg) -> Asymbl:
    return Asymbl(local_org.salesforce())


@pytest.fixture
def application(client: Asymbl) -> dict[str, Any]:
    return client.create_application(EXAMPLE, job_id="remote:Registered Nurse")["data"]


def counts(org: LocalOrg) -> dict[str, int]:
    return {name: org.count(name) for name in WRITTEN}


def refused(org: LocalOrg, action: Any) -> list[str]:
    before = counts(org)
    with pytest.raises(PayloadError) as caught:
        action()
    assert counts(org) == before
    return [f"{p.path}: {p.message}" for p in caught.value.problems]


def test_unknown_application(local_org: LocalOrg, client: Asymbl) -> None:
    unknown = "a0A8d0000000099AAA"
    assert refused(
        local_org,
        lambda: client.add_attachment(
            unknown,
            {"name": "a.txt", "type": "OTHER", "content_type": "text/plain", "data": "aGk="},
        ),
    )
    assert refused(local_org, lambda: client.move_application_stage(unknown, "Offer"))
    assert refused(
        local_org, lambda: client.create_activity({"content": "x"}, application_id=unknown)
    )


def test_bad_base64_in_an_attachment(
    local_org: LocalOrg, client: Asymbl, application: dict[str, Any]
) -> None:
    problems = refused(
        local_org,
        lambda: client.add_attachment(
            application["id"],
            {"name": "a.txt", "type": "OTHER", "content_type": "text/plain", "data": "%%% not b64"},
        ),
    )
    assert any(p.startswith("data:") for p in problems)


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://files.example.com/cv.pdf"])
def test_file_urls_with_other_schemes_are_refused(
    local_org: LocalOrg, client: Asymbl, application: dict[str, Any], url: str
) -> None:
    problems = refused(
        local_org,
        lambda: client.add_attachment(
            application["id"], {"name": "cv.pdf", "type": "CV", "data_url": url}
        ),
    )
    assert any("data_url" in p for p in problems)


def test_merge_attachment_with_a_file_scheme_is_refused(
    local_org: LocalOrg, client: Asymbl, application: dict[str, Any]
) -> None:
    problems = refused(
        local_org,
        lambda: client.add_attachment(
            None,
            {
                "model": {
                    "file_url": "file:///etc/passwd",
                    "candidate": application["candidate_id"],
                    "file_name": "cv",
                    "integration_params": {"path_with_extension": "cv.pdf"},
                }
            },
        ),
    )
    assert problems


def test_merge_activity_without_subject(
    local_org: LocalOrg, client: Asymbl, application: dict[str, Any]
) -> None:
    problems = refused(
        local_org,
        lambda: client.create_activity(
            {
                "model": {
                    "body": "hi",
                    "candidate": application["candidate_id"],
                    "activity_type": "NOTE",
                }
            }
        ),
    )
    assert any(p.startswith("model.subject:") for p in problems)


def test_merge_candidate_with_a_garbled_email(local_org: LocalOrg, client: Asymbl) -> None:
    payload = json.loads(
        (ROOT / "tests" / "fixtures" / "payloads" / "merge_candidate.json").read_text()
    )
    payload["model"]["email_addresses"][0]["value"] = "[email protected]"
    problems = refused(local_org, lambda: client.create_candidate(payload))
    assert any(p.startswith("model.email_addresses[0].value:") for p in problems)


def test_stage_of_another_job_on_create_and_move(
    local_org: LocalOrg, client: Asymbl, application: dict[str, Any]
) -> None:
    other = next(
        s["Id"]
        for s in local_org.records("bpats__ATS_Stage__c")
        if s["bpats__Job__c"] != application["job_id"]
    )
    assert refused(local_org, lambda: client.move_application_stage(application["id"], other))
    payload = json.loads(EXAMPLE.read_text())
    payload["candidate"]["email_address"] = "someone.else@example.com"
    payload["stage_id"] = other
    assert refused(
        local_org, lambda: client.create_application(payload, job_id="remote:Registered Nurse")
    )


def test_screening_answers_recruiter_and_passthrough(local_org: LocalOrg, client: Asymbl) -> None:
    user = local_org.records("User")[0]
    payload = json.loads(EXAMPLE.read_text())
    payload["screening_question_answers"] = [
        {"question_id": "Work permit?", "answer": True},
        {"question_id": "Languages", "answer": ["German", "English"]},
    ]
    payload["sourced_by"] = {"user_id": user["Id"]}
    payload["remote_fields"] = {"tshirt_size": "XL"}
    result = client.create_application(payload, job_id="remote:Registered Nurse")
    (applicant,) = local_org.records("bpats__ATS_Applicant__c")
    assert applicant["bpats__Application_Notes__c"] == (
        "Work permit?: Yes\nLanguages: German, English"
    )
    assert applicant["bpats__Recruited_By__c"] == user["Id"]
    assert any(
        "remote_fields.tshirt_size is not mapped" in w["message"] for w in result["warnings"]
    )


def test_an_unknown_recruiter_is_left_empty_with_a_warning(
    local_org: LocalOrg, client: Asymbl
) -> None:
    payload = json.loads(EXAMPLE.read_text())
    payload["sourced_by"] = {"user_id": "kombo-user-123"}
    result = client.create_application(payload, job_id="remote:Registered Nurse")
    assert local_org.records("bpats__ATS_Applicant__c")[0].get("bpats__Recruited_By__c") is None
    assert any("not an active Salesforce user" in w["message"] for w in result["warnings"])
