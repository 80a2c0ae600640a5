"""Edge cases the vendors' own documentation produces, each answered clearly."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
import responses

from asymbl_sf import Asymbl, PayloadError
from asymbl_sf.attachments.fetch import FetchPolicy
from asymbl_sf.localorg import LocalOrg

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "kombo_application.json"
APPLICANT = "bpats__ATS_Applicant__c"
FILE_URL = "https://files.example.com/cv.pdf"


class CountingResolver:
    """A DNS stand-in that counts lookups: a download starts with one."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def __call__(self, host: str, port: int) -> list[str]:
        self.asked.append(host)
        return ["93.184.216.34"]


@pytest.fixture
def resolver() -> CountingResolver:
    return CountingResolver()


@pytest.fixture
def client(local_org: LocalOrg, resolver: CountingResolver) -> Asymbl:
    return Asymbl(local_org.salesforce(), fetch_policy=FetchPolicy(resolve=resolver))


def example() -> dict[str, Any]:
    return json.loads(EXAMPLE.read_text())


def test_placeholders_are_all_refused_before_any_download(
    client: Asymbl, local_org: LocalOrg, resolver: CountingResolver
) -> None:
    body = example()
    body["stage_id"] = "{stage_id}"
    body["sourced_by"] = {"user_id": "{user_uuid}"}
    body["attachments"] = [{"name": "cv.pdf", "type": "CV", "data_url": FILE_URL}]
    with pytest.raises(PayloadError) as caught:
        client.create_application(body, job_id="remote:Registered Nurse")
    paths = {p.path for p in caught.value.problems}
    assert {"stage_id", "sourced_by.user_id"} <= paths
    assert all("placeholder" in p.message for p in caught.value.problems)
    assert resolver.asked == []  # nothing downloaded
    assert local_org.calls.total == 0


def test_a_placeholder_candidate_of_a_merge_attachment_is_refused_before_downloading(
    client: Asymbl, resolver: CountingResolver
) -> None:
    body = {
        "model": {
            "file_name": "cv",
            "file_url": FILE_URL,
            "candidate": "{candidate_uuid}",
            "integration_params": {"path_with_extension": "cv.pdf"},
        }
    }
    with pytest.raises(PayloadError) as caught:
        client.add_attachment(None, body)
    assert caught.value.problems[0].path == "candidate_id"
    assert resolver.asked == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "cv.pdf", "type": "CV", "data_url": FILE_URL}, "data_url"),
        (
            {
                "model": {
                    "file_name": "cv",
                    "file_url": FILE_URL,
                    "integration_params": {"path_with_extension": "cv.pdf"},
                }
            },
            "model.file_url",
        ),
        ({"file_name": "cv.pdf", "file_url": FILE_URL, "type": "resume"}, "file_url"),
    ],
    ids=["kombo", "merge", "truto"],
)
def test_a_failed_download_names_the_payloads_own_field(
    client: Asymbl, local_org: LocalOrg, body: dict[str, Any], field: str
) -> None:
    application = client.create_application(EXAMPLE, job_id="remote:Registered Nurse")["data"]
    local_org.responses.add(responses.GET, FILE_URL, status=404)
    with pytest.raises(PayloadError) as caught:
        client.add_attachment(application["id"], body)
    (problem,) = caught.value.problems
    assert problem.path == field and "download failed" in problem.message


def test_a_failed_download_inside_an_application_names_the_attachment(
    client: Asymbl, local_org: LocalOrg
) -> None:
    local_org.responses.add(responses.GET, FILE_URL, status=404)
    body = example()
    body["attachments"] = [{"name": "cv.pdf", "type": "CV", "data_url": FILE_URL}]
    with pytest.raises(PayloadError) as caught:
        client.create_application(body, job_id="remote:Registered Nurse")
    assert caught.value.problems[0].path == "attachments[0].data_url"
    assert local_org.count("Contact") == 0


def test_fifty_inline_attachments_answer_fully_in_two_calls(
    client: Asymbl, local_org: LocalOrg
) -> None:
    body = example()
    body["attachments"] = [
        {
            "name": f"doc-{i}.txt",
            "type": "OTHER",
            "content_type": "text/plain",
            "data": base64.b64encode(f"document {i}".encode()).decode(),
        }
        for i in range(50)
    ]
    result = client.create_application(body, job_id="remote:Registered Nurse")
    data = result["data"]
    assert data["id"] and data["candidate_id"] and data["current_stage"]["name"]
    assert local_org.count("ContentVersion") == 50
    assert all(a["id"] for a in result["actions"]["attachments"])
    assert local_org.calls.total == 2
    assert data == {a["id"]: a for a in client.read("applications")}[data["id"]]


def test_the_same_file_twice_in_one_payload_is_uploaded_once(
    client: Asymbl, local_org: LocalOrg
) -> None:
    body = example()
    same = {"name": "cv.txt", "type": "CV", "content_type": "text/plain", "data": "aGk="}
    body["attachments"] = [same, {**same, "name": "copy.txt"}]
    result = client.create_application(body, job_id="remote:Registered Nurse")
    assert local_org.count("ContentVersion") == 1
    first, second = result["actions"]["attachments"]
    assert first["action"] == "upload" and second["action"] == "skip"
    assert second["id"] == first["id"] and second["same_as"] == "attachments[0]"
    assert any("the same file as attachments[0]" in w["message"] for w in result["warnings"])


def test_kombos_add_attachment_body_may_repeat_the_application_it_is_for(
    client: Asymbl, local_org: LocalOrg
) -> None:
    application = client.create_application(EXAMPLE, job_id="remote:Registered Nurse")["data"]
    file = {"name": "note.txt", "type": "OTHER", "content_type": "text/plain", "data": "aGk="}
    same = client.add_attachment(
        application["id"], {"application_id": application["id"], "attachment": file}
    )
    assert same["status"] == "success"
    with pytest.raises(PayloadError) as caught:
        client.add_attachment(
            application["id"], {"application_id": "a0A8d0000000099EAA", "attachment": file}
        )
    (problem,) = caught.value.problems
    assert problem.path == "application_id" and "differs" in problem.message


def test_truto_move_stage_takes_its_user_and_candidate(client: Asymbl) -> None:
    application = client.create_application(EXAMPLE, job_id="remote:Registered Nurse")["data"]
    body = {
        "application_id": application["id"],
        "stage_id": "Interview",
        "user_id": "8d49b010-cc6a",
        "candidate_id": application["candidate_id"],
    }
    moved = client.move_application_stage(None, payload=body, dialect="truto")
    assert moved["data"]["current_stage"]["name"] == "Interview"
    assert any("user_id '8d49b010-cc6a' is not recorded" in w["message"] for w in moved["warnings"])
    other = {**body, "stage_id": "Offer", "candidate_id": "0038d0000000099AAA"}
    with pytest.raises(PayloadError) as caught:
        client.move_application_stage(None, payload=other, dialect="truto")
    assert caught.value.problems[0].path == "candidate_id"
