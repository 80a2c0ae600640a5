"""Passthrough: any REST call to the connected org, and never to another host."""

from __future__ import annotations

import pytest

from asymbl_sf import Asymbl
from asymbl_sf.checks.api_passthrough import parse_data, parse_params
from asymbl_sf.errors import ConfigurationError, SalesforceError
from asymbl_sf.localorg import LocalOrg


@pytest.fixture
def client(local_org: LocalOrg) -> Asymbl:
    return Asymbl(local_org.salesforce())


def test_get_a_relative_path(client: Asymbl, local_org: LocalOrg) -> None:
    body = client.passthrough("GET", "sobjects/Contact/describe")
    assert body["name"] == "Contact"
    assert local_org.calls["GET describe"] == 1
    assert client.usage.calls == 1


def test_get_an_absolute_path_and_query_parameters(client: Asymbl) -> None:
    versions = client.passthrough("get", "/services/data/")
    assert [v["version"] for v in versions][-1] == "62.0"
    found = client.passthrough(
        "GET", "query", params={"q": "SELECT Id, Name FROM bpats__Job__c ORDER BY Name"}
    )
    assert [r["Name"] for r in found["records"]] == ["Registered Nurse", "Senior Backend Engineer"]


def test_a_full_url_on_the_orgs_own_host_is_accepted(client: Asymbl) -> None:
    url = f"{client.instance_url}/services/data/v62.0/sobjects/Contact/describe"
    assert client.passthrough("GET", url)["name"] == "Contact"


def test_post_patch_and_delete(client: Asymbl, local_org: LocalOrg) -> None:
    created = client.passthrough("POST", "sobjects/Contact", data={"LastName": "Doe"})
    assert created["success"] is True
    assert (
        client.passthrough("PATCH", f"sobjects/Contact/{created['id']}", data={"FirstName": "Jo"})
        is None
    )
    assert local_org.get(created["id"])["FirstName"] == "Jo"
    assert client.passthrough("DELETE", f"sobjects/Contact/{created['id']}") is None
    assert local_org.count("Contact") == 0


def test_a_refusal_is_the_translated_salesforce_error(client: Asymbl) -> None:
    with pytest.raises(SalesforceError) as info:
        client.passthrough("POST", "sobjects/Contact", data={"LastNam": "Doe"})
    assert info.value.error_code == "INVALID_FIELD"
    assert info.value.status == 400
    with pytest.raises(SalesforceError) as missing:
        client.passthrough("GET", "sobjects/Contact/003000000000000AAA")
    assert missing.value.error_code in ("NOT_FOUND", "MALFORMED_ID")


def test_an_unknown_method_is_refused(client: Asymbl) -> None:
    with pytest.raises(
        ConfigurationError,
        match="unknown HTTP method 'FETCH'; use one of GET, POST, PATCH, PUT, DELETE, HEAD",
    ):
        client.passthrough("FETCH", "limits")
    assert client.usage.calls == 0


@pytest.mark.parametrize(
    "target",
    [
        "https://attacker.example.com/services/data/",
        "//attacker.example.com/services/data/",
        "http://asymbl-sf.local-org.invalid/services/data/",  # not https: the token would leak
        "https://asymbl-sf.local-org.invalid.attacker.example/services/data/",
    ],
)
def test_another_host_is_refused_before_any_call(client: Asymbl, target: str) -> None:
    with pytest.raises(ConfigurationError, match="passthrough only calls this org"):
        client.passthrough("GET", target)
    assert client.usage.calls == 0


def test_an_absolute_path_outside_services_is_refused(client: Asymbl) -> None:
    with pytest.raises(ConfigurationError, match="an absolute path must start with /services/"):
        client.passthrough("GET", "/secur/frontdoor.jsp")


def test_a_body_on_a_get_is_refused(client: Asymbl) -> None:
    with pytest.raises(ConfigurationError, match="GET takes no body"):
        client.passthrough("GET", "limits", data={"a": 1})


def test_data_and_params_parsing(tmp_path: object) -> None:
    from pathlib import Path

    body = Path(str(tmp_path)) / "body.json"
    body.write_text('{"LastName": "Doe"}')
    assert parse_data(f"@{body}") == {"LastName": "Doe"}
    assert parse_data("[1, 2]") == [1, 2]
    with pytest.raises(ConfigurationError, match="--data is not valid JSON"):
        parse_data("{nope")
    with pytest.raises(ConfigurationError, match=r"cannot read .*missing\.json"):
        parse_data(f"@{Path(str(tmp_path)) / 'missing.json'}")
    assert parse_params(["q=SELECT Id FROM Contact WHERE Name = 'a=b'"]) == {
        "q": "SELECT Id FROM Contact WHERE Name = 'a=b'"
    }
    with pytest.raises(ConfigurationError, match="write it as name=value"):
        parse_params(["q"])
