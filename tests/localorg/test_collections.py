"""sObject Collections: POST/PATCH/DELETE/GET composite/sobjects, 200 records, allOrNone."""

from __future__ import annotations

from typing import Any

import pytest
from simple_salesforce.exceptions import SalesforceMalformedRequest

from asymbl_sf.localorg import LocalOrg


def _contacts(n: int, start: int = 0, **extra: Any) -> list[dict[str, Any]]:
    return [
        {
            "attributes": {"type": "Contact"},
            "LastName": f"Doe {start + i}",
            "Email": f"c{start + i}@example.com",
            **extra,
        }
        for i in range(n)
    ]


def _post(sf: Any, records: list[dict[str, Any]], all_or_none: bool = False) -> Any:
    return sf.restful(
        "composite/sobjects", method="POST", json={"allOrNone": all_or_none, "records": records}
    )


def test_create_200_records_in_one_call(local_org: LocalOrg, local_sf: Any) -> None:
    results = _post(local_sf, _contacts(200))
    assert len(results) == 200 and all(r["success"] for r in results)
    assert local_org.count("Contact") == 200
    assert local_org.calls["POST composite/sobjects"] == 1


@pytest.mark.parametrize("method", ["POST", "PATCH"])
def test_more_than_200_records_are_refused_outright(
    local_org: LocalOrg, local_sf: Any, method: str
) -> None:
    with pytest.raises(SalesforceMalformedRequest) as caught:
        local_sf.restful("composite/sobjects", method=method, json={"records": _contacts(201)})
    assert caught.value.status == 400
    assert caught.value.content[0]["errorCode"] == "EXCEEDED_ID_LIMIT"
    assert local_org.count("Contact") == 0


def test_delete_of_more_than_200_ids_is_refused(local_sf: Any) -> None:
    ids = ",".join(["0038d0000000001AAA"] * 201)
    with pytest.raises(SalesforceMalformedRequest) as caught:
        local_sf.restful("composite/sobjects", method="DELETE", params={"ids": ids})
    assert caught.value.content[0]["errorCode"] == "EXCEEDED_ID_LIMIT"


def test_results_come_back_in_request_order_with_mixed_types(local_sf: Any) -> None:
    records = [
        {"attributes": {"type": "Account"}, "Name": "Acme"},
        {"attributes": {"type": "Contact"}, "FirstName": "No last name"},
        {"attributes": {"type": "Contact"}, "LastName": "Doe"},
        {"attributes": {"type": "Task"}, "Subject": "Call"},
    ]
    results = _post(local_sf, records)
    assert [r["success"] for r in results] == [True, False, True, True]
    assert results[0]["id"].startswith("001")
    assert results[2]["id"].startswith("003")
    assert results[3]["id"].startswith("00T")
    assert "id" not in results[1]


def test_all_or_none_false_keeps_the_good_records(local_org: LocalOrg, local_sf: Any) -> None:
    records = _contacts(3)
    records[1]["Email"] = "not an email"
    results = _post(local_sf, records, all_or_none=False)
    assert [r["success"] for r in results] == [True, False, True]
    assert sorted(r["LastName"] for r in local_org.records("Contact")) == ["Doe 0", "Doe 2"]


def test_all_or_none_true_rolls_back_the_whole_batch(local_org: LocalOrg, local_sf: Any) -> None:
    before_usage = local_org.count("Contact")
    records = _contacts(5)
    records[3]["Email"] = "not an email"
    results = _post(local_sf, records, all_or_none=True)
    assert [r["success"] for r in results] == [False] * 5
    assert results[3]["errors"][0]["statusCode"] == "INVALID_EMAIL_ADDRESS"
    for i in (0, 1, 2, 4):
        assert results[i]["errors"][0]["statusCode"] == "ALL_OR_NONE_OPERATION_ROLLED_BACK"
        assert "id" not in results[i]
    assert local_org.count("Contact") == before_usage
    assert local_org.records("Contact", include_deleted=True) == []
    # Nothing found by the email index either.
    assert local_sf.query("SELECT Id FROM Contact WHERE Email = 'c0@example.com'")["totalSize"] == 0


