"""Query and queryAll: paging through nextRecordsUrl, batch size, SOQL semantics, the 431 limit."""

from __future__ import annotations

from typing import Any

import pytest
from simple_salesforce.exceptions import SalesforceError, SalesforceMalformedRequest

from asymbl_sf.localorg import LocalOrg


def _insert_contacts(sf: Any, n: int) -> list[str]:
    ids: list[str] = []
    for start in range(0, n, 200):
        records = [
            {
                "attributes": {"type": "Contact"},
                "LastName": f"Doe {i:05d}",
                "Email": f"c{i}@example.com",
            }
            for i in range(start, min(n, start + 200))
        ]
        results = sf.restful("composite/sobjects", method="POST", json={"records": records})
        ids += [r["id"] for r in results]
    return ids


@pytest.fixture
def many(local_sf: Any) -> list[str]:
    return _insert_contacts(local_sf, 2_345)


def test_query_pages_at_2000_rows_and_query_all_follows_next_records_url(
    local_org: LocalOrg, local_sf: Any, many: list[str]
) -> None:
    first = local_sf.query("SELECT Id FROM Contact ORDER BY LastName")
    assert first["totalSize"] == 2_345
    assert first["done"] is False and len(first["records"]) == 2_000
    assert "/query/" in first["nextRecordsUrl"]
    second = local_sf.query_more(first["nextRecordsUrl"], identifier_is_url=True)
    assert second["done"] is True and len(second["records"]) == 345
    assert "nextRecordsUrl" not in second
    assert [r["Id"] for r in first["records"] + second["records"]] == many
    local_org.calls.reset()
    everything = local_sf.query_all("SELECT Id FROM Contact ORDER BY LastName")
    assert [r["Id"] for r in everything["records"]] == many
    assert local_org.calls["GET query"] == 1
    assert local_org.calls["GET query more"] == 1


def test_batch_size_header_makes_smaller_pages(local_sf: Any, many: list[str]) -> None:
    headers = {"Sforce-Query-Options": "batchSize=200"}
    page = local_sf.query("SELECT Id FROM Contact ORDER BY LastName", headers=headers)
    seen = list(page["records"])
    assert len(seen) == 200
    pages = 1
    while not page["done"]:
        page = local_sf.query_more(page["nextRecordsUrl"], identifier_is_url=True, headers=headers)
        seen += page["records"]
        pages += 1
    assert pages == 12
    assert [r["Id"] for r in seen] == many


def test_query_all_pages_include_deleted_rows(local_sf: Any, many: list[str]) -> None:
    local_sf.restful("composite/sobjects", method="DELETE", params={"ids": ",".join(many[:10])})
    live = local_sf.query_all("SELECT Id FROM Contact")
    assert live["totalSize"] == 2_335
    every = local_sf.query_all(
        "SELECT Id, IsDeleted FROM Contact ORDER BY LastName", include_deleted=True
    )
    assert every["totalSize"] == 2_345
    assert [r["IsDeleted"] for r in every["records"][:11]] == [True] * 10 + [False]
    first = local_sf.query("SELECT Id FROM Contact", include_deleted=True)
    assert "/queryAll/" in first["nextRecordsUrl"]


def test_used_query_locator_is_refused(local_sf: Any, many: list[str]) -> None:
    first = local_sf.query("SELECT Id FROM Contact")
    local_sf.query_more(first["nextRecordsUrl"], identifier_is_url=True)
    with pytest.raises(SalesforceMalformedRequest) as caught:
        local_sf.query_more(first["nextRecordsUrl"], identifier_is_url=True)
    assert caught.value.content[0]["errorCode"] == "INVALID_QUERY_LOCATOR"


