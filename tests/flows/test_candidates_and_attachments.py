"""create_candidate and add_attachment in every dialect, against the local org."""

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
PAYLOADS = ROOT / "tests" / "fixtures" / "payloads"
EXAMPLE = ROOT / "examples" / "kombo_application.json"
PUBLIC = FetchPolicy(resolve=lambda host, port: ["93.184.216.34"])
FILE_URL = "https://files.example.com/resumes/fake_resume.pdf"


@pytest.fixture
def client(local_org: LocalOrg) -> Asymbl:
    return Asymbl(local_org.salesforce(), fetch_policy=PUBLIC)


def load(name: str) -> dict[str, Any]:
    return json.loads((PAYLOADS / name).read_text())


@pytest.mark.parametrize("fixture", ["merge_candidate.json", "truto_candidate.json"])
def test_candidate_without_job_creates_only_the_contact(
    local_org: LocalOrg, client: Asymbl, fixture: str
) -> None:
    result = client.create_candidate(load(fixture))
    assert result["status"] == "success"
    assert local_org.count("Contact") == 1
    assert local_org.count("bpats__ATS_Applicant__c") == 0
    assert result["data"]["applications"] == []
    assert result["actions"]["candidate"]["action"] == "create"


def test_candidate_with_a_job_also_creates_the_application(
    local_org: LocalOrg, client: Asymbl
) -> None:
    result = client.create_candidate(load("merge_candidate.json"), job_id="remote:Registered Nurse")
    (application,) = result["data"]["applications"]
    assert application["job"]["name"] == "Registered Nurse"
    assert application["current_stage"]["name"] == "Application"
    assert local_org.count("bpats__ATS_Applicant__c") == 1


def test_existing_email_is_reused_with_a_warning_or_refused_on_request(
    local_org: LocalOrg, client: Asymbl
) -> None:
    first = client.create_candidate(load("merge_candidate.json"))
    again = client.create_candidate(load("merge_candidate.json"))
    assert again["data"]["id"] == first["data"]["id"]
    assert "Reused the existing Contact" in again["warnings"][0]["message"]
    with pytest.raises(PayloadError) as caught:
        client.create_candidate(load("merge_candidate.json"), on_existing="fail")
    assert caught.value.problems[0].path == "candidate.email_address"
    assert local_org.count("Contact") == 1


@pytest.fixture
def application(client: Asymbl) -> dict[str, Any]:
    return client.create_application(EXAMPLE, job_id="remote:Registered Nurse")["data"]


def test_kombo_attachment_is_stored_on_the_applications_contact(
    local_org: LocalOrg, client: Asymbl, application: dict[str, Any]
) -> None:
    local_org.calls.reset()
    result = client.add_attachment(
        application["id"],
        {
            "name": "Cover letter.txt",
            "type": "COVER_LETTER",
            "content_type": "text/plain",
            "data": base64.b64encode(b"Dear team").decode(),
        },
    )
    assert local_org.calls.total == 2
    version = local_org.get(result["data"]["id"])
    assert version is not None and version["bpats__Is_Primary__c"] is False
    links = [
        link["LinkedEntityId"]
        for link in local_org.records("ContentDocumentLink")
        if link["ContentDocumentId"] == version["ContentDocumentId"]
    ]
    assert application["candidate_id"] in links
    assert result["data"]["application_id"] == application["id"]


def test_same_bytes_are_not_uploaded_twice(
    local_org: LocalOrg, client: Asymbl, application: dict[str, Any]
) -> None:
    body = {"name": "x.txt", "type": "OTHER", "content_type": "text/plain", "data": "aGk="}
    client.add_attachment(application["id"], body)
    again = client.add_attachment(application["id"], body)
    assert again["actions"]["attachment"] == "skip"
    assert local_org.count("ContentVersion") == 2  # the CV from the application + this one


def test_merge_attachment_by_url_gets_its_extension_and_primary_flag(
    local_org: LocalOrg, client: Asymbl, application: dict[str, Any]
) -> None:
    local_org.responses.add(
        responses.GET, FILE_URL, body=b"%PDF-1.7 resume", content_type="application/pdf"
    )
    payload = {
        "model": {
            "file_url": FILE_URL,
            "file_name": "Fake Resume",
            "candidate": application["candidate_id"],
            "attachment_type": "RESUME",
            "integration_params": {"path_with_extension": "fake_resume.pdf"},
        }
    }
    result = client.add_attachment(None, payload)
    version = local_org.get(result["data"]["id"])
    assert version is not None
    assert version["PathOnClient"].endswith(".pdf")
    assert version["FileType"] == "PDF"
    assert version["bpats__Is_Primary__c"] is True
    assert local_org.file_bytes(version["Id"]) == b"%PDF-1.7 resume"


def test_a_failed_download_is_a_clear_error_and_writes_nothing(
    local_org: LocalOrg, client: Asymbl, application: dict[str, Any]
) -> None:
    local_org.responses.add(responses.GET, FILE_URL, status=404)
    before = local_org.count("ContentVersion")
    with pytest.raises(PayloadError) as caught:
        client.add_attachment(
            application["id"], {"name": "cv.pdf", "type": "CV", "data_url": FILE_URL}
        )
    assert caught.value.problems[0].path == "data_url"
    assert "HTTP 404" in caught.value.problems[0].message
    assert local_org.count("ContentVersion") == before


def test_private_addresses_are_refused_for_downloads(
    local_org: LocalOrg, application: dict[str, Any]
) -> None:
    client = Asymbl(
        local_org.salesforce(), fetch_policy=FetchPolicy(resolve=lambda host, port: ["10.0.0.5"])
    )
    with pytest.raises(PayloadError) as caught:
        client.add_attachment(
            application["id"],
            {"name": "cv.pdf", "type": "CV", "data_url": "https://intranet.example/cv.pdf"},
        )
    assert "private address" in caught.value.problems[0].message


def test_application_with_a_data_url_attachment_downloads_it_first(
    local_org: LocalOrg, client: Asymbl
) -> None:
    local_org.responses.add(
        responses.GET, FILE_URL, body=b"resume bytes", content_type="application/pdf"
    )
    payload = json.loads(EXAMPLE.read_text())
    payload["attachments"] = [{"name": "Resume", "type": "CV", "data_url": FILE_URL}]
    result = client.create_application(payload, job_id="remote:Registered Nurse")
    (entry,) = result["actions"]["attachments"]
    assert entry["action"] == "upload"
    version = local_org.get(entry["id"])
    assert version is not None and version["PathOnClient"] == "Resume.pdf"


def test_large_files_go_multipart_after_the_composite_write(
    local_org: LocalOrg,
    client: Asymbl,
    application: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("asymbl_sf.attachments.files.MAX_JSON_BASE64_CHARS", 16)
    data = b"x" * 64
    result = client.add_attachment(
        application["id"],
        {
            "name": "big.bin",
            "type": "OTHER",
            "content_type": "application/octet-stream",
            "data": base64.b64encode(data).decode(),
        },
    )
    assert result["actions"]["attachment"] == "upload_multipart"
    assert local_org.file_bytes(result["data"]["id"]) == data
