"""Rendering a canonical application through a mapping, checked against the packaged describe."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from asymbl_sf.errors import PayloadError
from asymbl_sf.mapping import load_mapping, parse_mapping, render
from asymbl_sf.models import Application, parse_application
from asymbl_sf.schema import OrgSchema
from asymbl_sf.schema.ids import make_id

FIXTURES = Path(__file__).parent.parent / "fixtures"
JOB = make_id("a0J", 1)
NOW = datetime(2024, 5, 6, 7, 8, 9, tzinfo=timezone.utc)


def seed(**changes: Any) -> Application:
    body = json.loads((FIXTURES / "payloads" / "kombo_application.json").read_text())
    for key, value in changes.items():
        body["candidate"][key] = value
    return parse_application(body, job_id=JOB)


def contact_only(fields: str, settings: str = "") -> str:
    return (
        f"version: 1\n{settings}objects:\n  Contact:\n    from: candidate\n    fields:\n"
        + "".join(f"      {line}\n" for line in fields.strip().splitlines())
    )


def test_seed_payload_renders_contact_applicant_and_file() -> None:
    plan = render(seed(), load_mapping(), now=NOW)
    assert plan.ok and plan.warnings == []
    assert [r.key for r in plan.records] == [
        "Contact",
        "bpats__ATS_Applicant__c",
        "ContentVersion[0]",
    ]
    contact = plan.record("Contact")
    assert contact is not None
    assert contact.fields == {
        "FirstName": "Frank",
        "LastName": "Doe",
        "Email": "frank.doe@example.com",
        "Phone": "+1-541-754-3010",
        "Title": "Head of Integrations",
        "MailingCity": "New York",
        "MailingCountry": "US",
        "bpats__Earliest_Available_Date__c": "2021-01-01",
        "bpats__Desired_Salary__c": 100000,
    }
    assert contact.record_type == "Candidate"
    assert contact.source_path["Email"] == "candidate.email_address"
    assert contact.match is not None and contact.match.on == ["Email"]

    applicant = plan.record("bpats__ATS_Applicant__c")
    assert applicant is not None
    assert applicant.refs == {
        "bpats__ATS_Applicant__c": "Contact",
        "bpats__Job__c": "job",
        "bpats__Stage__c": "stage",
        "bpats__Recruited_By__c": "user",
    }
    assert applicant.fields == {
        "bpats__Initial_Application_Date__c": "2024-05-06",
        "bpats__Current_Stage_Date__c": "2024-05-06",
        "bpats__Applicant_Status__c": "Active",
        "bpats__Application_Notes__c": (
            "3phFBNXRweGnDmsU9o2vdPuQ: Yes\n"
            "EYJjhMQT3LtVKXnTbnRT8s6U: GUzE666zfyjeoCJX6A8n7wh6, 5WPHzzKAv8cx97KtHRUV96U8, "
            "7yZfKGzWigXxxRTygqAfHvyE"
        ),
    }

    file = plan.record("ContentVersion[0]")
    assert file is not None
    assert file.fields == {
        "Title": "Frank Doe CV",
        "PathOnClient": "Frank Doe CV.txt",
        "bpats__Is_Primary__c": True,
    }
    assert file.refs == {"FirstPublishLocationId": "Contact"}
    assert file.item.data.startswith(b"Hi there")  # bytes stay on the attachment
    assert file.source_path["Title"] == "attachments[0].name"


def test_email_is_trimmed_and_lowered() -> None:
    plan = render(seed(email_address="Frank.Doe@Example.COM"), load_mapping())
    assert plan.record("Contact").fields["Email"] == "frank.doe@example.com"  # type: ignore[union-attr]


def test_monthly_salary_is_annualised() -> None:
    plan = render(seed(salary_expectations={"amount": 5000, "period": "MONTH"}), load_mapping())
    assert plan.record("Contact").fields["bpats__Desired_Salary__c"] == 60000  # type: ignore[union-attr]


def test_over_length_text_is_truncated_with_a_warning_by_default() -> None:
    plan = render(seed(first_name="F" * 50), load_mapping())
    assert plan.ok
    assert plan.record("Contact").fields["FirstName"] == "F" * 40  # type: ignore[union-attr]
    assert plan.warnings == ["Contact.FirstName: value of 50 characters truncated to 40"]


def test_over_length_text_is_a_problem_when_the_mapping_rejects() -> None:
    mapping = parse_mapping(
        contact_only(
            "LastName: last_name\nFirstName: first_name", "settings: {over_length: reject}\n"
        )
    )
    plan = render(seed(first_name="F" * 50), mapping)
    (problem,) = plan.problems
    assert problem.path == "candidate.first_name"
    assert "50 characters, longer than the 40 Contact.FirstName holds" in problem.message
    assert "FirstName" not in plan.record("Contact").fields  # type: ignore[union-attr]
    with pytest.raises(PayloadError):
        plan.raise_for_problems()


def test_field_level_max_length_and_policy_override_the_settings() -> None:
    mapping = parse_mapping(
        contact_only(
            "LastName: {from: last_name, max_length: 2, on_over_length: truncate}",
            "settings: {over_length: reject}\n",
        )
    )
    plan = render(seed(), mapping)
    assert plan.ok and plan.record("Contact").fields["LastName"] == "Do"  # type: ignore[union-attr]


def _with_source(name: str) -> Application:
    body = json.loads((FIXTURES / "payloads" / "kombo_application.json").read_text())
    body["source"] = {"name": name}
    return parse_application(body, job_id=JOB)


def test_source_outside_the_restricted_picklist_goes_to_the_fallback_with_a_warning() -> None:
    plan = render(_with_source("Kombo"), load_mapping())
    applicant = plan.record("bpats__ATS_Applicant__c")
    assert applicant is not None
    assert "bpats__Source__c" not in applicant.fields
    assert applicant.fields["bpats__Internal_Source__c"] == "Kombo"
    assert plan.warnings[0].startswith(
        "bpats__Source__c has no value 'Kombo'; wrote it to bpats__Internal_Source__c"
    )


def test_source_in_the_picklist_is_written_as_the_org_spells_it() -> None:
    plan = render(_with_source("linkedin"), load_mapping())
    assert plan.record("bpats__ATS_Applicant__c").fields["bpats__Source__c"] == "LinkedIn"  # type: ignore[union-attr]
    assert plan.warnings == []


def test_restricted_picklist_miss_without_fallback_is_a_problem() -> None:
    mapping = parse_mapping(
        "version: 1\nobjects:\n  bpats__ATS_Applicant__c:\n    from: application\n"
        "    fields:\n      bpats__Source__c: source.name\n"
    )
    (problem,) = render(_with_source("Kombo"), mapping).problems
    assert problem.path == "source.name"
    assert "'Kombo' is not an allowed value" in problem.message


def test_field_missing_from_the_org_is_a_problem_naming_it() -> None:
    mapping = parse_mapping(contact_only("LastName: last_name\nbpats__Shoe_Size__c: title"))
    (problem,) = render(seed(), mapping).problems
    assert problem.path == "Contact.bpats__Shoe_Size__c"
    assert "no field Contact.bpats__Shoe_Size__c" in problem.message


def test_object_missing_from_the_org_is_a_problem() -> None:
    schema = OrgSchema([d for d in OrgSchema.packaged() if d.name != "ContentVersion"])
    plan = render(seed(), load_mapping(), schema)
    assert [p.path for p in plan.problems] == ["objects.ContentVersion"]


def test_values_are_coerced_to_the_field_type() -> None:
    mapping = parse_mapping(
        contact_only(
            "LastName: last_name\n"
            "bpats__Desired_Salary__c: salary_expectations.amount\n"
            "bpats__Earliest_Available_Date__c: availability_date\n"
            "DoNotCall: {value: 'yes'}\n"
        )
    )
    fields = render(seed(), mapping).record("Contact").fields  # type: ignore[union-attr]
    assert fields["bpats__Desired_Salary__c"] == 100000
    assert fields["bpats__Earliest_Available_Date__c"] == "2021-01-01"
    assert fields["DoNotCall"] is True


def test_a_value_that_cannot_fit_the_type_is_a_problem() -> None:
    mapping = parse_mapping(contact_only("LastName: last_name\nBirthdate: title"))
    (problem,) = render(seed(), mapping).problems
    assert problem.path == "candidate.title"
    assert "cannot fill Contact.Birthdate (date)" in problem.message


def test_empty_values_are_left_out() -> None:
    plan = render(seed(title=None, company=None), load_mapping())
    assert "Title" not in plan.record("Contact").fields  # type: ignore[union-attr]


def test_record_type_id_is_filled_when_the_org_has_it() -> None:
    describes = {d.name: d.to_json() for d in OrgSchema.packaged()}
    rt_id = make_id("012", 7)
    describes["Contact"]["recordTypeInfos"] = [
        {"developerName": "Candidate", "recordTypeId": rt_id, "available": True}
    ]
    plan = render(seed(), load_mapping(), OrgSchema.from_mapping(describes))
    assert plan.record("Contact").fields["RecordTypeId"] == rt_id  # type: ignore[union-attr]


def test_no_candidate_object_means_no_contact_record() -> None:
    app = Application(candidate_id=make_id("003", 1), dialect="kombo")
    plan = render(app, load_mapping())
    assert [r.key for r in plan.records] == ["bpats__ATS_Applicant__c"]


def test_absolute_paths_reach_the_application_from_any_object() -> None:
    mapping = parse_mapping(
        "version: 1\nobjects:\n  ContentVersion:\n    from: attachments\n    fields:\n"
        "      Title: {from: $.candidate.last_name}\n      PathOnClient: name\n"
    )
    plan = render(seed(), mapping)
    assert plan.record("ContentVersion[0]").fields["Title"] == "Doe"  # type: ignore[union-attr]


def test_every_value_the_default_writes_fits_the_packaged_describe() -> None:
    body = json.loads((FIXTURES / "payloads" / "kombo_application.json").read_text())
    body["candidate"]["location"].update(street_1="1 Main St", state="NY", zip_code="10001")
    body["source"] = {"name": "Indeed"}
    plan = render(parse_application(body, job_id=JOB), load_mapping())
    assert plan.ok and plan.warnings == []
    assert plan.record("Contact").fields["MailingPostalCode"] == "10001"  # type: ignore[union-attr]