def test_all_or_none_rollback_restores_updated_and_deleted_records(
    local_org: LocalOrg, local_sf: Any
) -> None:
    ids = [r["id"] for r in _post(local_sf, _contacts(3))]
    results = local_sf.restful(
        "composite/sobjects",
        method="PATCH",
        json={
            "allOrNone": True,
            "records": [
                {"attributes": {"type": "Contact"}, "id": ids[0], "Title": "Changed"},
                {"attributes": {"type": "Contact"}, "id": ids[1], "LastName": None},
            ],
        },
    )
    assert [r["success"] for r in results] == [False, False]
    assert (local_org.get(ids[0]) or {}).get("Title") is None
    deleted = local_sf.restful(
        "composite/sobjects",
        method="DELETE",
        params={"ids": f"{ids[2]},0038d0000000ZZZAA2", "allOrNone": "true"},
    )
    assert [r["success"] for r in deleted] == [False, False]
    assert local_org.count("Contact") == 3


def test_rolled_back_unique_value_can_be_used_again(local_org: LocalOrg, local_sf: Any) -> None:
    records = [
        {
            "attributes": {"type": "User"},
            "Username": "new@x.local",
            "LastName": "New",
            "Email": "new@example.com",
        },
        {"attributes": {"type": "User"}, "LastName": "No username", "Email": "x@example.com"},
    ]
    assert not any(r["success"] for r in _post(local_sf, records, all_or_none=True))
    assert _post(local_sf, records[:1])[0]["success"]


def test_update_many_and_missing_id(local_sf: Any) -> None:
    ids = [r["id"] for r in _post(local_sf, _contacts(2))]
    results = local_sf.restful(
        "composite/sobjects",
        method="PATCH",
        json={
            "records": [
                {"attributes": {"type": "Contact"}, "id": ids[0], "Title": "A"},
                {"attributes": {"type": "Contact"}, "Title": "no id"},
                {"attributes": {"type": "Contact"}, "id": ids[1][:15], "Title": "B"},
            ]
        },
    )
    assert results[0] == {"id": ids[0], "success": True, "errors": []}
    assert results[1]["errors"][0]["statusCode"] == "MISSING_ARGUMENT"
    assert results[2]["id"] == ids[1]
    assert local_sf.Contact.get(ids[1])["Title"] == "B"


def test_create_with_an_id_is_refused_per_record(local_sf: Any) -> None:
    records = _contacts(1)
    records[0]["Id"] = "0038d0000000001AAA"
    result = _post(local_sf, records)[0]
    assert result["errors"][0]["statusCode"] == "INVALID_FIELD"


def test_record_without_a_type_is_refused_per_record(local_sf: Any) -> None:
    results = _post(local_sf, [{"LastName": "No type"}, *_contacts(1)])
    assert results[0]["errors"][0]["statusCode"] == "INVALID_TYPE"
    assert results[1]["success"]


def test_delete_many_with_15_and_18_character_ids(local_org: LocalOrg, local_sf: Any) -> None:
    ids = [r["id"] for r in _post(local_sf, _contacts(3))]
    results = local_sf.restful(
        "composite/sobjects",
        method="DELETE",
        params={"ids": f"{ids[0]},{ids[1][:15]},not-an-id,0038d0000000ZZZAA2"},
    )
    assert [r["success"] for r in results] == [True, True, False, False]
    assert [r["id"] for r in results[:2]] == ids[:2]  # answered in the 18-character form
    assert results[2]["errors"][0]["statusCode"] == "MALFORMED_ID"
    assert results[3]["errors"][0]["statusCode"] == "INVALID_CROSS_REFERENCE_KEY"
    assert [r["Id"] for r in local_org.records("Contact")] == [ids[2]]
    again = local_sf.restful("composite/sobjects", method="DELETE", params={"ids": ids[0]})
    assert again[0]["errors"][0]["statusCode"] == "ENTITY_IS_DELETED"


def test_retrieve_many_by_id(local_sf: Any) -> None:
    ids = [r["id"] for r in _post(local_sf, _contacts(2))]
    rows = local_sf.restful(
        "composite/sobjects/Contact",
        params={"ids": f"{ids[0]},{ids[1][:15]}", "fields": "Id,LastName"},
    )
    assert [(r["Id"], r["LastName"]) for r in rows] == [(ids[0], "Doe 0"), (ids[1], "Doe 1")]
