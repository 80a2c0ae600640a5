"""The REST surface: sObject CRUD, describe, limits, usage header, and "not emulated" answers."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from simple_salesforce.exceptions import SalesforceError, SalesforceResourceNotFound

from asymbl_sf.localorg import LocalOrg


def test_sobject_crud_by_id(local_org: LocalOrg, local_sf: Any) -> None:
    created = local_sf.Contact.create(
        {"FirstName": "Jane", "LastName": "Doe", "Email": "jane@x.com", "Birthdate": "1990-04-01"}
    )
    assert created["success"] is True and created["errors"] == []
    record = local_sf.Contact.get(created["id"])
    base = f"/services/data/v{local_org.api_version}"
    assert record["attributes"] == {
        "type": "Contact",
        "url": f"{base}/sobjects/Contact/{created['id']}",
    }
    assert (record["Email"], record["Birthdate"]) == ("jane@x.com", "1990-04-01")
    assert set(local_sf.Contact.describe()["fields"][0]) >= {"name", "type"}
    assert "MobilePhone" in record  # every field, nulls included
    assert local_sf.Contact.update(created["id"], {"MobilePhone": "+1 555 0100"}) == 204
    assert local_org.get(created["id"])["MobilePhone"] == "+1 555 0100"  # type: ignore[index]
    assert local_sf.Contact.delete(created["id"]) == 204
    assert local_org.count("Contact") == 0


def test_retrieve_with_a_field_list(local_sf: Any) -> None:
    created = local_sf.Contact.create({"LastName": "Doe"})["id"]
    response = local_sf.session.get(
        f"{local_sf.base_url}sobjects/Contact/{created}",
        params={"fields": "LastName,Email"},
        headers=local_sf.headers,
    )
    assert set(response.json()) == {"attributes", "LastName", "Email"}


def test_unknown_record_is_not_found(local_sf: Any) -> None:
    with pytest.raises(SalesforceResourceNotFound) as caught:
        local_sf.Contact.get("0038d000000ZZZZAA4")
    assert caught.value.content[0]["errorCode"] == "NOT_FOUND"


def test_unknown_object_is_not_found(local_sf: Any) -> None:
    with pytest.raises(SalesforceResourceNotFound) as caught:
        local_sf.Opportunity.describe()
    assert caught.value.content[0]["errorCode"] == "NOT_FOUND"


def test_describe_has_fields_key_prefix_and_record_types(local_sf: Any) -> None:
    describe = local_sf.Contact.describe()
    assert (describe["name"], describe["keyPrefix"]) == ("Contact", "003")
    email = next(f for f in describe["fields"] if f["name"] == "Email")
    assert (email["type"], email["length"]) == ("email", 80)
    names = {i["developerName"] for i in describe["recordTypeInfos"]}
    assert names == {"Candidate", "Master"}
    applicant = local_sf.bpats__ATS_Applicant__c.describe()
    stage = next(f for f in applicant["fields"] if f["name"] == "bpats__Stage__c")
    assert stage["filteredLookupInfo"] is not None
    assert stage["nillable"] is False


def test_global_describe_lists_every_object_with_its_prefix(
    local_org: LocalOrg, local_sf: Any
) -> None:
    objects = {o["name"]: o for o in local_sf.describe()["sobjects"]}
    assert {
        "Contact",
        "bpats__ATS_Applicant__c",
        "bpats__Job__c",
        "bpats__ATS_Stage__c",
        "ContentVersion",
        "ContentDocumentLink",
        "Task",
        "User",
    } <= set(objects)
    assert objects["ContentVersion"]["keyPrefix"] == "068"
    assert objects["Contact"]["urls"]["describe"] == (
        f"/services/data/v{local_org.api_version}/sobjects/Contact/describe"
    )


def test_limits_and_usage_header(local_org: LocalOrg, local_sf: Any) -> None:
    local_sf.Contact.create({"LastName": "Doe"})
    local_sf.query("SELECT Id FROM Contact")
    usage = local_sf.api_usage["api-usage"]
    assert (usage.used, usage.total) == (2, 100_000)
    limits = local_sf.limits()
    assert limits["DailyApiRequests"] == {"Max": 100_000, "Remaining": 99_998}
    assert local_org.api_usage == 2  # GET limits is free, as on Salesforce
    response = local_sf.session.get(f"{local_sf.base_url}limits/", headers=local_sf.headers)
    assert response.headers["Sforce-Limit-Info"] == "api-usage=2/100000"


def test_versions_and_resources(local_org: LocalOrg, local_sf: Any) -> None:
    versions = requests.get(f"{local_org.instance_url}/services/data/").json()
    assert local_org.api_version in [v["version"] for v in versions]
    resources = local_sf.restful("")
    assert resources["query"] == f"/services/data/v{local_org.api_version}/query"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "sobjects/Contact/listviews"),
        ("GET", "tooling/query/?q=SELECT+Id+FROM+ApexClass"),
        ("POST", "composite/graph"),
        ("POST", "composite/tree/Account"),
        ("POST", "async/62.0/job"),
        ("POST", "composite/sobjects/Contact/Email"),
        ("PUT", "sobjects/Contact/0038d0000000001AAA"),
        ("GET", "search/?q=FIND+{Doe}"),
    ],
)
def test_route_that_is_not_emulated_says_so(local_sf: Any, method: str, path: str) -> None:
    with pytest.raises(SalesforceError) as caught:
        local_sf.restful(path, method=method, json={} if method != "GET" else None)
    assert caught.value.status == 501
    error = caught.value.content[0]
    assert error["errorCode"] == "NOT_EMULATED"
    assert "docs/local-org.md" in error["message"]


def test_requests_adapter_front_door_behaves_like_the_fixture() -> None:
    org = LocalOrg()  # no ``with``: the adapter is mounted on the client's session
    sf = org.salesforce()
    created = sf.Contact.create({"LastName": "Doe", "Email": "jane@x.com"})["id"]
    assert (
        sf.query("SELECT Id FROM Contact WHERE Email = 'JANE@X.COM'")["records"][0]["Id"] == created
    )
    org.faults.next(1, "drop")
    with pytest.raises(requests.exceptions.ConnectionError):
        sf.query("SELECT Id FROM Contact")
    with pytest.raises(SalesforceError) as caught:
        sf.restful("search/?q=x")
    assert caught.value.status == 501
