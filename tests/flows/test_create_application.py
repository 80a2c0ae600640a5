"""create_application against the local org, through the real simple-salesforce client."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from asymbl_sf import Asymbl, PayloadError
from asymbl_sf.localorg import LocalOrg
from asymbl_sf.mapping import parse_mapping

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
APPLICANT = "bpats__ATS_Applicant__c"


@pytest.fixture
def payload() -> dict[str, Any]:
    return json.loads((EXAMPLES / "kombo_application.json").read_text())


@pytest.fixture
def client(local_org: LocalOrg) -> Asymbl:
    return Asymbl(local_org.salesforce())


def job_ids(org: LocalOrg) -> list[str]:
    return [j["Id"] for j in sorted(org.records("bpats__Job__c"), key=lambda j: j["Name"])]


def first_stage(org: LocalOrg, job_id: str) -> dict[str, Any]:
    stages = [s for s in org.records("bpats__ATS_Stage__c") if s["bpats__Job__c"] == job_id]
    return min(stages, key=lambda s: s["bpats__Sequence__c"])


def without_attachments(payload: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(payload)
    out.pop("attachments", None)
    return out


def test_new_application_creates_one_contact_and_one_applicant_on_the_first_stage(
    local_org: LocalOrg, client: Asymbl, payload: dict[str, Any]
) -> None:
    job = job_ids(local_org)[0]
    result = client.create_application(payload, job_id=job)

    assert result["status"] == "success"
    assert local_org.count("Contact") == 1
    (applicant,) = local_org.records(APPLICANT)
    (contact,) = local_org.records("Contact")
    assert applicant["bpats__Job__c"] == job
    assert applicant["bpats__Stage__c"] == first_stage(local_org, job)["Id"]
    assert applicant["bpats__ATS_Applicant__c"] == contact["Id"]
    assert contact["Email"] == "frank.doe@example.com"
    assert contact["RecordTypeId"] == local_org.records("RecordType")[0]["Id"]
    data = result["data"]
    assert data["id"] == applicant["Id"] and data["candidate_id"] == contact["Id"]
    assert data["current_stage"] == {
        "id": applicant["bpats__Stage__c"],
        "name": "Application",
        "remote_id": applicant["bpats__Stage__c"],
        "index": 0,
    }
    assert data["candidate"]["email_addresses"] == [
        {"email_address": "frank.doe@example.com", "type": None}
    ]
    assert result["warnings"] == []


def test_the_attachment_becomes_a_file_on_the_contact(
    local_org: LocalOrg, client: Asymbl, payload: dict[str, Any]
) -> None:
    client.create_application(payload, job_id=job_ids(local_org)[0])
    (contact,) = local_org.records("Contact")
    (version,) = local_org.records("ContentVersion")
    links = [
        link
        for link in local_org.records("ContentDocumentLink")
        if link["LinkedEntityId"] == contact["Id"]
    ]
    assert [link["ContentDocumentId"] for link in links] == [version["ContentDocumentId"]]
    assert local_org.file_bytes(version["Id"]).startswith(b"Hi there, Kombo")
    assert version["bpats__Is_Primary__c"] is True
    assert version["PathOnClient"] == "Frank Doe CV.txt"


def test_the_same_request_again_creates_nothing_and_says_why(
    local_org: LocalOrg, client: Asymbl, payload: dict[str, Any]
) -> None:
    job = job_ids(local_org)[0]
    first = client.create_application(payload, job_id=job)
    second = client.create_application(payload, job_id=job)

    assert local_org.count("Contact") == 1
    assert local_org.count(APPLICANT) == 1
    assert local_org.count("ContentVersion") == 1
    assert second["data"]["id"] == first["data"]["id"]
    messages = " | ".join(w["message"] for w in second["warnings"])
    assert "Reused the existing Contact" in messages
    assert "already exists" in messages
    assert "not uploaded again" in messages
    assert second["actions"]["candidate"]["action"] == "reuse"
    assert second["actions"]["application"]["action"] == "exists"


def test_same_email_on_another_job_reuses_the_contact_and_adds_one_applicant(
    local_org: LocalOrg, client: Asymbl, payload: dict[str, Any]
) -> None:
    first_job, second_job = job_ids(local_org)
    client.create_application(payload, job_id=first_job)
    result = client.create_application(payload, job_id=second_job)

    assert local_org.count("Contact") == 1
    assert sorted(a["bpats__Job__c"] for a in local_org.records(APPLICANT)) == sorted(
        [first_job, second_job]
    )
    assert result["actions"]["candidate"]["action"] == "reuse"
    assert result["actions"]["application"]["action"] == "create"


@pytest.mark.parametrize("spelling", ["FRANK.DOE@EXAMPLE.COM", "  Frank.Doe@example.com  "])
def test_email_in_another_case_or_with_spaces_is_still_recognised(
    local_org: LocalOrg, client: Asymbl, payload: dict[str, Any], spelling: str
) -> None:
    job = job_ids(local_org)[0]
    client.create_application(payload, job_id=job)
    other = copy.deepcopy(payload)
    other["candidate"]["email_address"] = spelling
    client.create_application(other, job_id=job)
    assert local_org.count("Contact") == 1
    assert local_org.count(APPLICANT) == 1


def test_one_new_application_without_attachments_costs_two_api_calls(
    local_org: LocalOrg, payload: dict[str, Any]
) -> None:
    client = Asymbl(local_org.salesforce())  # a fresh client: describes are not cached yet
    local_org.calls.reset()
    client.create_application(without_attachments(payload), job_id=job_ids(local_org)[0])
    assert local_org.calls.total == 2
    assert local_org.calls["POST composite"] == 2
    assert client.usage.calls == 2


def test_a_repeated_application_costs_one_api_call(
    local_org: LocalOrg, client: Asymbl, payload: dict[str, Any]
) -> None:
    client.create_application(payload, job_id=job_ids(local_org)[0])
    local_org.calls.reset()
    client.create_application(payload, job_id=job_ids(local_org)[0])
    assert local_org.calls.total == 1


def test_job_can_be_named_by_remote_key(
    local_org: LocalOrg, client: Asymbl, payload: dict[str, Any]
) -> None:
    result = client.create_application(payload, job_id="remote:Registered Nurse")
    assert result["data"]["job"]["name"] == "Registered Nurse"


def test_job_from_the_application_object_of_the_body(
    local_org: LocalOrg, client: Asymbl, payload: dict[str, Any]
) -> None:
    body = dict(payload, application={"job_id": job_ids(local_org)[1]})
    result = client.create_application(body)
    assert result["data"]["job_id"] == job_ids(local_org)[1]


def test_a_given_stage_of_the_job_is_used(
    local_org: LocalOrg, client: Asymbl, payload: dict[str, Any]
) -> None:
    job = job_ids(local_org)[0]
    interview = next(
        s
        for s in local_org.records("bpats__ATS_Stage__c")
        if s["bpats__Job__c"] == job and s["Name"] == "Interview"
    )
    result = client.create_application(dict(payload, stage_id=interview["Id"][:15]), job_id=job)
    assert result["data"]["current_stage"]["name"] == "Interview"
    assert result["data"]["current_stage"]["index"] == 2


def assert_nothing_written(org: LocalOrg) -> None:
    assert org.count("Contact") == 0
    assert org.count(APPLICANT) == 0
    assert org.count("ContentVersion") == 0


def test_a_stage_of_another_job_is_refused_listing_the_jobs_stages(
    local_org: LocalOrg, client: Asymbl, payload: dict[str, Any]
) -> None:
    first_job, second_job = job_ids(local_org)
    foreign = first_stage(local_org, second_job)["Id"]
    with pytest.raises(PayloadError) as caught:
        client.create_application(dict(payload, stage_id=foreign), job_id=first_job)
    (problem,) = caught.value.problems
    assert problem.path == "stage_id"
    assert "is not a stage of job" in problem.message and "Interview (" in problem.message
    assert_nothing_written(local_org)


def test_an_unknown_job_is_refused(
    local_org: LocalOrg, client: Asymbl, payload: dict[str, Any]
) -> None:
    with pytest.raises(PayloadError) as caught:
        client.create_application(payload, job_id="remote:No Such Job")
    assert caught.value.problems[0].path == "job_id"
    assert_nothing_written(local_org)


@pytest.mark.parametrize(
    ("change", "path"),
    [
        (lambda p: p["candidate"].pop("email_address"), "candidate.email_address"),
        (lambda p: p["candidate"].update(email_address="frank.doe@"), "candidate.email_address"),
        (
            lambda p: p["candidate"]["location"].update(country="Germany"),
            "candidate.location.country",
        ),
        (lambda p: p["attachments"][0].update(data="not base64!"), "attachments[0].data"),
        (lambda p: p.update(surprise=True), "surprise"),
    ],
)
def test_bad_payloads_name_the_field_and_write_nothing(
    local_org: LocalOrg, client: Asymbl, payload: dict[str, Any], change: Any, path: str
) -> None:
    change(payload)
    local_org.calls.reset()
    with pytest.raises(PayloadError) as caught:
        client.create_application(payload, job_id=job_ids(local_org)[0])
    assert path in [p.path for p in caught.value.problems]
    assert local_org.calls.total == 0  # refused before any call
    assert_nothing_written(local_org)


def test_dry_run_writes_nothing_and_shows_the_plan(
    local_org: LocalOrg, client: Asymbl, payload: dict[str, Any]
) -> None:
    result = client.create_application(payload, job_id=job_ids(local_org)[0], dry_run=True)
    assert_nothing_written(local_org)
    assert result["status"] == "dry_run"
    plan = result["plan"]
    assert plan["actions"]["candidate"]["action"] == "create"
    assert plan["actions"]["application"]["action"] == "create"
    assert [r["sobject"] for r in plan["records"]] == ["Contact", APPLICANT, "ContentVersion"]
    assert plan["records"][1]["fields"]["bpats__ATS_Applicant__c"] == "<id of the new Contact>"
    assert plan["stage"]["name"] == "Application"


def test_over_long_values_are_truncated_with_a_warning_never_sent_to_fail(
    local_org: LocalOrg, client: Asymbl, payload: dict[str, Any]
) -> None:
    payload["candidate"]["first_name"] = "F" * 60  # FirstName holds 40
    result = client.create_application(payload, job_id=job_ids(local_org)[0])
    assert local_org.records("Contact")[0]["FirstName"] == "F" * 40
    assert any("FirstName" in w["message"] for w in result["warnings"])


def test_a_source_the_picklist_lacks_goes_to_the_free_text_field(
    local_org: LocalOrg, client: Asymbl, payload: dict[str, Any]
) -> None:
    payload["source"] = {"name": "Kombo Job Board"}
    result = client.create_application(payload, job_id=job_ids(local_org)[0])
    (applicant,) = local_org.records(APPLICANT)
    assert applicant.get("bpats__Source__c") is None
    assert applicant["bpats__Internal_Source__c"] == "Kombo Job Board"
    assert any("bpats__Internal_Source__c" in w["message"] for w in result["warnings"])


def test_several_contacts_with_the_email_use_the_oldest_with_a_warning(
    local_org: LocalOrg, client: Asymbl, payload: dict[str, Any]
) -> None:
    sf = local_org.salesforce()
    older = sf.Contact.create({"LastName": "Doe", "Email": "frank.doe@example.com"})["id"]
    sf.Contact.create({"LastName": "Doe2", "Email": "FRANK.DOE@example.com"})
    result = client.create_application(without_attachments(payload), job_id=job_ids(local_org)[0])
    assert result["data"]["candidate_id"] == older
    assert any("2 Contacts have this email" in w["message"] for w in result["warnings"])


def test_fill_blanks_policy_fills_only_empty_fields(
    local_org: LocalOrg, payload: dict[str, Any], tmp_path: Path
) -> None:
    sf = local_org.salesforce()
    existing = sf.Contact.create({"LastName": "Original", "Email": "frank.doe@example.com"})["id"]
    mapping = parse_mapping(
        "version: 1\nextends: default\nobjects:\n  Contact:\n    match: "
        "{on: [Email], when_found: fill_blanks, when_many: oldest}\n",
        base_dir=tmp_path,
    )
    client = Asymbl(sf, mapping=mapping)
    result = client.create_application(without_attachments(payload), job_id=job_ids(local_org)[0])
    contact = local_org.get(existing)
    assert contact is not None
    assert contact["LastName"] == "Original"  # not blank: kept
    assert contact["FirstName"] == "Frank"  # blank: filled
    assert "FirstName" in result["actions"]["candidate"]["updated_fields"]


def test_a_refused_write_leaves_nothing_half_written(
    local_org: LocalOrg, client: Asymbl, payload: dict[str, Any]
) -> None:
    from asymbl_sf import WriteError

    local_org.faults.on_records(
        "FIELD_CUSTOM_VALIDATION_EXCEPTION",
        lambda sobject, body: sobject == APPLICANT,
        message="Applicants need a recruiter",
    )
    with pytest.raises(WriteError) as caught:
        client.create_application(payload, job_id=job_ids(local_org)[0])
    assert "FIELD_CUSTOM_VALIDATION_EXCEPTION" in str(caught.value)
    assert_nothing_written(local_org)
