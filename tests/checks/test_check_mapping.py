"""``check`` compares a mapping with the org's describe: one clear, actionable line per problem."""

from __future__ import annotations

from pathlib import Path

from asymbl_sf import Asymbl
from asymbl_sf.localorg import LocalOrg
from tests.checks.helpers import check, extending_default, lines, problems


def test_the_default_mapping_passes_against_the_local_org(local_org: LocalOrg) -> None:
    report = check(local_org)
    assert report.ok
    assert problems(report) == []
    assert report.api_calls == 2  # the API versions, then one Composite
    assert report.mapping_files == ["mappings/asymbl.yaml"]
    checked = {i.target for i in report.items if i.check.startswith("field.")}
    assert "Contact.Email" in checked and "Task.TaskSubtype" in checked


def test_a_misspelled_field_names_the_closest_field(local_org: LocalOrg) -> None:
    report = check(local_org, extending_default(Contact="Emial: email_address"))
    assert not report.ok
    assert lines(report) == ["org.yaml:6: no field `Emial` on Contact; did you mean `Email`?"]
    (item,) = problems(report)
    assert (item.severity, item.check, item.object, item.field) == (
        "error",
        "field.exists",
        "Contact",
        "Emial",
    )


def test_a_field_typed_as_its_label_or_without_namespace_is_found(local_org: LocalOrg) -> None:
    report = check(
        local_org,
        extending_default(
            Contact="""
        Desired Salary: {from: salary_expectations, transform: annual_salary}
        Earliest_Available_Date__c: availability_date
        """
        ),
    )
    assert lines(report) == [
        "org.yaml:6: no field `Desired Salary` on Contact; did you mean "
        "`bpats__Desired_Salary__c`?",
        "org.yaml:7: no field `Earliest_Available_Date__c` on Contact; did you mean "
        "`bpats__Earliest_Available_Date__c`?",
    ]


def test_a_read_only_field_is_refused_with_what_to_do(local_org: LocalOrg) -> None:
    report = check(local_org, extending_default(Contact="Name: first_name"))
    assert lines(report) == [
        "org.yaml:6: `Name` on Contact cannot be written (read-only): every new Contact fails "
        "with INVALID_FIELD_FOR_INSERT_UPDATE; remove it from the mapping (Salesforce fills it), "
        "or give the user edit access to it (field-level security)"
    ]


def test_formula_and_auto_number_fields_say_why(local_org: LocalOrg) -> None:
    report = check(
        local_org,
        extending_default(
            bpats__ATS_Applicant__c="""
        Name: {value: X}
        bpats__Applicant_Email__c: {from: candidate.email_address}
        """
        ),
    )
    messages = [i.message for i in problems(report)]
    assert any(
        "`Name` on bpats__ATS_Applicant__c cannot be written (an auto-number)" in m
        for m in messages
    )
    assert any(
        "`bpats__Applicant_Email__c` on bpats__ATS_Applicant__c cannot be written "
        "(a formula field)" in m
        for m in messages
    )


def test_a_value_map_sending_a_value_the_picklist_lacks(local_org: LocalOrg) -> None:
    report = check(
        local_org,
        extending_default(
            bpats__ATS_Applicant__c="""
        bpats__Source__c:
          from: source.name
          transform: {map: {values: {Kombo: LinkdIn, Indeed: Indeed}, strict: true}}
        """
        ),
    )
    assert lines(report) == [
        "org.yaml:8: the value map sends `LinkdIn`, which is not a value of "
        "bpats__ATS_Applicant__c.bpats__Source__c, a restricted picklist: those writes fail "
        "(INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST); did you mean `LinkedIn`? (allowed: "
        "`LinkedIn`, `Glassdoor`, `Indeed`, `Website`)"
    ]


def test_a_required_field_left_unmapped(local_org: LocalOrg) -> None:
    report = check(local_org, extending_default(Contact="LastName: null"))
    assert lines(report) == [
        "org.yaml:5: `LastName` is required on Contact but the mapping leaves it empty: every "
        "new Contact fails with REQUIRED_FIELD_MISSING; map it under objects.Contact.fields, "
        "e.g. `LastName: last_name`, or give it a constant with {value: ...}"
    ]


