"""Values that look like Composite references (``@{ref.field}``) are written as they are.

Composite substitutes such text in a subrequest's body before writing, so a unit holding it is
written step by step without Composite (salesforce/stepwise.py): the Contact, then the applicant
and files with the real id, then updates. A level that fails deletes what the earlier levels
made; a delete that fails is reported, never hidden behind a success.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from asymbl_sf import Asymbl, WriteError
from asymbl_sf.errors import SalesforceError, TransientError
from asymbl_sf.localorg import LocalOrg
from asymbl_sf.mapping import parse_mapping
from asymbl_sf.salesforce.composite_unit import write_unit
from asymbl_sf.salesforce.retry import OUTCOME_UNKNOWN, RetryPolicy
from asymbl_sf.salesforce.units import PendingWrite, ReadBack, reference

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
APPLICANT = "bpats__ATS_Applicant__c"
TITLE = "Lead @{Contact.id}"


@pytest.fixture
def payload() -> dict[str, Any]:
    body = json.loads((EXAMPLES / "kombo_application.json").read_text())
    body["candidate"]["title"] = TITLE
    return dict(body)


@pytest.fixture
def client(local_org: LocalOrg) -> Asymbl:
    return Asymbl(local_org.salesforce(), retry=RetryPolicy(attempts=3, initial_delay=0))


def job_id(org: LocalOrg, index: int = 0) -> str:
    return sorted(org.records("bpats__Job__c"), key=lambda j: j["Name"])[index]["Id"]


def fail_collection_create(org: LocalOrg, nth: int, kind: str) -> None:
    """The ``nth`` sObject Collections create from now on fails with ``kind`` (1: the level
    with the Contact, 2: the applicant and its files)."""
    seen = [0]
    draw = org.faults.draw

    def steered(method: str, path: str) -> str | None:
        if method == "POST" and path.endswith("composite/sobjects"):
            seen[0] += 1
            if seen[0] == nth:
                return kind
        return draw(method, path)

    org.faults.draw = steered  # type: ignore[method-assign]


def test_a_title_that_looks_like_a_reference_is_stored_as_written(
    local_org: LocalOrg, client: Asymbl, payload: dict[str, Any]
) -> None:
    result = client.create_application(payload, job_id=job_id(local_org))

    assert result["status"] == "success"
    (contact,) = local_org.records("Contact")
    (applicant,) = local_org.records(APPLICANT)
    (version,) = local_org.records("ContentVersion")
    assert contact["Title"] == TITLE
    assert applicant["bpats__ATS_Applicant__c"] == contact["Id"]
    assert version["FirstPublishLocationId"] == contact["Id"]
    data = result["data"]
    assert data["id"] == applicant["Id"] and data["candidate_id"] == contact["Id"]
    # The read-back still works: the applicant's name and stage come from the org.
    assert data["current_stage"]["id"] == applicant["bpats__Stage__c"]
    assert result["actions"]["attachments"][0]["id"] == version["Id"]


@pytest.mark.parametrize("name", ["@{Contact.id}", "@{contacts.records[0].Id}", "x@{job[0].id}"])
def test_a_source_name_that_looks_like_a_reference_is_not_replaced_by_an_id(
    local_org: LocalOrg, client: Asymbl, payload: dict[str, Any], name: str
) -> None:
    payload["candidate"]["title"] = "Engineer"
    payload["source"] = {"name": name}
    client.create_application(payload, job_id=job_id(local_org))
    (applicant,) = local_org.records(APPLICANT)
    assert applicant["bpats__Internal_Source__c"] == name


def test_the_step_by_step_write_costs_a_call_per_level_and_one_read_back(
    local_org: LocalOrg, payload: dict[str, Any]
) -> None:
    client = Asymbl(local_org.salesforce())
    client.create_application(copy.deepcopy(payload), job_id=job_id(local_org))  # describes
    payload["candidate"]["email_address"] = "someone.else@example.com"
    local_org.calls.reset()
    client.create_application(payload, job_id=job_id(local_org))
    # lookups, Contact, applicant + file, read-back
    assert local_org.calls["POST composite"] == 2
    assert local_org.calls["POST composite/sobjects"] == 2
    assert local_org.calls.total == 4


def test_an_update_of_a_reused_contact_is_written_last_as_written(
    local_org: LocalOrg, payload: dict[str, Any], tmp_path: Path
) -> None:
    mapping = parse_mapping(
        "version: 1\nextends: default\nobjects:\n  Contact:\n    match: "
        "{on: [Email], when_found: update, when_many: oldest}\n",
        base_dir=tmp_path,
    )
    client = Asymbl(local_org.salesforce(), mapping=mapping)
    plain = copy.deepcopy(payload)
    plain["candidate"]["title"] = "Engineer"
    client.create_application(plain, job_id=job_id(local_org))
    result = client.create_application(payload, job_id=job_id(local_org, 1))
    (stored,) = local_org.records("Contact")
    assert stored["Title"] == TITLE
    assert local_org.count(APPLICANT) == 2
    assert result["actions"]["candidate"]["action"] == "update"


def test_a_refused_applicant_deletes_the_contact_made_before_it(
    local_org: LocalOrg, client: Asymbl, payload: dict[str, Any]
) -> None:
    local_org.faults.on_records(
        "FIELD_CUSTOM_VALIDATION_EXCEPTION",
        lambda sobject, body: sobject == APPLICANT,
        message="Applicants need a recruiter",
    )
    with pytest.raises(WriteError) as caught:
        client.create_application(payload, job_id=job_id(local_org))
    assert "FIELD_CUSTOM_VALIDATION_EXCEPTION" in str(caught.value)
    assert local_org.count("Contact") == 0
    assert local_org.count(APPLICANT) == 0
    assert local_org.count("ContentVersion") == 0  # allOrNone: the file went with the applicant
    assert len(local_org.records("Contact", include_deleted=True)) == 1  # made, then deleted


def test_a_failed_undo_names_the_record_left_behind(
    local_org: LocalOrg, client: Asymbl, payload: dict[str, Any]
) -> None:
    local_org.faults.on_records(
        "FIELD_CUSTOM_VALIDATION_EXCEPTION", lambda sobject, body: sobject == APPLICANT
    )
    local_org.faults.next(5, "http_503", path=r"composite/sobjects", method="DELETE")
    with pytest.raises(SalesforceError) as caught:
        client.create_application(payload, job_id=job_id(local_org))
    assert not isinstance(caught.value, WriteError)  # that one promises nothing was written
    (contact,) = local_org.records("Contact")
    message = str(caught.value)
    assert caught.value.error_code == "PARTIALLY_WRITTEN"
    assert "FIELD_CUSTOM_VALIDATION_EXCEPTION" in message
    assert f"delete {contact['Id']} in Salesforce" in message


def test_a_level_that_certainly_failed_is_undone_and_the_whole_unit_sent_again(
    local_org: LocalOrg, client: Asymbl, payload: dict[str, Any]
) -> None:
    fail_collection_create(local_org, 2, "http_503")  # the org did nothing with the applicant
    result = client.create_application(payload, job_id=job_id(local_org))

    assert result["status"] == "success"
    assert local_org.count("Contact") == 1  # the first one was deleted before sending again
    assert len(local_org.records("Contact", include_deleted=True)) == 2
    assert local_org.count(APPLICANT) == 1
    assert local_org.records("Contact")[0]["Title"] == TITLE


def test_a_lost_answer_after_the_contact_is_recovered_by_looking(
    local_org: LocalOrg, client: Asymbl, payload: dict[str, Any]
) -> None:
    fail_collection_create(local_org, 2, "lost_response")  # applicant and file written
    result = client.create_application(payload, job_id=job_id(local_org))

    assert result["status"] == "success"
    assert "nothing was written twice" in result["warnings"][-1]["message"]
    assert local_org.count("Contact") == 1 and local_org.count(APPLICANT) == 1
    assert result["data"]["id"] == local_org.records(APPLICANT)[0]["Id"]


def test_a_lost_answer_for_the_contact_alone_is_never_a_success(
    local_org: LocalOrg, client: Asymbl, payload: dict[str, Any]
) -> None:
    fail_collection_create(local_org, 1, "lost_response")  # the Contact is written, not more
    with pytest.raises(TransientError) as caught:
        client.create_application(payload, job_id=job_id(local_org))
    assert caught.value.error_code == OUTCOME_UNKNOWN
    assert "the write is incomplete" in str(caught.value)
    assert local_org.count(APPLICANT) == 0
    # Sending it again completes it, reusing the Contact.
    client.create_application(payload, job_id=job_id(local_org))
    assert local_org.count("Contact") == 1 and local_org.count(APPLICANT) == 1


def test_a_failed_call_whose_undo_fails_too_names_what_stayed(
    local_org: LocalOrg, client: Asymbl, payload: dict[str, Any]
) -> None:
    fail_collection_create(local_org, 2, "http_503")
    local_org.faults.next(1, "http_503", path=r"composite/sobjects", method="DELETE")
    with pytest.raises(SalesforceError) as caught:
        client.create_application(payload, job_id=job_id(local_org))
    (contact,) = local_org.records("Contact")
    assert caught.value.error_code == "PARTIALLY_WRITTEN"
    assert "SERVER_UNAVAILABLE" in str(caught.value)
    assert f"delete {contact['Id']} in Salesforce before sending the write again" in str(
        caught.value
    )
    assert local_org.count(APPLICANT) == 0


# -- the writer itself --------------------------------------------------------------------------


def test_a_composite_whose_failures_all_say_halted_is_an_error_not_blocked(
    local_org: LocalOrg, client: Asymbl
) -> None:
    # A reference Composite cannot resolve fails as PROCESSING_HALTED itself, like the rest.
    unit = [
        PendingWrite("Contact", "Contact", {"LastName": "Halted"}),
        PendingWrite("Task", "Task", {"Subject": "x"}, refs={"WhoId": "Missing"}),
    ]
    result = write_unit(client.api, unit)
    assert not result.ok
    assert result.ids == {}
    assert set(result.errors) | set(result.blocked) == {"Contact", "Task"}
    assert result.errors and all(isinstance(e, SalesforceError) for e in result.errors.values())
    assert local_org.count("Contact") == 0


def test_a_failed_read_back_rolls_back_and_is_reported(local_org: LocalOrg, client: Asymbl) -> None:
    unit = [PendingWrite("Contact", "Contact", {"LastName": "Read"})]
    result = write_unit(
        client.api,
        unit,
        [
            ReadBack(
                "Contact",
                f"SELECT Id, NoSuchField__c FROM Contact WHERE Id = '{reference('Contact')}'",
            )
        ],
    )
    assert not result.ok and "Contact (read back)" in result.errors
    assert result.blocked == ["Contact"] and result.ids == {}
    assert local_org.count("Contact") == 0


def test_a_file_left_by_a_failed_update_is_deleted_through_its_document(
    local_org: LocalOrg, client: Asymbl
) -> None:
    contact = client.api.create_collection(
        [{"attributes": {"type": "Contact"}, "LastName": "Owner"}]
    )[0]["id"]
    file = {"PathOnClient": "cv.txt", "VersionData": "aGk=", "FirstPublishLocationId": contact}
    unit = [
        PendingWrite("file", "ContentVersion", file),
        PendingWrite(
            "Contact",
            "Contact",
            {"Title": "@{file.id}", "Email": "not an email"},
            record_id=contact,
        ),
    ]
    result = write_unit(client.api, unit)
    assert "Contact" in result.errors and result.blocked == ["file"]
    (version,) = local_org.records("ContentVersion", include_deleted=True)
    document = local_org.get(version["ContentDocumentId"])
    assert document is not None and document["IsDeleted"] is True
    assert result.left_behind == {}
    stored = local_org.get(contact)
    assert stored is not None and stored.get("Title") is None


def test_a_step_by_step_unit_with_a_dangling_reference_writes_nothing(
    local_org: LocalOrg, client: Asymbl
) -> None:
    unit = [
        PendingWrite("Contact", "Contact", {"LastName": "@{x.id}"}),
        PendingWrite("Task", "Task", {"Subject": "x"}, refs={"WhoId": "Missing"}),
    ]
    local_org.calls.reset()
    result = write_unit(client.api, unit)
    assert result.errors["Task"].error_code == "INVALID_REFERENCE"
    assert result.blocked == ["Contact"] and result.ids == {}
    assert local_org.calls.total == 0
