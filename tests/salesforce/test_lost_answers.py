"""Writes whose answer was lost: looked up before they are repeated, never made twice.

``write_once`` on its own, then the three single-record flows against the local org with faults
aimed at their writing call.
"""

from __future__ import annotations

import base64
import copy
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from asymbl_sf import Asymbl
from asymbl_sf.errors import AuthenticationError, TransientError, WriteError
from asymbl_sf.localorg import LocalOrg
from asymbl_sf.mapping import parse_mapping
from asymbl_sf.salesforce.api import SalesforceApi, SubRequest, SubResponse
from asymbl_sf.salesforce.retry import OUTCOME_UNKNOWN, RetryPolicy, write_once
from asymbl_sf.writes.lost import LOST_ANSWER_WARNING

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "kombo_application.json"
APPLICANT = "bpats__ATS_Applicant__c"
NO_WAIT = RetryPolicy(attempts=4, sleep=lambda seconds: None)


# -- write_once -----------------------------------------------------------------------------------


class Script:
    """A write that fails as told, then succeeds; and a find that answers as told."""

    def __init__(self, failures: Sequence[TransientError], found: Any = None) -> None:
        self.failures = list(failures)
        self.found = found
        self.writes = 0
        self.finds = 0

    def write(self) -> str:
        self.writes += 1
        if self.failures:
            raise self.failures.pop(0)
        return "written"

    def find(self) -> Any:
        self.finds += 1
        if isinstance(self.found, Exception):
            raise self.found
        return self.found


def lost() -> TransientError:
    return TransientError("ConnectionError", error_code="CONNECTION_ERROR", maybe_applied=True)


def unavailable() -> TransientError:
    return TransientError("Server unavailable", error_code="SERVER_UNAVAILABLE", status=503)


def test_a_write_that_certainly_failed_is_repeated_without_looking() -> None:
    script = Script([unavailable(), unavailable()])
    assert write_once(NO_WAIT, script.write, script.find) == ("written", False)
    assert (script.writes, script.finds) == (3, 0)


def test_a_lost_answer_whose_records_exist_is_not_written_again() -> None:
    script = Script([lost()], found="found it")
    assert write_once(NO_WAIT, script.write, script.find) == ("found it", True)
    assert (script.writes, script.finds) == (1, 1)


def test_a_lost_answer_whose_records_are_missing_is_written_again() -> None:
    script = Script([lost()], found=None)
    assert write_once(NO_WAIT, script.write, script.find) == ("written", False)
    assert (script.writes, script.finds) == (2, 1)


def test_the_attempts_are_bounded_and_the_last_error_is_raised() -> None:
    script = Script([unavailable() for _ in range(10)])
    with pytest.raises(TransientError, match="Server unavailable"):
        write_once(NO_WAIT, script.write, script.find)
    assert script.writes == NO_WAIT.attempts


def test_when_looking_fails_the_write_is_not_repeated_and_the_error_says_to_look() -> None:
    script = Script([lost()], found=unavailable())
    with pytest.raises(TransientError) as caught:
        write_once(NO_WAIT, script.write, script.find)
    assert script.writes == 1
    assert caught.value.error_code == OUTCOME_UNKNOWN
    assert caught.value.maybe_applied is True
    assert "look in Salesforce before sending it again" in str(caught.value)


def test_other_errors_pass_through_untouched() -> None:
    def refused() -> str:
        raise WriteError([], error_code="FIELD_CUSTOM_VALIDATION_EXCEPTION")

    with pytest.raises(WriteError):
        write_once(NO_WAIT, refused, lambda: None)


# -- the flows --------------------------------------------------------------------------------


@pytest.fixture
def client(local_org: LocalOrg) -> Asymbl:
    client = Asymbl(local_org.salesforce(), retry=NO_WAIT)
    client.api.renew = lambda: "00D8d0000000001!renewed"
    return client


#: Faults for coming writes, one entry per write: a kind, or (kind, count) pairs armed together.
Armed = list[str | list[tuple[str, int]]]


@pytest.fixture
def on_next_write(local_org: LocalOrg, monkeypatch: pytest.MonkeyPatch) -> Armed:
    """Faults armed when the next *writing* Composite goes out (lookups are Composites too, so a
    plain path filter cannot tell them apart); they then apply to that Composite and the next."""
    pending: Armed = []
    original = SalesforceApi.composite

    def composite(
        self: SalesforceApi, subrequests: Sequence[SubRequest], *, all_or_none: bool = False
    ) -> dict[str, SubResponse]:
        if pending and any(s.method != "GET" for s in subrequests):
            entry = pending.pop(0)
            for kind, count in [(entry, 1)] if isinstance(entry, str) else entry:
                local_org.faults.next(count, kind, path="/composite$")
        return original(self, subrequests, all_or_none=all_or_none)

    monkeypatch.setattr(SalesforceApi, "composite", composite)
    return pending


