"""Bulk API 2.0 query jobs on the local org, through simple-salesforce's real ``bulk2`` client
(``wait=0``: the client otherwise sleeps before its first poll) and by hand for the details."""

from __future__ import annotations

import base64
import csv
import io
from collections.abc import Iterator
from typing import Any

import pytest
from simple_salesforce.exceptions import SalesforceMalformedRequest

from asymbl_sf.localorg import LocalOrg


@pytest.fixture
def org() -> Iterator[LocalOrg]:
    with LocalOrg() as local:
        for i in range(5):
            local.backend.create("Contact", {"LastName": f"L{i}", "Email": f"p{i}@x.com"})
        yield local


@pytest.fixture
def sf(org: LocalOrg) -> Any:
    return org.salesforce()


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_query_through_the_real_client_pages_with_locators(sf: Any, org: LocalOrg) -> None:
    pages = list(
        sf.bulk2.Contact.query(
            "SELECT Id, Email, Account.Name FROM Contact ORDER BY Email", max_records=2, wait=0
        )
    )
    assert len(pages) == 3
    emails = [r["Email"] for page in pages for r in rows(page)]
    assert emails == [f"p{i}@x.com" for i in range(5)]
    assert rows(pages[0])[0]["Account.Name"] == ""  # null: an empty string
    assert pages[0].startswith('"Id","Email","Account.Name"\n')  # every value quoted
    assert org.calls["GET jobs/query results"] == 3


def test_job_states_headers_and_locators_follow_salesforce(sf: Any, org: LocalOrg) -> None:
    base = f"{sf.base_url}jobs/query"
    created = sf.session.post(
        base, headers=sf.headers, json={"operation": "query", "query": "SELECT Id FROM Contact"}
    ).json()
    assert created["state"] == "UploadComplete" and created["id"].startswith("750")
    job = f"{base}/{created['id']}"
    early = sf.session.get(f"{job}/results", headers=sf.headers)
    assert early.status_code == 400 and early.json()[0]["errorCode"] == "INVALIDJOBSTATE"
    assert sf.session.get(job, headers=sf.headers).json()["state"] == "InProgress"
    info = sf.session.get(job, headers=sf.headers).json()
    assert (info["state"], info["jobType"], info["numberRecordsProcessed"]) == (
        "JobComplete",
        "V2Query",
        5,
    )
    first = sf.session.get(f"{job}/results", headers=sf.headers, params={"maxRecords": 3})
    assert first.headers["Sforce-NumberOfRecords"] == "3"
    locator = first.headers["Sforce-Locator"]
    assert base64.b64decode(locator + "==").decode() == "3"
    rest = sf.session.get(
        f"{job}/results", headers=sf.headers, params={"maxRecords": 3, "locator": locator}
    )
    assert rest.headers["Sforce-NumberOfRecords"] == "2"
    assert rest.headers["Sforce-Locator"] == "null"
    again = sf.session.get(
        f"{job}/results", headers=sf.headers, params={"maxRecords": 3, "locator": locator}
    )
    assert again.text == rest.text  # a locator can be used again
    listed = sf.session.get(base, headers=sf.headers).json()["records"]
    assert [j["id"] for j in listed] == [created["id"]]
    assert sf.session.delete(job, headers=sf.headers).status_code == 204
    assert sf.session.get(job, headers=sf.headers).status_code == 404


def test_bad_queries_are_refused_when_the_job_is_created(sf: Any) -> None:
    with pytest.raises(SalesforceMalformedRequest) as caught:
        list(sf.bulk2.Contact.query("SELECT Nope FROM Contact", wait=0))
    assert caught.value.content[0]["errorCode"] == "INVALID_FIELD"
    with pytest.raises(SalesforceMalformedRequest) as caught:
        list(sf.bulk2.Contact.query("SELECT COUNT() FROM Contact", wait=0))
    assert caught.value.content[0]["errorCode"] == "INVALIDJOB"


def test_query_all_includes_deleted_rows_and_abort_stops_a_job(sf: Any, org: LocalOrg) -> None:
    contact = org.records("Contact")[0]
    org.backend.delete("Contact", contact["Id"])
    live = [r for p in sf.bulk2.Contact.query("SELECT Id FROM Contact", wait=0) for r in rows(p)]
    every = [
        r for p in sf.bulk2.Contact.query_all("SELECT Id FROM Contact", wait=0) for r in rows(p)
    ]
    assert (len(live), len(every)) == (4, 5)
    created = sf.session.post(
        f"{sf.base_url}jobs/query",
        headers=sf.headers,
        json={"operation": "query", "query": "SELECT Id FROM Contact"},
    ).json()
    job = f"{sf.base_url}jobs/query/{created['id']}"
    aborted = sf.session.patch(job, headers=sf.headers, json={"state": "Aborted"}).json()
    assert aborted["state"] == "Aborted"
    refused = sf.session.patch(job, headers=sf.headers, json={"state": "Aborted"})
    assert refused.status_code == 400 and refused.json()[0]["errorCode"] == "INVALIDJOBSTATE"