def test_all_problems_of_a_mapping_come_at_once(local_org: LocalOrg) -> None:
    report = check(
        local_org,
        extending_default(
            Contact="""
        Emial: email_address
        Name: first_name
        LastName: null
        """,
            bpats__ATS_Applicant__c="bpats__Applicant_Status__c: {value: Actve}",
        ),
    )
    assert [(i.check, i.field) for i in report.errors] == [
        ("field.exists", "Emial"),
        ("field.writable", "Name"),
        ("field.required", "LastName"),
        ("field.picklist", "bpats__Applicant_Status__c"),
    ]
    assert report.errors[3].text() == (
        "the constant `Actve` is not a value of "
        "bpats__ATS_Applicant__c.bpats__Applicant_Status__c, a restricted picklist: those writes "
        "fail (INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST); did you mean `Active`? (allowed: "
        "`Active`, `Rejected`)"
    )


def test_a_closed_source_is_followed_through_its_map(local_org: LocalOrg) -> None:
    # Activity.type is EMAIL, NOTE or OTHER: OTHER passes the map untranslated.
    report = check(
        local_org,
        extending_default(
            Task="TaskSubtype: {from: type, transform: {map: {EMAIL: Email, NOTE: Task}}}"
        ),
    )
    assert [i.text() for i in report.errors] == [
        "the mapping can send `OTHER`, which is not a value of Task.TaskSubtype, a restricted "
        "picklist: those writes fail (INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST); allowed: `Task`, "
        "`Email`, `ListEmail`, `Cadence`, `Call`, `LinkedIn`; or add the value to the picklist in "
        "Setup"
    ]


def test_free_values_into_a_restricted_picklist(local_org: LocalOrg) -> None:
    report = check(
        local_org, extending_default(bpats__ATS_Applicant__c="bpats__Source__c: source.name")
    )
    assert report.ok  # some payloads write fine; the others fail, so it is a warning
    assert lines(report) == [
        "org.yaml:6: bpats__ATS_Applicant__c.bpats__Source__c is a restricted picklist fed from "
        "`source.name`: a payload value that is not one of its values fails the write; add a map "
        "transform to the picklist's values, or a fallback_field"
    ]


def test_the_default_mappings_fallback_is_reported_as_passing(local_org: LocalOrg) -> None:
    (item,) = [i for i in check(local_org).find("field.picklist")]
    assert item.severity == "ok"
    assert item.message == (
        "bpats__ATS_Applicant__c.bpats__Source__c: values from `source.name` that are not among "
        "its 4 picklist values go to bpats__Internal_Source__c, with a warning"
    )


def test_a_fallback_field_the_org_lacks(local_org: LocalOrg) -> None:
    report = check(
        local_org,
        extending_default(
            bpats__ATS_Applicant__c="""
        bpats__Source__c: {from: source.name, fallback_field: bpats__Internal_Src__c}
        """
        ),
    )
    assert [i.text() for i in report.errors] == [
        "fallback_field: no field `bpats__Internal_Src__c` on bpats__ATS_Applicant__c; did you "
        "mean `bpats__Internal_Source__c`?"
    ]


def test_a_constant_longer_than_its_field(local_org: LocalOrg) -> None:
    long_title = "Senior " * 20
    contact = f"Title: {{value: {long_title}}}"
    truncated = check(local_org, extending_default("{over_length: truncate}", Contact=contact))
    assert truncated.ok
    (warning,) = truncated.warnings
    assert warning.message.endswith(
        f"{len(long_title.strip())} characters long, more than the 128 Contact.Title holds: it "
        "is always cut to 128 (over_length: truncate)"
    )
    rejected = check(local_org, extending_default("{over_length: reject}", Contact=contact))
    assert [i.check for i in rejected.errors] == ["field.length"]
    assert "refused (over_length: reject)" in rejected.errors[0].message