def payload() -> dict[str, Any]:
    return json.loads(EXAMPLE.read_text())


def job(org: LocalOrg) -> str:
    return next(j["Id"] for j in org.records("bpats__Job__c") if j["Name"] == "Registered Nurse")


def assert_written_once(org: LocalOrg, result: dict[str, Any]) -> None:
    (contact,) = org.records("Contact")
    (applicant,) = org.records(APPLICANT)
    assert org.count("ContentVersion") == len(payload()["attachments"]) > 0
    assert result["status"] == "success"
    assert result["data"]["id"] == applicant["Id"]
    assert result["data"]["candidate"]["id"] == contact["Id"]
    assert result["actions"]["application"] == {"action": "create", "id": applicant["Id"]}
    assert all(a.get("id") for a in result["actions"]["attachments"])


def warnings_of(result: dict[str, Any]) -> list[str]:
    return [w["message"] for w in result.get("warnings", [])]


def test_an_application_whose_answer_was_lost_is_found_not_written_twice(
    local_org: LocalOrg, client: Asymbl, on_next_write: Armed
) -> None:
    on_next_write.append("lost_response")
    result = client.create_application(payload(), job_id=job(local_org))
    assert_written_once(local_org, result)
    assert LOST_ANSWER_WARNING in warnings_of(result)
    assert (
        result["data"]["candidate"]["email_addresses"][0]["email_address"]
        == "frank.doe@example.com"
    )
    assert local_org.calls["POST composite"] == 3  # lookup, the write, the lookup again


@pytest.mark.parametrize(
    ("kind", "composites"),
    [
        ("drop", 4),  # may have been applied: looked up (nothing), written again
        ("http_500", 4),  # the same
        ("http_503", 3),  # certainly not applied: written again without looking
        ("row_lock", 3),  # the same
        ("expired_session", 3),  # renewed, and the same request sent again
    ],
)
def test_an_application_write_that_did_not_happen_is_written_again_once(
    local_org: LocalOrg, client: Asymbl, on_next_write: Armed, kind: str, composites: int
) -> None:
    on_next_write.append(kind)
    result = client.create_application(payload(), job_id=job(local_org))
    assert_written_once(local_org, result)
    assert LOST_ANSWER_WARNING not in warnings_of(result)
    assert local_org.calls["POST composite"] == composites


def test_a_row_lock_inside_the_composite_is_written_again(
    local_org: LocalOrg, client: Asymbl
) -> None:
    locked = [True]

    def lock_once(sobject: str, body: dict[str, Any]) -> bool:
        if sobject == APPLICANT and locked[0]:
            locked[0] = False
            return True
        return False

    local_org.faults.on_records(
        "UNABLE_TO_LOCK_ROW", lock_once, message="unable to obtain exclusive access to this record"
    )
    result = client.create_application(payload(), job_id=job(local_org))
    assert_written_once(local_org, result)


def test_a_write_that_keeps_failing_ends_in_the_last_error_with_nothing_written(
    local_org: LocalOrg, client: Asymbl, on_next_write: Armed
) -> None:
    on_next_write.extend(["http_503"] * NO_WAIT.attempts)
    with pytest.raises(TransientError) as caught:
        client.create_application(payload(), job_id=job(local_org))
    assert caught.value.error_code == "SERVER_UNAVAILABLE"
    assert local_org.count("Contact") == 0
    assert local_org.calls["POST composite"] == 1 + NO_WAIT.attempts


def test_when_the_check_after_a_lost_answer_fails_nothing_is_written_again(
    local_org: LocalOrg, client: Asymbl, on_next_write: Armed
) -> None:
    # the write's answer is lost, then every Composite after it (the lookups) is unavailable
    on_next_write.append([("lost_response", 1), ("http_503", 100)])
    with pytest.raises(TransientError) as caught:
        client.create_application(payload(), job_id=job(local_org))
    assert caught.value.error_code == OUTCOME_UNKNOWN
    assert caught.value.maybe_applied is True
    assert "look in Salesforce before sending it again" in str(caught.value)
    assert local_org.count(APPLICANT) == 1  # the lost write happened, once


