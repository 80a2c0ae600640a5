"""Salesforce's record rules in the local org, through the real simple-salesforce client.

Every rule is checked twice: as a single-record call (an HTTP 4xx whose body is a list of
``{"errorCode", "message", "fields"}``) and inside an sObject Collections call (HTTP 200, one
result per record with ``statusCode``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from simple_salesforce.exceptions import SalesforceMalformedRequest

from asymbl_sf.localorg import LocalOrg

Body = dict[str, Any]


def _seeded(sf: Any) -> dict[str, str]:
    """Ids of the seeded jobs, their stages and the recruiter, read through the API."""
    ids: dict[str, str] = {}
    jobs = sf.query("SELECT Id, Name FROM bpats__Job__c ORDER BY Name")["records"]
    ids["job_a"], ids["job_b"] = jobs[0]["Id"], jobs[1]["Id"]
    for key in ("job_a", "job_b"):
        stages = sf.query(
            "SELECT Id, Name FROM bpats__ATS_Stage__c "
            f"WHERE bpats__Job__c = '{ids[key]}' ORDER BY bpats__Sequence__c"
        )["records"]
        ids[f"{key}_first_stage"] = stages[0]["Id"]
    user = sf.query("SELECT Id FROM User WHERE Username = 'riley.recruiter@asymbl-sf.local'")
    ids["user"] = user["records"][0]["Id"]
    ids["account"] = sf.query("SELECT Id FROM Account")["records"][0]["Id"]
    return ids


@pytest.fixture
def seeded(local_sf: Any) -> dict[str, str]:
    return _seeded(local_sf)


def _collection(sf: Any, sobject: str, bodies: list[Body], all_or_none: bool = False) -> Any:
    records = [{"attributes": {"type": sobject}, **b} for b in bodies]
    return sf.restful(
        "composite/sobjects", method="POST", json={"allOrNone": all_or_none, "records": records}
    )


def _single_error(call: Callable[[], Any]) -> tuple[int, dict[str, Any]]:
    with pytest.raises(SalesforceMalformedRequest) as caught:
        call()
    content = caught.value.content
    assert isinstance(content, list) and content, content
    return caught.value.status, content[0]


def _applicant(seeded: dict[str, str], contact_id: str, **extra: Any) -> Body:
    return {
        "bpats__ATS_Applicant__c": contact_id,
        "bpats__Job__c": seeded["job_a"],
        "bpats__Stage__c": seeded["job_a_first_stage"],
        **extra,
    }


# -- one table of rule violations, checked both ways ----------------------------------------

#: (case id, sObject, body maker, expected code, expected ``fields``)
CASES: list[tuple[str, str, Callable[[dict[str, str]], Body], str, list[str]]] = [
    (
        "unknown field",
        "Contact",
        lambda s: {"LastName": "Doe", "Favourite_Colour__c": "red"},
        "INVALID_FIELD",
        [],
    ),
    (
        "read-only field",
        "Contact",
        lambda s: {"LastName": "Doe", "Name": "Jane Doe"},
        "INVALID_FIELD_FOR_INSERT_UPDATE",
        ["Name"],
    ),
    (
        "auto-number is not createable",
        "bpats__Job__c",
        lambda s: {"Name": "Chef", "bpats__Job_Number__c": "JOB-99999"},
        "INVALID_FIELD_FOR_INSERT_UPDATE",
        ["bpats__Job_Number__c"],
    ),
    (
        "required field",
        "Contact",
        lambda s: {"FirstName": "Jane"},
        "REQUIRED_FIELD_MISSING",
        ["LastName"],
    ),
    (
        "required lookup",
        "bpats__ATS_Applicant__c",
        lambda s: {"bpats__Job__c": s["job_a"]},
        "REQUIRED_FIELD_MISSING",
        ["bpats__Stage__c"],
    ),
    ("over length", "Contact", lambda s: {"LastName": "x" * 81}, "STRING_TOO_LONG", ["LastName"]),
    (
        "restricted picklist",
        "Contact",
        lambda s: {"LastName": "Doe", "bpats__Contact_Relationship__c": "Best Friend"},
        "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
        ["bpats__Contact_Relationship__c"],
    ),
    (
        "bad email",
        "Contact",
        lambda s: {"LastName": "Doe", "Email": "jane.at.example.com"},
        "INVALID_EMAIL_ADDRESS",
        ["Email"],
    ),
    (
        "not an id",
        "Contact",
        lambda s: {"LastName": "Doe", "AccountId": "not-an-id"},
        "MALFORMED_ID",
        ["AccountId"],
    ),
    (
        "id of the wrong object",
        "Contact",
        lambda s: {"LastName": "Doe", "AccountId": s["user"]},
        "FIELD_INTEGRITY_EXCEPTION",
        ["AccountId"],
    ),
    (
        "missing record",
        "Contact",
        lambda s: {"LastName": "Doe", "AccountId": "0018d000000ZZZZAA4"},
        "INVALID_CROSS_REFERENCE_KEY",
        ["AccountId"],
    ),
    (
        "stage of another job",
        "bpats__ATS_Applicant__c",
        lambda s: {"bpats__Job__c": s["job_a"], "bpats__Stage__c": s["job_b_first_stage"]},
        "FIELD_FILTER_VALIDATION_EXCEPTION",
        ["bpats__Stage__c"],
    ),
    (
        "wrong JSON type",
        "Contact",
        lambda s: {"LastName": "Doe", "Birthdate": True},
        "JSON_PARSER_ERROR",
        [],
    ),
]


@pytest.mark.parametrize(
    ("sobject", "make", "code", "fields"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_rule_refuses_a_single_create_with_its_code(
    local_org: LocalOrg,
    local_sf: Any,
    seeded: dict[str, str],
    sobject: str,
    make: Callable[[dict[str, str]], Body],
    code: str,
    fields: list[str],
) -> None:
    before = local_org.count(sobject)
    status, error = _single_error(lambda: getattr(local_sf, sobject).create(make(seeded)))
    assert status == 400
    assert error["errorCode"] == code
    assert error["message"]
    if fields:
        assert error["fields"] == fields
    assert local_org.count(sobject) == before


@pytest.mark.parametrize(
    ("sobject", "make", "code", "fields"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_rule_fails_only_its_record_inside_a_collection(
    local_org: LocalOrg,
    local_sf: Any,
    seeded: dict[str, str],
    sobject: str,
    make: Callable[[dict[str, str]], Body],
    code: str,
    fields: list[str],
) -> None:
    good = {"LastName": "Good"}
    results = local_sf.restful(
        "composite/sobjects",
        method="POST",
        json={
            "allOrNone": False,
            "records": [
                {"attributes": {"type": "Contact"}, **good},
                {"attributes": {"type": sobject}, **make(seeded)},
            ],
        },
    )
    assert results[0]["success"] is True
    assert results[1]["success"] is False
    error = results[1]["errors"][0]
    assert error["statusCode"] == code
    assert "errorCode" not in error
    if fields:
        assert error["fields"] == fields


def test_rules_apply_to_updates_too(local_sf: Any, seeded: dict[str, str]) -> None:
    contact = local_sf.Contact.create({"LastName": "Doe"})["id"]
    for body, code in (
        ({"Email": "nope"}, "INVALID_EMAIL_ADDRESS"),
        ({"LastName": None}, "REQUIRED_FIELD_MISSING"),
        ({"LastName": "y" * 81}, "STRING_TOO_LONG"),
        ({"Name": "x"}, "INVALID_FIELD_FOR_INSERT_UPDATE"),
        ({"Nope__c": "x"}, "INVALID_FIELD"),
    ):
        status, error = _single_error(lambda body=body: local_sf.Contact.update(contact, body))  # type: ignore[misc]
        assert (status, error["errorCode"]) == (400, code)
    results = local_sf.restful(
        "composite/sobjects",
        method="PATCH",
        json={
            "records": [
                {"attributes": {"type": "Contact"}, "id": contact, "Email": "nope"},
                {"attributes": {"type": "Contact"}, "id": contact, "Title": "Chef"},
            ]
        },
    )
    assert results[0]["errors"][0]["statusCode"] == "INVALID_EMAIL_ADDRESS"
    assert results[1] == {"id": contact, "success": True, "errors": []}
    assert local_sf.Contact.get(contact)["Title"] == "Chef"


def test_several_errors_of_one_record_are_reported_together(local_sf: Any) -> None:
    with pytest.raises(SalesforceMalformedRequest) as caught:
        local_sf.Contact.create({"FirstName": "f" * 41, "Email": "bad"})
    codes = {e["errorCode"] for e in caught.value.content}
    assert codes == {"STRING_TOO_LONG", "INVALID_EMAIL_ADDRESS", "REQUIRED_FIELD_MISSING"}


# -- the lookup filter ----------------------------------------------------------------------


def test_stage_of_another_job_is_refused_by_the_lookup_filter(
    local_sf: Any, seeded: dict[str, str]
) -> None:
    contact = local_sf.Contact.create({"LastName": "Doe"})["id"]
    body = _applicant(seeded, contact, bpats__Stage__c=seeded["job_b_first_stage"])
    status, error = _single_error(lambda: local_sf.bpats__ATS_Applicant__c.create(body))
    assert (status, error["errorCode"]) == (400, "FIELD_FILTER_VALIDATION_EXCEPTION")
    assert error["message"] == "Value does not exist or does not match filter criteria."


def test_stage_of_the_same_job_is_accepted_and_moving_it_to_another_job_is_not(
    local_sf: Any, seeded: dict[str, str]
) -> None:
    contact = local_sf.Contact.create({"LastName": "Doe"})["id"]
    applicant = local_sf.bpats__ATS_Applicant__c.create(_applicant(seeded, contact))["id"]
    _, error = _single_error(
        lambda: local_sf.bpats__ATS_Applicant__c.update(
            applicant, {"bpats__Stage__c": seeded["job_b_first_stage"]}
        )
    )
    assert error["errorCode"] == "FIELD_FILTER_VALIDATION_EXCEPTION"
    # Job and stage moved together satisfy the filter.
    local_sf.bpats__ATS_Applicant__c.update(
        applicant,
        {"bpats__Job__c": seeded["job_b"], "bpats__Stage__c": seeded["job_b_first_stage"]},
    )
    assert local_sf.bpats__ATS_Applicant__c.get(applicant)["bpats__Job__c"] == seeded["job_b"]


def test_lookup_filter_accepts_15_character_ids(local_sf: Any, seeded: dict[str, str]) -> None:
    contact = local_sf.Contact.create({"LastName": "Doe"})["id"]
    created = local_sf.bpats__ATS_Applicant__c.create(
        {
            "bpats__ATS_Applicant__c": contact[:15],
            "bpats__Job__c": seeded["job_a"][:15],
            "bpats__Stage__c": seeded["job_a_first_stage"][:15],
        }
    )
    record = local_sf.bpats__ATS_Applicant__c.get(created["id"])
    assert record["bpats__Stage__c"] == seeded["job_a_first_stage"]
    assert record["bpats__ATS_Applicant__c"] == contact


# -- unique fields and auto-numbers ---------------------------------------------------------


def test_second_applicant_for_the_same_contact_and_job_is_a_duplicate_naming_the_first(
    local_sf: Any, seeded: dict[str, str]
) -> None:
    contact = local_sf.Contact.create({"LastName": "Doe"})["id"]
    first = local_sf.bpats__ATS_Applicant__c.create(_applicant(seeded, contact))["id"]
    status, error = _single_error(
        lambda: local_sf.bpats__ATS_Applicant__c.create(_applicant(seeded, contact))
    )
    assert (status, error["errorCode"]) == (400, "DUPLICATE_VALUE")
    assert first in error["message"]
    assert error["fields"] == ["bpats__Contact_Job_Relationship__c"]
    results = _collection(local_sf, "bpats__ATS_Applicant__c", [_applicant(seeded, contact)])
    assert results[0]["errors"][0]["statusCode"] == "DUPLICATE_VALUE"
    assert first in results[0]["errors"][0]["message"]


def test_duplicate_inside_one_collection_fails_the_second_record(
    local_sf: Any, seeded: dict[str, str]
) -> None:
    contact = local_sf.Contact.create({"LastName": "Doe"})["id"]
    results = _collection(
        local_sf,
        "bpats__ATS_Applicant__c",
        [_applicant(seeded, contact), _applicant(seeded, contact)],
    )
    assert results[0]["success"] is True
    assert results[1]["errors"][0]["statusCode"] == "DUPLICATE_VALUE"
    assert results[0]["id"] in results[1]["errors"][0]["message"]


def test_unique_username_is_case_insensitive(local_sf: Any) -> None:
    _, error = _single_error(
        lambda: local_sf.User.create(
            {
                "Username": "RILEY.RECRUITER@asymbl-sf.local",
                "LastName": "Clone",
                "Email": "clone@example.com",
            }
        )
    )
    assert error["errorCode"] == "DUPLICATE_VALUE"


def test_deleted_record_frees_its_unique_value(local_sf: Any, seeded: dict[str, str]) -> None:
    contact = local_sf.Contact.create({"LastName": "Doe"})["id"]
    first = local_sf.bpats__ATS_Applicant__c.create(_applicant(seeded, contact))["id"]
    local_sf.bpats__ATS_Applicant__c.delete(first)
    assert local_sf.bpats__ATS_Applicant__c.create(_applicant(seeded, contact))["success"]


def test_auto_number_names_count_up(local_sf: Any, seeded: dict[str, str]) -> None:
    names = []
    for n in range(3):
        contact = local_sf.Contact.create({"LastName": f"Doe {n}"})["id"]
        created = local_sf.bpats__ATS_Applicant__c.create(_applicant(seeded, contact))["id"]
        names.append(local_sf.bpats__ATS_Applicant__c.get(created)["Name"])
    assert names == ["APP-00001", "APP-00002", "APP-00003"]
    jobs = local_sf.query(
        "SELECT bpats__Job_Number__c FROM bpats__Job__c ORDER BY bpats__Job_Number__c"
    )["records"]
    assert [j["bpats__Job_Number__c"] for j in jobs] == ["JOB-00001", "JOB-00002"]


# -- system fields and defaults -------------------------------------------------------------


def test_system_fields_are_set_on_create_and_update(local_sf: Any, seeded: dict[str, str]) -> None:
    created = local_sf.Contact.create({"FirstName": "Jane", "LastName": "Doe"})["id"]
    record = local_sf.Contact.get(created)
    assert record["OwnerId"] == seeded["user"]
    assert record["CreatedById"] == record["LastModifiedById"] == seeded["user"]
    assert record["CreatedDate"] == record["LastModifiedDate"] == record["SystemModstamp"]
    assert record["CreatedDate"].endswith("+0000") and "T" in record["CreatedDate"]
    assert record["IsDeleted"] is False
    assert record["Name"] == "Jane Doe"
    assert record["HasOptedOutOfEmail"] is False  # checkbox defaulted on create


def test_update_moves_last_modified_but_not_created(seeded: dict[str, str]) -> None:
    from datetime import datetime, timedelta, timezone

    moments = iter(
        datetime(2026, 3, 1, 12, tzinfo=timezone.utc) + timedelta(minutes=m) for m in range(100)
    )
    with LocalOrg(clock=lambda: next(moments)) as org:
        sf = org.salesforce()
        created = sf.Contact.create({"LastName": "Doe"})["id"]
        sf.Contact.update(created, {"Title": "Chef"})
        record = sf.Contact.get(created)
    assert record["CreatedDate"] < record["LastModifiedDate"]
    assert record["LastModifiedDate"] == record["SystemModstamp"]


def test_owner_can_be_given_and_defaults_only_when_absent(
    local_sf: Any, seeded: dict[str, str]
) -> None:
    other = local_sf.User.create(
        {"Username": "second@asymbl-sf.local", "LastName": "Second", "Email": "second@example.com"}
    )["id"]
    created = local_sf.Contact.create({"LastName": "Doe", "OwnerId": other})["id"]
    assert local_sf.Contact.get(created)["OwnerId"] == other


def test_restricted_picklist_default_is_applied(local_sf: Any, seeded: dict[str, str]) -> None:
    contact = local_sf.Contact.create({"LastName": "Doe"})["id"]
    created = local_sf.bpats__ATS_Applicant__c.create(_applicant(seeded, contact))["id"]
    record = local_sf.bpats__ATS_Applicant__c.get(created)
    assert record["bpats__Applicant_Status__c"] == "Active"


def test_empty_string_is_stored_as_null(local_sf: Any) -> None:
    created = local_sf.Contact.create({"LastName": "Doe", "Email": ""})["id"]
    assert local_sf.Contact.get(created)["Email"] is None


# -- soft delete ----------------------------------------------------------------------------


def test_deleted_record_is_hidden_from_query_and_shown_by_query_all(local_sf: Any) -> None:
    created = local_sf.Contact.create({"LastName": "Gone", "Email": "gone@x.com"})["id"]
    assert local_sf.Contact.delete(created) == 204
    soql = "SELECT Id, IsDeleted FROM Contact WHERE Email = 'gone@x.com'"
    assert local_sf.query(soql)["totalSize"] == 0
    rows = local_sf.query_all(soql, include_deleted=True)["records"]
    assert [(r["Id"], r["IsDeleted"]) for r in rows] == [(created, True)]


def test_deleted_record_cannot_be_read_updated_or_deleted_again(local_sf: Any) -> None:
    from simple_salesforce.exceptions import SalesforceResourceNotFound

    created = local_sf.Contact.create({"LastName": "Gone"})["id"]
    local_sf.Contact.delete(created)
    for call in (
        lambda: local_sf.Contact.get(created),
        lambda: local_sf.Contact.update(created, {"Title": "x"}),
        lambda: local_sf.Contact.delete(created),
    ):
        with pytest.raises(SalesforceResourceNotFound) as caught:
            call()
        assert caught.value.content[0]["errorCode"] == "ENTITY_IS_DELETED"


def test_reference_to_a_deleted_record_is_refused(local_sf: Any) -> None:
    account = local_sf.Account.create({"Name": "Acme"})["id"]
    local_sf.Account.delete(account)
    _, error = _single_error(
        lambda: local_sf.Contact.create({"LastName": "Doe", "AccountId": account})
    )
    assert error["errorCode"] == "INVALID_CROSS_REFERENCE_KEY"


@pytest.mark.parametrize("bad", ["abc", "0038d0000000001AAX", "a0J8d00000000zzzzz"])
def test_a_malformed_id_in_a_lookup_is_malformed_id_not_a_crash(bad: str) -> None:
    with LocalOrg() as org:
        sf = org.salesforce()
        contact = sf.Contact.create({"LastName": "X"})["id"]
        answer = sf.restful(
            "composite/sobjects",
            method="POST",
            json={
                "allOrNone": False,
                "records": [
                    {
                        "attributes": {"type": "bpats__ATS_Applicant__c"},
                        "bpats__ATS_Applicant__c": contact,
                        "bpats__Job__c": bad,
                        "bpats__Stage__c": bad,
                    }
                ],
            },
        )
        codes = {e["statusCode"] for e in answer[0]["errors"]}
        assert codes == {"MALFORMED_ID"}
