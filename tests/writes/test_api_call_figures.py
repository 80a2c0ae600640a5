"""Every figure of docs/api-calls.md's tables, measured on the local org with a fresh client (so
the describes are paid for, as on a real first run). When one of these changes, the doc changes
with it."""

from __future__ import annotations

import base64
import copy
import json
from pathlib import Path
from typing import Any

import pytest

from asymbl_sf import Asymbl
from asymbl_sf.localorg import LocalOrg

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "kombo_application.json"
FIXTURES = ROOT / "tests" / "fixtures" / "payloads"
JOB = "remote:Registered Nurse"


def payload(email: str = "frank.doe@example.com", *, files: bool = True) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(EXAMPLE.read_text())
    body["candidate"]["email_address"] = email
    if not files:
        body.pop("attachments")
    return body


def calls_of(org: LocalOrg, action: Any) -> int:
    """The API calls one action costs on a client that has seen nothing yet."""
    client = Asymbl(org.salesforce())
    org.calls.reset()
    action(client)
    assert client.usage.calls == org.calls.total  # what we report is what the org saw
    return org.calls.total


def merge_candidate() -> dict[str, Any]:
    body: dict[str, Any] = json.loads((FIXTURES / "merge_candidate.json").read_text())
    return body


@pytest.mark.parametrize("files", [False, True], ids=["no files", "with a CV"])
def test_a_new_application_costs_two(local_org: LocalOrg, files: bool) -> None:
    spent = calls_of(local_org, lambda c: c.create_application(payload(files=files), job_id=JOB))
    assert spent == 2


def test_a_reused_contact_costs_two(local_org: LocalOrg) -> None:
    Asymbl(local_org.salesforce()).create_application(payload(files=False), job_id=JOB)
    other_job = "remote:Senior Backend Engineer"
    assert calls_of(local_org, lambda c: c.create_application(payload(), job_id=other_job)) == 2


def test_the_same_application_again_costs_one(local_org: LocalOrg) -> None:
    Asymbl(local_org.salesforce()).create_application(payload(), job_id=JOB)
    assert calls_of(local_org, lambda c: c.create_application(payload(), job_id=JOB)) == 1


def test_a_dry_run_costs_one(local_org: LocalOrg) -> None:
    assert (
        calls_of(local_org, lambda c: c.create_application(payload(), job_id=JOB, dry_run=True))
        == 1
    )
    assert local_org.count("Contact") == 0


def test_files_and_a_recruiter_still_cost_two(local_org: LocalOrg) -> None:
    body = payload()
    body["sourced_by"] = {"user_id": local_org.records("User")[0]["Username"]}
    assert calls_of(local_org, lambda c: c.create_application(body, job_id=JOB)) == 2


def test_a_payload_holding_a_reference_lookalike_costs_four(local_org: LocalOrg) -> None:
    body = payload(files=False)
    body["candidate"]["title"] = "Head of @{Contact.id}"
    assert calls_of(local_org, lambda c: c.create_application(body, job_id=JOB)) == 4


def test_create_candidate_costs_two_then_one(local_org: LocalOrg) -> None:
    assert calls_of(local_org, lambda c: c.create_candidate(merge_candidate())) == 2
    assert calls_of(local_org, lambda c: c.create_candidate(merge_candidate())) == 1


def test_add_attachment_costs_two(local_org: LocalOrg) -> None:
    created = Asymbl(local_org.salesforce()).create_application(payload(files=False), job_id=JOB)
    file = {
        "name": "cover.txt",
        "type": "COVER_LETTER",
        "content_type": "text/plain",
        "data": base64.b64encode(b"Dear team").decode(),
    }
    application = created["data"]["id"]
    assert calls_of(local_org, lambda c: c.add_attachment(application, file)) == 2


def test_move_stage_costs_two_then_one(local_org: LocalOrg) -> None:
    created = Asymbl(local_org.salesforce()).create_application(payload(files=False), job_id=JOB)
    application = created["data"]["id"]
    job = local_org.get(application)["bpats__Job__c"]  # type: ignore[index]
    stages = [s for s in local_org.records("bpats__ATS_Stage__c") if s["bpats__Job__c"] == job]
    second = sorted(stages, key=lambda s: s["bpats__Sequence__c"])[1]["Id"]
    assert calls_of(local_org, lambda c: c.move_application_stage(application, second)) == 2
    assert calls_of(local_org, lambda c: c.move_application_stage(application, second)) == 1


def test_get_attachments_costs_one_plus_one_per_download(
    local_org: LocalOrg, tmp_path: Path
) -> None:
    created = Asymbl(local_org.salesforce()).create_application(payload(), job_id=JOB)
    contact = created["data"]["candidate"]["id"]
    assert calls_of(local_org, lambda c: c.get_candidate_attachments(contact)) == 1
    spent = calls_of(local_org, lambda c: c.get_candidate_attachments(contact, tmp_path))
    assert spent == 2 and len(list(tmp_path.iterdir())) == 1


def test_create_activity_costs_two_then_one(local_org: LocalOrg) -> None:
    created = Asymbl(local_org.salesforce()).create_application(payload(files=False), job_id=JOB)
    contact = created["data"]["candidate"]["id"]
    activity = {
        "model": {
            "body": "Strong candidate.",
            "subject": "Phone screen",
            "candidate": contact,
            "activity_type": "NOTE",
        }
    }

    def log(client: Asymbl) -> Any:
        return client.create_activity(copy.deepcopy(activity))

    assert calls_of(local_org, log) == 2
    assert calls_of(local_org, log) == 1


def test_with_a_claim_a_warm_client_writes_a_new_application_with_a_cv_in_one_call() -> None:
    from benchmarks.synthetic import schema_with_claim
    from tests.writes.test_claims import claim_mapping

    with LocalOrg(schema=schema_with_claim()) as org:
        client = Asymbl(org.salesforce(), mapping=claim_mapping())
        client.create_application(payload("first@example.com"), job_id=JOB)  # 2: it learns
        org.calls.reset()
        client.create_application(payload(), job_id=JOB)
        assert org.calls.total == 1
        org.calls.reset()
        client.create_application(payload(), job_id="remote:Senior Backend Engineer")
        assert org.calls.total == 2  # a job it has not read yet: the lookups first
