"""Steering the local org: injected faults, latency, the daily limit and call counting."""

from __future__ import annotations

import time
from typing import Any

import pytest
import requests
from simple_salesforce.exceptions import (
    SalesforceExpiredSession,
    SalesforceGeneralError,
    SalesforceMalformedRequest,
    SalesforceRefusedRequest,
)

from asymbl_sf.localorg import LocalOrg


def _collection(sf: Any, n: int = 3) -> Any:
    records = [{"attributes": {"type": "Contact"}, "LastName": f"Doe {i}"} for i in range(n)]
    return sf.restful("composite/sobjects", method="POST", json={"records": records})


@pytest.mark.parametrize(
    ("kind", "status", "code"),
    [
        ("http_500", 500, "UNKNOWN_EXCEPTION"),
        ("http_503", 503, "SERVER_UNAVAILABLE"),
    ],
)
def test_server_errors_fail_the_next_calls_then_stop(
    local_org: LocalOrg, local_sf: Any, kind: str, status: int, code: str
) -> None:
    local_org.faults.next(2, kind)
    for _ in range(2):
        with pytest.raises(SalesforceGeneralError) as caught:
            local_sf.Contact.create({"LastName": "Doe"})
        assert caught.value.status == status
        assert caught.value.content[0]["errorCode"] == code
    assert local_org.count("Contact") == 0
    assert local_sf.Contact.create({"LastName": "Doe"})["success"]


def test_dropped_connection_does_no_work(local_org: LocalOrg, local_sf: Any) -> None:
    local_org.faults.next(1, "drop")
    with pytest.raises(requests.exceptions.ConnectionError):
        local_sf.Contact.create({"LastName": "Doe"})
    assert local_org.count("Contact") == 0


def test_lost_response_does_the_work_then_drops_the_answer(
    local_org: LocalOrg, local_sf: Any
) -> None:
    local_org.faults.next(1, "lost_response")
    with pytest.raises(requests.exceptions.ConnectionError):
        _collection(local_sf, 3)
    assert local_org.count("Contact") == 3  # a blind retry would create them twice


def test_expired_session_raises_the_clients_expired_session(
    local_org: LocalOrg, local_sf: Any
) -> None:
    local_org.faults.next(1, "expired_session")
    with pytest.raises(SalesforceExpiredSession) as caught:
        local_sf.query("SELECT Id FROM Contact")
    assert caught.value.status == 401
    assert caught.value.content[0]["errorCode"] == "INVALID_SESSION_ID"


def test_missing_session_is_refused(local_org: LocalOrg) -> None:
    response = requests.get(f"{local_org.instance_url}/services/data/v59.0/limits")
    assert response.status_code == 401


def test_request_limit_fault_is_a_403(local_org: LocalOrg, local_sf: Any) -> None:
    local_org.faults.next(1, "request_limit")
    with pytest.raises(SalesforceRefusedRequest) as caught:
        local_sf.Contact.create({"LastName": "Doe"})
    assert caught.value.status == 403
    assert caught.value.content[0]["errorCode"] == "REQUEST_LIMIT_EXCEEDED"


def test_row_lock_fails_each_record_of_a_collection(local_org: LocalOrg, local_sf: Any) -> None:
    local_org.faults.next(1, "row_lock")
    results = _collection(local_sf, 3)
    assert [r["errors"][0]["statusCode"] for r in results] == ["UNABLE_TO_LOCK_ROW"] * 3
    assert local_org.count("Contact") == 0
    ids = [r["id"] for r in _collection(local_sf, 2)]
    local_org.faults.next(1, "row_lock")
    deleted = local_sf.restful("composite/sobjects", method="DELETE", params={"ids": ",".join(ids)})
    assert [r["errors"][0]["statusCode"] for r in deleted] == ["UNABLE_TO_LOCK_ROW"] * 2
    local_org.faults.next(1, "row_lock")
    with pytest.raises(SalesforceMalformedRequest) as caught:
        local_sf.Contact.update(ids[0], {"Title": "x"})
    assert caught.value.content[0]["errorCode"] == "UNABLE_TO_LOCK_ROW"


def test_fault_can_target_one_route(local_org: LocalOrg, local_sf: Any) -> None:
    local_org.faults.next(1, "http_503", path=r"/composite/sobjects$", method="POST")
    local_sf.query("SELECT Id FROM Contact")  # not targeted: answered
    with pytest.raises(SalesforceGeneralError):
        _collection(local_sf)
    assert all(r["success"] for r in _collection(local_sf))


