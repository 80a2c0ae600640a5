"""Composite: subrequests in one call, ``@{ref.id}`` references, 25 at most, allOrNone."""

from __future__ import annotations

from typing import Any

import pytest
from simple_salesforce.exceptions import SalesforceMalformedRequest

from asymbl_sf.localorg import LocalOrg

V = "/services/data/v59.0"


def _stage_of_first_job(sf: Any) -> tuple[str, str]:
    stage = sf.query(
        "SELECT Id, bpats__Job__c FROM bpats__ATS_Stage__c "
        "WHERE bpats__Sequence__c = 1 ORDER BY Id LIMIT 1"
    )["records"][0]
    return stage["bpats__Job__c"], stage["Id"]


def test_references_link_a_new_contact_to_a_new_applicant_in_one_call(
    local_org: LocalOrg, local_sf: Any
) -> None:
    job, stage = _stage_of_first_job(local_sf)
    answer = local_sf.restful(
        "composite",
        method="POST",
        json={
            "compositeRequest": [
                {
                    "method": "POST",
                    "url": f"{V}/sobjects/Contact",
                    "referenceId": "candidate",
                    "body": {"LastName": "Doe", "Email": "jane@x.com"},
                },
                {
                    "method": "POST",
                    "url": f"{V}/sobjects/bpats__ATS_Applicant__c",
                    "referenceId": "application",
                    "body": {
                        "bpats__ATS_Applicant__c": "@{candidate.id}",
                        "bpats__Job__c": job,
                        "bpats__Stage__c": stage,
                    },
                },
                {
                    "method": "GET",
                    "url": f"{V}/sobjects/Contact/@{{candidate.id}}?fields=Email",
                    "referenceId": "readBack",
                },
                {
                    "method": "GET",
                    "referenceId": "q",
                    "url": f"{V}/query?q=SELECT+Id+FROM+Contact+WHERE+Email+=+'JANE@X.COM'",
                },
            ]
        },
    )
    responses = answer["compositeResponse"]
    assert [r["referenceId"] for r in responses] == ["candidate", "application", "readBack", "q"]
    assert [r["httpStatusCode"] for r in responses] == [201, 201, 200, 200]
    contact_id = responses[0]["body"]["id"]
    assert responses[0]["httpHeaders"]["Location"].endswith(f"/sobjects/Contact/{contact_id}")
    applicant = local_org.get(responses[1]["body"]["id"])
    assert applicant is not None and applicant["bpats__ATS_Applicant__c"] == contact_id
    assert responses[2]["body"]["Email"] == "jane@x.com"
    assert responses[3]["body"]["records"][0]["Id"] == contact_id
    assert local_org.calls["POST composite"] == 1


def test_failed_subrequest_answers_inside_with_its_own_status(local_sf: Any) -> None:
    answer = local_sf.restful(
        "composite",
        method="POST",
        json={
            "compositeRequest": [
                {
                    "method": "POST",
                    "url": f"{V}/sobjects/Contact",
                    "referenceId": "bad",
                    "body": {"FirstName": "No last name"},
                },
                {
                    "method": "POST",
                    "url": f"{V}/sobjects/Contact",
                    "referenceId": "good",
                    "body": {"LastName": "Doe"},
                },
            ]
        },
    )
    bad, good = answer["compositeResponse"]
    assert bad["httpStatusCode"] == 400
    assert bad["body"][0]["errorCode"] == "REQUIRED_FIELD_MISSING"
    assert good["httpStatusCode"] == 201


def test_reference_to_a_failed_subrequest_is_refused(local_sf: Any) -> None:
    answer = local_sf.restful(
        "composite",
        method="POST",
        json={
            "compositeRequest": [
                {
                    "method": "POST",
                    "url": f"{V}/sobjects/Account",
                    "referenceId": "acct",
                    "body": {},
                },
                {
                    "method": "POST",
                    "url": f"{V}/sobjects/Contact",
                    "referenceId": "c",
                    "body": {"LastName": "Doe", "AccountId": "@{acct.id}"},
                },
            ]
        },
    )
    second = answer["compositeResponse"][1]
    assert second["httpStatusCode"] == 400
    assert second["body"][0]["errorCode"] == "PROCESSING_HALTED"


def test_all_or_none_rolls_back_every_subrequest(local_org: LocalOrg, local_sf: Any) -> None:
    answer = local_sf.restful(
        "composite",
        method="POST",
        json={
            "allOrNone": True,
            "compositeRequest": [
                {
                    "method": "POST",
                    "url": f"{V}/sobjects/Contact",
                    "referenceId": "one",
                    "body": {"LastName": "Kept?"},
                },
                {
                    "method": "POST",
                    "url": f"{V}/sobjects/Contact",
                    "referenceId": "two",
                    "body": {"LastName": "Doe", "Email": "bad"},
                },
                {
                    "method": "POST",
                    "url": f"{V}/sobjects/Contact",
                    "referenceId": "three",
                    "body": {"LastName": "Never run"},
                },
            ],
        },
    )
    codes = [r["body"][0]["errorCode"] for r in answer["compositeResponse"]]
    assert codes == ["PROCESSING_HALTED", "INVALID_EMAIL_ADDRESS", "PROCESSING_HALTED"]
    assert local_org.count("Contact") == 0


def test_more_than_25_subrequests_are_refused(local_org: LocalOrg, local_sf: Any) -> None:
    subrequests = [
        {
            "method": "POST",
            "url": f"{V}/sobjects/Contact",
            "referenceId": f"c{i}",
            "body": {"LastName": f"Doe {i}"},
        }
        for i in range(26)
    ]
    with pytest.raises(SalesforceMalformedRequest) as caught:
        local_sf.restful("composite", method="POST", json={"compositeRequest": subrequests})
    assert caught.value.content[0]["errorCode"] == "LIMIT_EXCEEDED"
    assert local_org.count("Contact") == 0
    answer = local_sf.restful(
        "composite", method="POST", json={"compositeRequest": subrequests[:25]}
    )
    assert len(answer["compositeResponse"]) == 25
    assert local_org.count("Contact") == 25


def test_collections_inside_composite(local_org: LocalOrg, local_sf: Any) -> None:
    answer = local_sf.restful(
        "composite",
        method="POST",
        json={
            "compositeRequest": [
                {
                    "method": "POST",
                    "url": f"{V}/composite/sobjects",
                    "referenceId": "batch",
                    "body": {
                        "records": [
                            {"attributes": {"type": "Contact"}, "LastName": "A"},
                            {"attributes": {"type": "Contact"}, "LastName": "B"},
                        ]
                    },
                },
                {
                    "method": "PATCH",
                    "url": f"{V}/sobjects/Contact/@{{batch[1].id}}",
                    "referenceId": "fix",
                    "body": {"Title": "Second"},
                },
            ]
        },
    )
    assert [r["httpStatusCode"] for r in answer["compositeResponse"]] == [200, 204]
    titled = [r for r in local_org.records("Contact") if r.get("Title") == "Second"]
    assert [r["LastName"] for r in titled] == ["B"]


def test_unknown_route_inside_composite_says_not_emulated(local_sf: Any) -> None:
    answer = local_sf.restful(
        "composite",
        method="POST",
        json={
            "compositeRequest": [
                {
                    "method": "GET",
                    "url": f"{V}/sobjects/Contact/listviews/recent",
                    "referenceId": "x",
                },
            ]
        },
    )
    only = answer["compositeResponse"][0]
    assert only["httpStatusCode"] == 501
    assert only["body"][0]["errorCode"] == "NOT_EMULATED"
