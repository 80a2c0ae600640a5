"""Deleting a parent does to its children what Salesforce does (cascade, restrict, set null),
its describe lists them, and the SOAP API's undelete gives everything back."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from simple_salesforce.exceptions import SalesforceMalformedRequest

from asymbl_sf.errors import SalesforceError
from asymbl_sf.localorg import LocalOrg
from asymbl_sf.salesforce.api import SalesforceApi
from asymbl_sf.salesforce.soap import undelete

APPLICANT = "bpats__ATS_Applicant__c"


def candidate_with_everything(org: LocalOrg) -> dict[str, str]:
    sf = org.salesforce()
    job = next(j["Id"] for j in org.records("bpats__Job__c") if j["Name"] == "Registered Nurse")
    stage = next(s["Id"] for s in org.records("bpats__ATS_Stage__c") if s["bpats__Job__c"] == job)
    contact = sf.Contact.create({"LastName": "Doe", "Email": "doe@x.com"})["id"]
    applicant = getattr(sf, APPLICANT).create(
        {"bpats__ATS_Applicant__c": contact, "bpats__Job__c": job, "bpats__Stage__c": stage}
    )["id"]
    task = sf.Task.create({"WhoId": contact, "Subject": "Call", "Status": "Completed"})["id"]
    version = sf.ContentVersion.create(
        {
            "Title": "cv",
            "PathOnClient": "cv.txt",
            "FirstPublishLocationId": contact,
            "VersionData": base64.b64encode(b"cv").decode(),
        }
    )["id"]
    document = org.get(version)["ContentDocumentId"]  # type: ignore[index]
    link = next(
        link["Id"]
        for link in org.records("ContentDocumentLink")
        if link["LinkedEntityId"] == contact and link["ContentDocumentId"] == document
    )
    return {"contact": contact, "applicant": applicant, "task": task, "link": link, "stage": stage}


@pytest.fixture
def org() -> Any:
    with LocalOrg() as local:
        yield local


def test_the_describe_lists_the_child_relationships_with_their_rules(org: LocalOrg) -> None:
    relations = org.salesforce().Contact.describe()["childRelationships"]
    rules = {
        (r["childSObject"], r["field"]): (r["cascadeDelete"], r["restrictedDelete"])
        for r in relations
    }
    assert rules[("Task", "WhoId")] == (True, False)
    assert rules[("ContentDocumentLink", "LinkedEntityId")] == (True, False)
    assert rules[(APPLICANT, "bpats__ATS_Applicant__c")] == (False, False)  # set null
    stage_rules = org.salesforce().bpats__ATS_Stage__c.describe()["childRelationships"]
    assert {(r["childSObject"], r["field"], r["restrictedDelete"]) for r in stage_rules} >= {
        (APPLICANT, "bpats__Stage__c", True)  # a required lookup: Salesforce restricts it
    }


def test_deleting_a_contact_cascades_clears_and_undelete_gives_all_back(org: LocalOrg) -> None:
    ids = candidate_with_everything(org)
    before = {k: org.get(v) for k, v in ids.items()}
    org.salesforce().Contact.delete(ids["contact"])
    assert org.get(ids["contact"])["IsDeleted"] is True  # type: ignore[index]
    assert org.get(ids["task"])["IsDeleted"] is True  # type: ignore[index]
    assert org.get(ids["link"])["IsDeleted"] is True  # type: ignore[index]
    assert org.get(ids["applicant"])["bpats__ATS_Applicant__c"] is None  # type: ignore[index]

    api = SalesforceApi(org.salesforce())
    assert undelete(api, [ids["contact"]]) == {ids["contact"]: None}
    assert org.calls["POST soap"] == 1
    for key in ("contact", "task", "link", "applicant"):
        now = org.get(ids[key])
        assert now is not None and not now.get("IsDeleted")
        wanted = {k: v for k, v in before[key].items() if k != "SystemModstamp"}  # type: ignore[union-attr]
        assert {k: now.get(k) for k in wanted} == wanted, key


def test_a_parent_with_restricting_children_is_not_deleted(org: LocalOrg) -> None:
    ids = candidate_with_everything(org)
    with pytest.raises(SalesforceMalformedRequest) as caught:
        org.salesforce().bpats__ATS_Stage__c.delete(ids["stage"])
    assert caught.value.content[0]["errorCode"] == "DELETE_FAILED"
    assert not org.get(ids["stage"])["IsDeleted"]  # type: ignore[index]


def test_undelete_says_per_record_what_it_could_not_do(org: LocalOrg) -> None:
    ids = candidate_with_everything(org)
    api = SalesforceApi(org.salesforce())
    answers = undelete(api, [ids["contact"], "003000000000000AAA"])
    assert answers[ids["contact"]] == "UNDELETE_FAILED: Entity is not in the recycle bin"
    assert str(answers["003000000000000AAA"]).startswith("INVALID_ID_FIELD")


def test_a_soap_call_without_a_session_is_refused_as_salesforce_does(org: LocalOrg) -> None:
    sf = org.salesforce(session_id="")
    api = SalesforceApi(sf)
    with pytest.raises(SalesforceError) as caught:
        undelete(api, ["0038d0000000001AAA"])
    assert caught.value.error_code == "INVALID_SESSION_ID"