def _outcomes(seed: int) -> list[str]:
    with LocalOrg() as org:
        sf = org.salesforce()
        org.faults.at_rate(0.3, seed=seed)
        out = []
        for _ in range(60):
            try:
                results = _collection(sf, 2)
                out.append(",".join(str(r["success"]) for r in results))
            except Exception as exc:  # recording which fault struck
                out.append(type(exc).__name__)
        return out


def test_faults_at_a_rate_are_reproducible_with_a_seed() -> None:
    first, again, other = _outcomes(7), _outcomes(7), _outcomes(8)
    assert first == again
    assert first != other
    failures = [o for o in first if o != "True,True"]
    assert 5 < len(failures) < 40
    assert len(set(failures)) >= 3  # several kinds, not one


def test_on_records_fails_the_chosen_records(local_org: LocalOrg, local_sf: Any) -> None:
    local_org.faults.on_records(
        "FIELD_CUSTOM_VALIDATION_EXCEPTION",
        lambda sobject, body: sobject == "Contact" and body.get("LastName") == "Doe 1",
        message="Candidates need a phone number",
        fields=("Phone",),
    )
    results = _collection(local_sf, 3)
    assert [r["success"] for r in results] == [True, False, True]
    assert results[1]["errors"] == [
        {
            "statusCode": "FIELD_CUSTOM_VALIDATION_EXCEPTION",
            "message": "Candidates need a phone number",
            "fields": ["Phone"],
        }
    ]
    with pytest.raises(SalesforceMalformedRequest) as caught:
        local_sf.Contact.create({"LastName": "Doe 1"})
    assert caught.value.content[0]["errorCode"] == "FIELD_CUSTOM_VALIDATION_EXCEPTION"
    local_org.faults.clear()
    assert local_sf.Contact.create({"LastName": "Doe 1"})["success"]


def test_unknown_fault_kind_is_refused(local_org: LocalOrg) -> None:
    with pytest.raises(ValueError, match="unknown fault kind"):
        local_org.faults.next(1, "meteor_strike")


def test_latency_delays_every_call(local_org: LocalOrg, local_sf: Any) -> None:
    local_org.latency = 0.05
    started = time.perf_counter()
    for _ in range(3):
        local_sf.query("SELECT Id FROM Contact LIMIT 1")
    assert time.perf_counter() - started >= 0.15


def test_daily_limit_refuses_calls_beyond_it() -> None:
    with LocalOrg(daily_limit=5) as org:
        sf = org.salesforce()
        for _ in range(5):
            sf.query("SELECT Id FROM Contact LIMIT 1")
        for _ in range(2):
            with pytest.raises(SalesforceRefusedRequest) as caught:
                sf.Contact.create({"LastName": "Doe"})
            assert caught.value.status == 403
            assert caught.value.content[0] == {
                "message": "TotalRequests Limit exceeded.",
                "errorCode": "REQUEST_LIMIT_EXCEEDED",
            }
        assert org.count("Contact") == 0
        limits = sf.limits()  # free, and still answered, so a client can see why
        assert limits["DailyApiRequests"]["Max"] == 5
        assert limits["DailyApiRequests"]["Remaining"] == 0


def test_calls_are_counted_per_endpoint(local_org: LocalOrg, local_sf: Any) -> None:
    created = local_sf.Contact.create({"LastName": "Doe"})["id"]
    local_sf.Contact.get(created)
    local_sf.Contact.update(created, {"Title": "x"})
    _collection(local_sf)
    _collection(local_sf)
    local_sf.query("SELECT Id FROM Contact")
    local_sf.restful("composite", method="POST", json={"compositeRequest": []})
    assert local_org.calls["POST sobject"] == 1
    assert local_org.calls["GET record"] == 1
    assert local_org.calls["PATCH record"] == 1
    assert local_org.calls["POST composite/sobjects"] == 2
    assert local_org.calls["GET query"] == 1
    assert local_org.calls["POST composite"] == 1
    assert local_org.calls.total == 7
    local_org.calls.reset()
    assert local_org.calls.total == 0


def test_failed_calls_count_against_the_daily_budget(local_org: LocalOrg, local_sf: Any) -> None:
    local_org.faults.next(1, "http_500")
    with pytest.raises(SalesforceGeneralError):
        local_sf.Contact.create({"LastName": "Doe"})
    local_sf.Contact.create({"LastName": "Doe"})
    assert local_org.api_usage == 2
