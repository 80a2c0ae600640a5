"""Upsert by an external id, as Salesforce answers it: one record per value (the field's
uniqueness enforced), ``created`` true or false, 300 for several matches, the errors of a wrong
field or a value given twice in one request."""

from __future__ import annotations

from typing import Any

import pytest
from simple_salesforce.exceptions import SalesforceMoreThanOneRecord, SalesforceResourceNotFound

from asymbl_sf.localorg import LocalOrg
from benchmarks.synthetic import CLAIM, schema_with_claim


@pytest.fixture
def org() -> Any:
    with LocalOrg(schema=schema_with_claim()) as local:
        yield local


def test_a_new_value_creates_then_the_same_value_updates(org: LocalOrg) -> None:
    sf = org.salesforce()
    first = sf.Contact.upsert(f"{CLAIM}/jane@x.com", {"LastName": "Doe"}, raw_response=True)
    assert first.status_code == 201 and first.json()["created"] is True
    again = sf.Contact.upsert(f"{CLAIM}/JANE@X.COM", {"Title": "Nurse"}, raw_response=True)
    assert again.status_code == 200 and again.json() == {
        "id": first.json()["id"],
        "success": True,
        "errors": [],
        "created": False,
    }
    (contact,) = org.records("Contact")
    assert (contact[CLAIM], contact["LastName"], contact["Title"]) == ("jane@x.com", "Doe", "Nurse")


def test_the_field_stays_unique_and_several_matches_answer_300() -> None:
    with LocalOrg(schema=schema_with_claim(unique=False)) as org:
        sf = org.salesforce()
        sf.Contact.create({"LastName": "A", CLAIM: "k"})
        sf.Contact.create({"LastName": "B", CLAIM: "k"})
        with pytest.raises(SalesforceMoreThanOneRecord) as caught:
            sf.Contact.upsert(f"{CLAIM}/k", {"LastName": "C"})
        assert len(caught.value.content) == 2 and all(
            "/sobjects/Contact/" in u for u in caught.value.content
        )
        assert org.count("Contact") == 2


def test_a_field_that_is_no_external_id_is_not_found(org: LocalOrg) -> None:
    with pytest.raises(SalesforceResourceNotFound) as caught:
        org.salesforce().Contact.upsert("Phone/123", {"LastName": "X"})
    assert caught.value.content[0]["errorCode"] == "NOT_FOUND"


def test_collections_upsert_answers_created_per_record_and_refuses_a_value_twice(
    org: LocalOrg,
) -> None:
    sf = org.salesforce()
    sf.Contact.create({"LastName": "Old", CLAIM: "old@x.com"})
    records = [
        {"attributes": {"type": "Contact"}, CLAIM: "new@x.com", "LastName": "New"},
        {"attributes": {"type": "Contact"}, CLAIM: "OLD@x.com", "Title": "Updated"},
        {"attributes": {"type": "Contact"}, CLAIM: "twice@x.com", "LastName": "T1"},
        {"attributes": {"type": "Contact"}, CLAIM: "Twice@x.com", "LastName": "T2"},
    ]
    results = sf.restful(
        f"composite/sobjects/Contact/{CLAIM}",
        method="PATCH",
        json={"allOrNone": False, "records": records},
    )
    assert [(r["success"], r.get("created")) for r in results] == [
        (True, True),
        (True, False),
        (False, None),
        (False, None),
    ]
    assert results[2]["errors"][0]["statusCode"] == "DUPLICATE_EXTERNAL_ID"
    assert org.count("Contact") == 2


def test_an_upsert_inside_composite_is_referenced_by_the_next_subrequest(org: LocalOrg) -> None:
    sf = org.salesforce()
    answer = sf.restful(
        "composite",
        method="POST",
        json={
            "allOrNone": True,
            "compositeRequest": [
                {
                    "method": "PATCH",
                    "url": f"/services/data/v62.0/sobjects/Contact/{CLAIM}/c%40x.com",
                    "referenceId": "Contact",
                    "body": {"LastName": "C"},
                },
                {
                    "method": "POST",
                    "url": "/services/data/v62.0/sobjects/Task",
                    "referenceId": "Task",
                    "body": {"WhoId": "@{Contact.id}", "Subject": "Call"},
                },
            ],
        },
    )
    upserted, task = answer["compositeResponse"]
    assert upserted["httpStatusCode"] == 201
    assert upserted["httpHeaders"]["Location"].endswith(
        f"/sobjects/Contact/{upserted['body']['id']}"
    )
    assert task["httpStatusCode"] == 201
    (contact,) = org.records("Contact")
    assert contact[CLAIM] == "c@x.com"
    assert org.records("Task")[0]["WhoId"] == contact["Id"]
