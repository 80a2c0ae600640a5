"""Activities become completed Tasks on the candidate's Contact, once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from asymbl_sf import Asymbl, PayloadError
from asymbl_sf.localorg import LocalOrg

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "kombo_application.json"


@pytest.fixture
def client(local_org: LocalOrg) -> Asymbl:
    return Asymbl(local_org.salesforce())


@pytest.fixture
def application(client: Asymbl) -> dict[str, Any]:
    return client.create_application(EXAMPLE, job_id="remote:Registered Nurse")["data"]


def merge_activity(candidate: str, kind: str, user: str = "some-merge-uuid") -> dict[str, Any]:
    return {
        "model": {
            "body": "Please email this candidate about next steps",
            "user": user,
            "subject": "Candidate Email Outreach - Next Steps",
            "candidate": candidate,
            "activity_type": kind,
        }
    }


def test_merge_email_becomes_an_email_task_owned_by_its_user(
    local_org: LocalOrg, client: Asymbl, application: dict[str, Any]
) -> None:
    user = local_org.records("User")[0]["Id"]
    local_org.calls.reset()
    result = client.create_activity(merge_activity(application["candidate_id"], "EMAIL", user))
    (task,) = local_org.records("Task")
    assert task["TaskSubtype"] == "Email"
    assert task["Status"] == "Completed"
    assert task["WhoId"] == application["candidate_id"]
    assert task["OwnerId"] == user
    assert task["Subject"] == "Candidate Email Outreach - Next Steps"
    assert result["actions"]["activity"] == "create"
    assert local_org.calls.total == 2


@pytest.mark.parametrize("kind", ["NOTE", "OTHER"])
def test_notes_and_others_become_plain_tasks(
    local_org: LocalOrg, client: Asymbl, application: dict[str, Any], kind: str
) -> None:
    client.create_activity(merge_activity(application["candidate_id"], kind))
    assert local_org.records("Task")[0]["TaskSubtype"] == "Task"


def test_an_unknown_user_leaves_the_connected_user_as_owner_with_a_warning(
    local_org: LocalOrg, client: Asymbl, application: dict[str, Any]
) -> None:
    result = client.create_activity(
        merge_activity(application["candidate_id"], "NOTE", "not-a-salesforce-user")
    )
    assert "not an active Salesforce user" in result["warnings"][0]["message"]
    assert local_org.records("Task")[0]["OwnerId"] == local_org.records("User")[0]["Id"]


def test_truto_note_gets_a_subject_from_its_body_date_and_visibility(
    local_org: LocalOrg, client: Asymbl, application: dict[str, Any]
) -> None:
    client.create_activity(
        {
            "candidate_id": application["candidate_id"],
            "body": "Strong assessment.\nNext: interview",
            "visibility": "private",
            "created_at": "2026-11-20T10:00:00Z",
        }
    )
    (task,) = local_org.records("Task")
    assert task["Subject"] == "Strong assessment."
    assert task["ActivityDate"] == "2026-11-20"
    assert "PRIVATE" in task["Description"]


def test_kombo_note_on_an_application_links_the_task_to_it(
    local_org: LocalOrg, client: Asymbl, application: dict[str, Any]
) -> None:
    client.create_activity({"content": "Called the candidate"}, application_id=application["id"])
    (task,) = local_org.records("Task")
    assert task["WhatId"] == application["id"]
    assert task["WhoId"] == application["candidate_id"]


def test_the_same_activity_twice_creates_one_task(
    local_org: LocalOrg, client: Asymbl, application: dict[str, Any]
) -> None:
    body = merge_activity(application["candidate_id"], "EMAIL")
    client.create_activity(body)
    again = client.create_activity(body)
    assert local_org.count("Task") == 1
    assert again["actions"]["activity"] == "exists"


def test_the_same_source_id_with_an_edited_body_is_still_one_task(
    local_org: LocalOrg, client: Asymbl, application: dict[str, Any]
) -> None:
    from asymbl_sf.models.canonical import Activity

    def activity(body: str) -> Activity:
        return Activity(
            type="NOTE",
            subject="Screen",
            body=body,
            dialect="kombo",
            candidate_id=application["candidate_id"],
            remote_id="act-7f3a9c",
        )

    client.create_activity(activity("first version"))
    client.create_activity(activity("edited version"))
    assert local_org.count("Task") == 1


def test_unknown_candidate_is_refused(local_org: LocalOrg, client: Asymbl) -> None:
    with pytest.raises(PayloadError) as caught:
        client.create_activity(merge_activity("0038d0000000099AAA", "NOTE"))
    assert caught.value.problems[0].path == "candidate_id"
    assert local_org.count("Task") == 0


@pytest.mark.parametrize("text", ["Reply to @{task.id}", "@{app.records[0].bpats__Job__c}"])
def test_text_that_looks_like_a_composite_reference_is_logged_as_written(
    local_org: LocalOrg, client: Asymbl, application: dict[str, Any], text: str
) -> None:
    activity = merge_activity(application["candidate_id"], "NOTE")
    activity["model"]["subject"] = text
    activity["model"]["body"] = f"body {text}"
    local_org.calls.reset()
    result = client.create_activity(activity)
    (task,) = local_org.records("Task")
    assert task["Subject"] == text and task["Description"].startswith(f"body {text}")
    assert result["data"]["id"] == task["Id"]
    assert local_org.calls.total == 3  # lookups, insert, read back: no Composite write
    again = client.create_activity(activity)
    assert again["actions"]["activity"] == "exists" and local_org.count("Task") == 1


def test_a_refused_task_with_reference_text_names_the_field(
    local_org: LocalOrg, client: Asymbl, application: dict[str, Any]
) -> None:
    from asymbl_sf import WriteError

    local_org.faults.on_records(
        "FIELD_CUSTOM_VALIDATION_EXCEPTION",
        lambda sobject, body: sobject == "Task",
        fields=("Subject",),
    )
    activity = merge_activity(application["candidate_id"], "NOTE")
    activity["model"]["subject"] = "@{task.id}"
    with pytest.raises(WriteError) as caught:
        client.create_activity(activity)
    assert caught.value.problems[0].path == "subject"  # where the payload gave the Subject
    assert local_org.count("Task") == 0
