"""SalesforceApi's retry contract: reads retried, writes never, an expired session renewed once."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import pytest
import requests
import responses
from urllib3.exceptions import MaxRetryError, NameResolutionError, ProtocolError

from asymbl_sf.errors import (
    AuthenticationError,
    RequestLimitError,
    SalesforceError,
    TransientError,
)
from asymbl_sf.localorg import LocalOrg
from asymbl_sf.salesforce.api import SalesforceApi, SubRequest
from asymbl_sf.salesforce.retry import RetryPolicy

CONTACTS = "SELECT Id, LastName FROM Contact"


class Sleeps(list[float]):
    """Records the waits a RetryPolicy asked for, without waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def api(local_org: LocalOrg, sleeps: Sleeps) -> SalesforceApi:
    return SalesforceApi(local_org.salesforce(), retry=RetryPolicy(attempts=4, sleep=sleeps))


def new_contact(name: str = "Doe") -> dict[str, Any]:
    return {"attributes": {"type": "Contact"}, "LastName": name}


class Renewals:
    """A renew hook that counts its calls and hands out fresh session ids."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self) -> str:
        self.count += 1
        return f"00D8d0000000001!renewed-{self.count}"


@pytest.fixture
def renew(api: SalesforceApi) -> Renewals:
    """``api`` renews an expired session through a counting hook (as a login mode would)."""
    hook = Renewals()
    api.renew = hook
    return hook


# -- reads are retried --------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["http_500", "http_503", "drop", "lost_response", "row_lock"])
def test_a_query_is_retried_after_a_transient_failure(
    local_org: LocalOrg, api: SalesforceApi, sleeps: Sleeps, kind: str
) -> None:
    local_org.faults.next(2, kind, path="/query")
    assert api.query(CONTACTS) == []
    assert api.usage.calls == 3  # every attempt is an API call
    assert api.usage.by_kind["query"] == 3
    assert api.usage.retries == 2
    assert local_org.calls["GET query"] == 3
    assert len(sleeps) == 2


def test_a_query_that_keeps_failing_raises_after_the_last_attempt(
    local_org: LocalOrg, api: SalesforceApi, sleeps: Sleeps
) -> None:
    local_org.faults.next(10, "http_503")
    with pytest.raises(TransientError) as caught:
        api.query(CONTACTS)
    assert caught.value.error_code == "SERVER_UNAVAILABLE"
    assert caught.value.maybe_applied is False  # a read changes nothing
    assert local_org.calls["GET query"] == 4
    assert api.usage.calls == 4
    assert len(sleeps) == 3


def test_the_waits_grow_and_stay_under_the_policy_bounds(local_org: LocalOrg) -> None:
    sleeps = Sleeps()
    policy = RetryPolicy(attempts=5, initial_delay=0.5, max_delay=1.5, sleep=sleeps)
    api = SalesforceApi(local_org.salesforce(), retry=policy)
    local_org.faults.next(4, "http_500")
    api.query(CONTACTS)
    assert len(sleeps) == 4
    for waited, bound in zip(sleeps, policy.delays(), strict=True):
        assert 0 <= waited <= bound
    assert policy.delays() == [0.5, 1.0, 1.5, 1.5]


def test_every_page_of_a_query_is_retried_on_its_own(
    local_org: LocalOrg, api: SalesforceApi
) -> None:
    for start in (0, 200):
        api.create_collection([new_contact(f"N{i}") for i in range(start, start + 200)])
    api.sf.headers["Sforce-Query-Options"] = "batchSize=200"
    pages = api.query_iter(CONTACTS)
    rows = [next(pages)]
    local_org.faults.next(1, "drop", path="/query/01g")  # the nextRecordsUrl page
    rows.extend(pages)
    assert len(rows) == 400
    assert api.usage.retries == 1
    assert api.usage.by_kind["query"] == 3


def test_describe_and_restful_gets_are_retried(local_org: LocalOrg, api: SalesforceApi) -> None:
    local_org.faults.next(1, "http_503", path="/describe")
    assert api.describe("Contact").name == "Contact"
    local_org.faults.next(1, "drop", path="/limits")
    assert "DailyApiRequests" in api.restful("limits/")
    assert api.usage.retries == 2


def test_a_composite_of_reads_only_is_retried(local_org: LocalOrg, api: SalesforceApi) -> None:
    local_org.faults.next(1, "lost_response", path="/composite$")
    answers = api.composite([SubRequest("GET", api.query_url(CONTACTS), "contacts")])
    assert answers["contacts"].ok
    assert local_org.calls["POST composite"] == 2


def test_limits_and_refusals_are_not_retried(local_org: LocalOrg, api: SalesforceApi) -> None:
    local_org.faults.next(1, "request_limit")
    with pytest.raises(RequestLimitError):
        api.query(CONTACTS)
    with pytest.raises(SalesforceError) as caught:
        api.query("SELECT Nope FROM Contact")
    assert not isinstance(caught.value, TransientError)
    assert api.usage.calls == 2
    assert api.usage.retries == 0


def test_retries_are_logged_without_sleeping_for_real(
    local_org: LocalOrg, api: SalesforceApi, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="asymbl_sf")
    local_org.faults.next(1, "http_503")
    api.query(CONTACTS)
    assert "query failed (SERVER_UNAVAILABLE" in caplog.text
    assert "attempt 2 of 4" in caplog.text


# -- writes are never retried -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "maybe_applied", "created"),
    [
        ("http_503", False, 0),  # SERVER_UNAVAILABLE: the org did nothing
        ("row_lock", False, 0),  # the request failed as a whole
        ("http_500", True, 0),  # a 500 can come after the work was done
        ("drop", True, 0),  # the client cannot tell a drop before from one after...
        ("lost_response", True, 1),  # ...the org processed the request
    ],
)
def test_a_write_is_tried_once_and_says_whether_it_may_have_happened(
    local_org: LocalOrg, api: SalesforceApi, kind: str, maybe_applied: bool, created: int
) -> None:
    local_org.faults.next(1, kind, method="POST")
    with pytest.raises(TransientError) as caught:
        api.restful("sobjects/Contact/", method="POST", json={"LastName": "Doe"})
    assert caught.value.maybe_applied is maybe_applied
    assert local_org.calls["POST sobject"] == 1
    assert local_org.count("Contact") == created
    assert api.usage.calls == 1
    if kind in ("drop", "lost_response"):
        assert "check before sending it again" in str(caught.value)


@pytest.mark.parametrize("call", ["create_collection", "update_collection", "composite"])
def test_collections_and_writing_composites_are_never_repeated(
    local_org: LocalOrg, api: SalesforceApi, call: str
) -> None:
    (contact_id,) = [r["id"] for r in api.create_collection([new_contact()])]
    local_org.faults.next(1, "lost_response")
    with pytest.raises(TransientError) as caught:
        if call == "create_collection":
            api.create_collection([new_contact("Twice?")])
        elif call == "update_collection":
            api.update_collection([{**new_contact("Renamed"), "id": contact_id}])
        else:
            api.composite(
                [SubRequest("POST", api.sobject_url("Contact"), "c", {"LastName": "Twice?"})],
                all_or_none=True,
            )
    assert caught.value.maybe_applied is True
    assert local_org.calls.total == 2  # the first create, and the one failed call
    assert api.usage.retries == 0


# -- transport failures -------------------------------------------------------------------------


def failing(exc: Exception) -> Any:
    def call(*args: Any, **kwargs: Any) -> Any:
        raise exc

    return call


@pytest.mark.parametrize(
    ("exc", "maybe_applied"),
    [
        (requests.ConnectTimeout("connect timed out"), False),
        (
            requests.ConnectionError(
                MaxRetryError(
                    None,
                    "/x",
                    NameResolutionError(  # type: ignore[arg-type]
                        "acme.my.salesforce.com", None, "Name or service not known"
                    ),
                )
            ),
            False,
        ),  # type: ignore[arg-type]
        (requests.exceptions.SSLError("handshake failed"), False),
        (requests.ReadTimeout("read timed out"), True),
        (requests.ConnectionError(ProtocolError("Connection aborted.")), True),
        (requests.exceptions.ChunkedEncodingError("broken"), True),
    ],
)
def test_transport_failures_of_a_write_say_whether_it_was_sent(
    local_org: LocalOrg, exc: Exception, maybe_applied: bool
) -> None:
    api = SalesforceApi(local_org.salesforce())
    with pytest.raises(TransientError) as caught:
        api._call("POST sobjects/Contact", failing(exc))
    assert caught.value.maybe_applied is maybe_applied
    assert caught.value.error_code == "CONNECTION_ERROR"
    assert type(exc).__name__ in str(caught.value)


def test_a_request_that_cannot_be_built_is_not_transient(local_org: LocalOrg) -> None:
    api = SalesforceApi(local_org.salesforce())
    with pytest.raises(SalesforceError) as caught:
        api._call("GET x", failing(requests.exceptions.InvalidURL("bad url")), idempotent=True)
    assert not isinstance(caught.value, TransientError)
    assert caught.value.error_code == "INVALID_REQUEST"
    assert api.usage.calls == 1


# -- expired sessions ---------------------------------------------------------------------------


def test_an_expired_session_without_a_renew_hook_is_a_clear_error_at_once(
    local_org: LocalOrg, api: SalesforceApi
) -> None:
    local_org.faults.next(1, "expired_session")
    with pytest.raises(AuthenticationError) as caught:
        api.query(CONTACTS)
    message = str(caught.value)
    assert caught.value.error_code == "INVALID_SESSION_ID"
    assert "SF_ACCESS_TOKEN" in message and "get a new access token" in message
    assert local_org.calls.total == 1


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_an_expired_session_is_renewed_once_and_the_call_repeated(
    local_org: LocalOrg, api: SalesforceApi, renew: Renewals, method: str
) -> None:
    local_org.faults.next(1, "expired_session", method=method)
    if method == "GET":
        assert api.query(CONTACTS) == []
    else:  # a 401 means the org did not process it: repeating a write is safe
        api.create_collection([new_contact()])
        assert local_org.count("Contact") == 1
    assert renew.count == 1
    assert api.usage.renewals == 1
    assert api.sf.session_id == "00D8d0000000001!renewed-1"
    assert api.sf.headers["Authorization"] == "Bearer 00D8d0000000001!renewed-1"
    assert local_org.calls.total == 2


def test_a_session_refused_again_after_renewal_fails_clearly_without_looping(
    local_org: LocalOrg, api: SalesforceApi, renew: Renewals
) -> None:
    local_org.faults.next(5, "expired_session")
    with pytest.raises(AuthenticationError) as caught:
        api.query(CONTACTS)
    assert "logged in again, but Salesforce refused the new session" in str(caught.value)
    assert "SF_USERNAME" in str(caught.value)
    assert renew.count == 1
    assert local_org.calls.total == 2


def test_a_call_renews_at_most_once_even_across_its_retries(
    local_org: LocalOrg, api: SalesforceApi, renew: Renewals
) -> None:
    local_org.faults.next(1, "expired_session")
    local_org.faults.next(1, "http_503")
    local_org.faults.next(1, "expired_session")
    # 401 → renew → 503 → retry → 401: the second 401 is the end, not another login
    with pytest.raises(AuthenticationError, match="refused the new session"):
        api.query(CONTACTS)
    assert renew.count == 1


def test_a_later_call_may_renew_again(
    local_org: LocalOrg, api: SalesforceApi, renew: Renewals
) -> None:
    for _ in range(3):  # a long import: the session expires every few hours
        local_org.faults.next(1, "expired_session")
        api.query(CONTACTS)
    assert renew.count == 3


def test_a_failed_renewal_says_what_to_check(local_org: LocalOrg, api: SalesforceApi) -> None:
    def refuse() -> str:
        raise AuthenticationError(
            "Salesforce refused the username/password login at login.salesforce.com "
            "(INVALID_LOGIN)",
            error_code="INVALID_LOGIN",
        )

    api.renew = refuse
    local_org.faults.next(1, "expired_session")
    with pytest.raises(AuthenticationError) as caught:
        api.query(CONTACTS)
    assert caught.value.error_code == "SESSION_RENEWAL_FAILED"
    assert "logging in again failed" in str(caught.value)
    assert "INVALID_LOGIN" in str(caught.value)
    assert "docs/connecting.md" in str(caught.value)


def test_a_renew_hook_failing_in_its_own_way_leaks_nothing(
    local_org: LocalOrg, api: SalesforceApi
) -> None:
    def broken() -> str:
        raise RuntimeError("password=hunter2-secret")

    api.renew = broken
    local_org.faults.next(1, "expired_session")
    with pytest.raises(AuthenticationError) as caught:
        api.query(CONTACTS)
    assert "RuntimeError in the renew hook" in str(caught.value)
    assert "hunter2" not in str(caught.value) and "hunter2" not in repr(caught.value)
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_a_renew_hook_may_return_a_new_client(local_org: LocalOrg, api: SalesforceApi) -> None:
    fresh = local_org.salesforce(session_id="00D8d0000000001!from-a-new-client")
    api.renew = lambda: fresh
    local_org.faults.next(1, "expired_session")
    api.query(CONTACTS)
    assert api.sf.session_id == "00D8d0000000001!from-a-new-client"
    assert api.sf is not fresh  # the session is taken over; the client stays the same


def test_the_renewed_session_is_what_the_next_request_carries() -> None:
    from simple_salesforce import Salesforce

    url = "https://acme.my.salesforce.com/services/data/v62.0/query/"
    seen: list[str] = []

    def answer(request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        seen.append(str(request.headers["Authorization"]))
        if len(seen) == 1:
            return 401, {}, '[{"errorCode": "INVALID_SESSION_ID", "message": "Session expired"}]'
        return 200, {}, '{"done": true, "totalSize": 0, "records": []}'

    with responses.RequestsMock() as mocked:
        mocked.add_callback(responses.GET, url, callback=answer)
        sf = Salesforce(
            instance_url="https://acme.my.salesforce.com", session_id="old-session", version="62.0"
        )
        api = SalesforceApi(sf, renew=lambda: "new-session")
        assert api.query(CONTACTS) == []
    assert seen == ["Bearer old-session", "Bearer new-session"]


# -- raw requests -------------------------------------------------------------------------------


def test_http_retries_a_get_and_translates_errors(local_org: LocalOrg, api: SalesforceApi) -> None:
    url = f"{api.sf.base_url}limits/"
    local_org.faults.next(1, "http_503", path="/limits")
    assert api.http("GET", url).json()["DailyApiRequests"]["Max"] > 0
    assert api.usage.retries == 1
    assert api.usage.limit == 100_000  # read from Sforce-Limit-Info, as for every other call
    assert api.usage.used == local_org.api_usage
    with pytest.raises(SalesforceError) as caught:
        api.http("GET", f"{api.sf.base_url}sobjects/Contact/003000000000000AAA")
    assert caught.value.status == 404


@pytest.mark.usefixtures("renew")
def test_http_sends_the_current_session_and_can_drop_a_default_header(
    local_org: LocalOrg, api: SalesforceApi
) -> None:
    local_org.faults.next(1, "expired_session", path="/limits")
    response = api.http("GET", f"{api.sf.base_url}limits/", headers={"Content-Type": None})
    assert response.request.headers["Authorization"] == "Bearer 00D8d0000000001!renewed-1"
    assert "Content-Type" not in response.request.headers


def test_http_never_repeats_a_post(local_org: LocalOrg, api: SalesforceApi) -> None:
    local_org.faults.next(1, "http_500", method="POST")
    with pytest.raises(TransientError) as caught:
        api.http("POST", f"{api.sf.base_url}sobjects/Contact/", json={"LastName": "Doe"})
    assert caught.value.maybe_applied is True
    assert local_org.calls["POST sobject"] == 1


# -- counting from several threads ---------------------------------------------------------------


class _SlowCounts(dict[str, int]):
    """A by_kind that waits between reading a count and writing it back, so that any other
    thread counting at the same time without the lock would overwrite this one's count."""

    def get(self, key: str, default: Any = None) -> Any:
        found = super().get(key, default)
        time.sleep(0.0001)
        return found