def test_email_equality_ignores_case(local_sf: Any) -> None:
    created = local_sf.Contact.create({"LastName": "Doe", "Email": "jane@x.com"})["id"]
    rows = local_sf.query("SELECT Id FROM Contact WHERE Email = 'JANE@X.COM'")["records"]
    assert [r["Id"] for r in rows] == [created]
    rows = local_sf.query("SELECT Id FROM Contact WHERE Email IN ('Jane@X.com')")["records"]
    assert [r["Id"] for r in rows] == [created]


def test_escaped_quote_literal_matches_exactly(local_sf: Any) -> None:
    from simple_salesforce import format_soql

    wanted = local_sf.Contact.create({"LastName": "O'Brien"})["id"]
    local_sf.Contact.create({"LastName": "OBrien"})
    local_sf.Contact.create({"LastName": "O"})
    soql = format_soql("SELECT Id FROM Contact WHERE LastName = {}", "O'Brien")
    assert "\\'" in soql
    assert [r["Id"] for r in local_sf.query(soql)["records"]] == [wanted]
    # An injection attempt stays a literal.
    soql = format_soql("SELECT Id FROM Contact WHERE LastName = {}", "x' OR LastName != '")
    assert local_sf.query(soql)["totalSize"] == 0


@pytest.mark.parametrize(
    "soql",
    [
        "SELECT Id FROM Contact GROUP BY LastName",
        "SELECT Id, (SELECT Id FROM Tasks) FROM Contact",
        "SELECT Id FROM Contact WHERE CreatedDate = TODAY",
        "SELECT Id FROM Contact WITH SECURITY_ENFORCED",
        "SELEKT Id FROM Contact",
    ],
)
def test_unsupported_or_invalid_query_is_refused(local_sf: Any, soql: str) -> None:
    with pytest.raises(SalesforceMalformedRequest) as caught:
        local_sf.query(soql)
    assert caught.value.status == 400
    assert caught.value.content[0]["errorCode"] == "MALFORMED_QUERY"


def test_unknown_field_in_query_is_invalid_field(local_sf: Any) -> None:
    with pytest.raises(SalesforceMalformedRequest) as caught:
        local_sf.query("SELECT Emial FROM Contact")
    assert caught.value.content[0]["errorCode"] == "INVALID_FIELD"


def test_get_longer_than_16384_bytes_is_refused_with_431(
    local_org: LocalOrg, local_sf: Any
) -> None:
    emails = ", ".join(f"'candidate{i:05d}@example.com'" for i in range(600))
    soql = f"SELECT Id FROM Contact WHERE Email IN ({emails})"
    with pytest.raises(SalesforceError) as caught:
        local_sf.query(soql)
    assert caught.value.status == 431
    # The same query fits in a POST body (Composite): Salesforce's own workaround.
    answer = local_sf.restful(
        "composite",
        method="POST",
        json={
            "compositeRequest": [
                {"method": "GET", "referenceId": "q", "url": "/services/data/v59.0/query?q=" + soql}
            ]
        },
    )
    assert answer["compositeResponse"][0]["httpStatusCode"] == 200


def test_get_just_under_the_limit_is_answered(local_sf: Any) -> None:
    emails = ", ".join(f"'candidate{i:05d}@example.com'" for i in range(300))
    assert local_sf.query(f"SELECT Id FROM Contact WHERE Email IN ({emails})")["totalSize"] == 0


def test_lookup_by_email_uses_the_index_not_a_scan(
    local_org: LocalOrg, local_sf: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from asymbl_sf.localorg.store import RecordStore

    _insert_contacts(local_sf, 400)

    def no_scan(self: RecordStore, sobject: str, include_deleted: bool = False) -> Any:
        raise AssertionError(f"full scan of {sobject}")

    monkeypatch.setattr(RecordStore, "all", no_scan)
    rows = local_sf.query(
        "SELECT Id, Email FROM Contact WHERE Email IN ('C7@EXAMPLE.COM', 'c399@example.com')"
    )["records"]
    assert sorted(r["Email"] for r in rows) == ["c399@example.com", "c7@example.com"]