def test_types_that_do_not_fit(local_org: LocalOrg) -> None:
    report = check(
        local_org,
        extending_default(
            Contact="""
        HasOptedOutOfEmail: availability_date
        Birthdate: {from: first_name, transform: bool}
        Description: location
        Department: tags
        DoNotCall: {value: maybe}
        """
        ),
    )
    assert [i.text() for i in report.errors] == [
        "`availability_date` is a date, but Contact.HasOptedOutOfEmail is a boolean field; map a "
        "source of the field's type, or add a transform that converts it",
        "transform `bool` gives boolean, but Contact.Birthdate is a date field; map the field to "
        "a source of that type, or change the transform",
        "`location` is an object, but Contact.Description is a textarea(32000) field; point from "
        "at one of its parts",
        "`tags` is a list, but Contact.Department is a string(80) field; add a transform: first "
        "(one item) or join (all, as text)",
        "the constant `maybe` is not valid for Contact.DoNotCall (a boolean field): the value "
        "cannot read 'maybe' as true or false; change the value",
    ]


def test_refs_must_be_lookups_to_the_right_object(local_org: LocalOrg) -> None:
    report = check(
        local_org,
        extending_default(
            bpats__ATS_Applicant__c="""
        bpats__Recruited_By__c: {ref: job}
        bpats__Internal_Source__c: {ref: stage}
        """
        ),
    )
    assert [i.text() for i in report.errors] == [
        "bpats__ATS_Applicant__c.bpats__Recruited_By__c looks up User, not bpats__Job__c: the job "
        "id is refused (FIELD_INTEGRITY_EXCEPTION); use a lookup to bpats__Job__c",
        "bpats__ATS_Applicant__c.bpats__Internal_Source__c is a string(255) field, not a lookup, "
        "so it cannot hold the stage record's id; point the ref at a lookup field",
    ]


def test_fields_updated_on_existing_records_must_be_updateable(local_org: LocalOrg) -> None:
    ok = check(local_org)
    assert ok.ok  # Task.TaskSubtype cannot be updated, but Tasks are only created
    report = check(
        local_org,
        """
        version: 1
        extends: default
        objects:
          Task:
            match: {on: [Subject], when_found: update}
        """,
    )
    assert [i.text() for i in report.errors] == [
        "`TaskSubtype` on Task can be set on create but not updated, and match.when_found: "
        "update updates existing records: those updates fail; remove the field, or use "
        "when_found: reuse"
    ]


def test_an_object_the_org_lacks_names_the_closest(local_org: LocalOrg) -> None:
    report = check(
        local_org,
        """
        version: 1
        extends: default
        objects:
          Contcat:
            from: candidate
            fields:
              LastName: last_name
        """,
    )
    assert lines(report) == ["org.yaml:4: no object `Contcat` in this org; did you mean `Contact`?"]


def test_a_mapping_file_path_is_accepted(local_org: LocalOrg, tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text(extending_default(Contact="Emial: email_address"))
    report = Asymbl(local_org.salesforce()).check(path)
    assert [str(i) for i in report.errors] == [
        f"{path}:6: no field `Emial` on Contact; did you mean `Email`?"
    ]


def test_file_content_record_type_and_fallback_misuse(local_org: LocalOrg) -> None:
    report = check(
        local_org,
        extending_default(
            ContentVersion="VersionData: name",
            Contact="AccountId: {record_type: Candidate}",
            bpats__ATS_Applicant__c="""
        bpats__Source__c:
          from: source.name
          fallback_field: bpats__Initial_Application_Date__c
        """,
        ),
    )
    assert [i.text() for i in report.errors] == [  # in the merged mapping's object order
        "`AccountId` on Contact is not a record type lookup (a lookup to Account); record_type "
        "fills RecordTypeId; put record_type on RecordTypeId",
        "fallback_field bpats__ATS_Applicant__c.bpats__Initial_Application_Date__c is a date "
        "field; it needs to take text; name a text field",
        "ContentVersion.VersionData holds file content, which the writer fills from the "
        "attachment; remove it from the mapping",
    ]