def test_usage_counts_every_call_made_from_many_threads_at_once(api: SalesforceApi) -> None:
    threads, per_thread = 8, 200
    api.usage.by_kind = _SlowCounts()
    start = threading.Barrier(threads)

    def work() -> None:
        start.wait()
        for n in range(per_thread):
            api._call("odd" if n % 2 else "even", lambda: None)  # counted like any call
            api.usage.note_retry()

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    total = threads * per_thread
    assert api.usage.calls == total and api.usage.retries == total
    assert api.usage.kinds() == {"even": total // 2, "odd": total // 2}


def test_usage_kinds_is_a_copy_and_the_budget_is_set_whole(api: SalesforceApi) -> None:
    api.usage.note_call("query")
    kinds = api.usage.kinds()
    kinds["query"] = 99
    assert api.usage.by_kind == {"query": 1}
    api.usage.note_budget(10, 100)
    assert api.usage.remaining == 90


# -- deleting a collection (what undoing a step-by-step write uses) -----------------------------


def test_delete_collection_deletes_and_answers_per_id(
    local_org: LocalOrg, api: SalesforceApi
) -> None:
    made = [r["id"] for r in api.create_collection([new_contact("A"), new_contact("B")])]
    answers = api.delete_collection([made[0], "003000000000000AAA", made[1]])
    assert [a["success"] for a in answers] == [True, False, True]
    assert local_org.count("Contact") == 0
    assert api.usage.kinds()["collections"] == 2


def test_delete_collection_is_a_write_and_never_repeated(
    local_org: LocalOrg, api: SalesforceApi
) -> None:
    (made,) = [r["id"] for r in api.create_collection([new_contact()])]
    local_org.faults.next(1, "lost_response", path="composite/sobjects", method="DELETE")
    with pytest.raises(TransientError) as caught:
        api.delete_collection([made])
    assert caught.value.maybe_applied
    assert local_org.calls["DELETE composite/sobjects"] == 1