def test_a_lost_answer_for_a_candidate_without_email_is_not_guessed(
    local_org: LocalOrg, client: Asymbl, on_next_write: Armed
) -> None:
    # No email: no way to find the Contact again, so say so instead of writing a second one.
    body = {"first_name": "Maria", "last_name": "Garcia"}  # Truto: a candidate without email
    on_next_write.append("lost_response")
    with pytest.raises(TransientError) as caught:
        client.create_candidate(body, job_id=job(local_org))
    assert caught.value.error_code == OUTCOME_UNKNOWN
    assert caught.value.maybe_applied is True
    assert "no email" in str(caught.value)
    assert local_org.count("Contact") == 1  # the lost write happened, once


def test_a_unit_that_only_updates_is_simply_sent_again(
    local_org: LocalOrg, on_next_write: Armed, tmp_path: Path
) -> None:
    mapping = parse_mapping(
        "version: 1\nextends: default\nobjects:\n  Contact:\n    match: "
        "{on: [Email], when_found: update}\n",
        base_dir=tmp_path,
    )
    client = Asymbl(local_org.salesforce(), mapping=mapping, retry=NO_WAIT)
    body = payload()
    body["attachments"] = []
    first = client.create_application(body, job_id=job(local_org))
    body["candidate"]["title"] = "Staff Engineer"
    on_next_write.append("lost_response")
    again = client.create_application(body, job_id=job(local_org))
    assert again["actions"]["candidate"]["action"] == "update"
    assert again["data"]["id"] == first["data"]["id"]
    (contact,) = local_org.records("Contact")
    assert contact["Title"] == "Staff Engineer"
    assert LOST_ANSWER_WARNING not in warnings_of(again)  # not "found": simply sent again


def test_an_expired_session_twice_on_the_write_fails_clearly_after_one_renewal(
    local_org: LocalOrg, client: Asymbl, on_next_write: Armed
) -> None:
    renewals: list[int] = []

    def renew() -> str:
        renewals.append(1)
        return "00D8d0000000001!renewed"

    client.api.renew = renew
    on_next_write.append([("expired_session", 2)])
    with pytest.raises(AuthenticationError, match="refused the new session"):
        client.create_application(payload(), job_id=job(local_org))
    assert len(renewals) == 1
    assert local_org.count("Contact") == 0


# -- activities and attachments -----------------------------------------------------------------


@pytest.fixture
def candidate(client: Asymbl, local_org: LocalOrg) -> str:
    result = client.create_application(payload(), job_id=job(local_org))
    return str(result["data"]["candidate"]["id"])


def activity(candidate: str) -> dict[str, Any]:
    return {
        "model": {
            "body": "Called about the night shifts",
            "user": "a-merge-user",
            "subject": "Phone screen",
            "candidate": candidate,
            "activity_type": "NOTE",
        }
    }


@pytest.mark.parametrize(
    ("kind", "recovered"),
    [("lost_response", True), ("drop", False), ("http_503", False), ("row_lock", False)],
)
def test_an_activity_is_logged_once_whatever_happens_to_the_answer(
    local_org: LocalOrg,
    client: Asymbl,
    on_next_write: Armed,
    candidate: str,
    kind: str,
    recovered: bool,
) -> None:
    on_next_write.append(kind)
    result = client.create_activity(activity(candidate))
    (task,) = local_org.records("Task")
    assert result["data"]["id"] == task["Id"]
    assert result["actions"] == {"activity": "create"}
    assert (LOST_ANSWER_WARNING in warnings_of(result)) is recovered


def attachment(candidate: str) -> dict[str, Any]:
    return {
        "name": "cover-letter.txt",
        "type": "COVER_LETTER",
        "content_type": "text/plain",
        "data": base64.b64encode(b"Dear hiring team, ...").decode(),
    }


@pytest.mark.parametrize(
    ("kind", "recovered"),
    [("lost_response", True), ("drop", False), ("http_500", False), ("http_503", False)],
)
def test_an_attachment_is_uploaded_once_whatever_happens_to_the_answer(
    local_org: LocalOrg,
    client: Asymbl,
    on_next_write: Armed,
    candidate: str,
    kind: str,
    recovered: bool,
) -> None:
    before = local_org.count("ContentVersion")
    on_next_write.append(kind)  # the upload travels in the write's Composite call
    result = client.add_attachment(
        None, copy.deepcopy(attachment(candidate)), candidate_id=candidate
    )
    assert local_org.count("ContentVersion") == before + 1
    new = [v for v in local_org.records("ContentVersion") if v["Id"] == result["data"]["id"]]
    assert len(new) == 1
    assert (LOST_ANSWER_WARNING in warnings_of(result)) is recovered
