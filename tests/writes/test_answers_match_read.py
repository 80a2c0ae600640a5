"""Every write answers with what ``read`` returns for the same records, key by key: one
presenter (the read mapping) for both."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from asymbl_sf import Asymbl
from asymbl_sf.localorg import LocalOrg

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "kombo_application.json"
PAYLOADS = ROOT / "tests" / "fixtures" / "payloads"
APPLICANT = "bpats__ATS_Applicant__c"
#: Kombo's documented keys of an application inside a candidate (``data.applications[]``).
KOMBO_CANDIDATE_APPLICATION_KEYS = {
    "id",
    "remote_id",
    "outcome",
    "rejection_reason_name",
    "rejected_at",
    "remote_url",
    "changed_at",
    "remote_created_at",
    "remote_updated_at",
    "current_stage",
    "job",
}


@pytest.fixture
def client(local_org: LocalOrg) -> Asymbl:
    return Asymbl(local_org.salesforce())


def by_id(rows: Any) -> dict[str, dict[str, Any]]:
    return {row["id"]: row for row in rows}


def test_create_application_answers_what_read_returns(client: Asymbl) -> None:
    result = client.create_application(EXAMPLE, job_id="remote:Registered Nurse")
    data = result["data"]
    assert data == by_id(client.read("applications"))[data["id"]]
    candidate = by_id(client.read("candidates"))[data["candidate_id"]]
    for key, value in data["candidate"].items():
        assert candidate[key] == value, key


def test_an_application_that_exists_answers_from_the_lookups_what_read_returns(
    client: Asymbl, local_org: LocalOrg
) -> None:
    client.create_application(EXAMPLE, job_id="remote:Registered Nurse")
    local_org.calls.reset()
    again = client.create_application(EXAMPLE, job_id="remote:Registered Nurse")
    assert local_org.calls.total == 1  # the lookups only
    assert again["actions"]["application"]["action"] == "exists"
    assert again["data"] == by_id(client.read("applications"))[again["data"]["id"]]


def test_create_candidate_answers_what_read_returns_with_every_application(
    client: Asymbl, local_org: LocalOrg
) -> None:
    body = json.loads((PAYLOADS / "merge_candidate.json").read_text())
    client.create_candidate(body, job_id="remote:Registered Nurse")
    result = client.create_candidate(body, job_id="remote:Senior Backend Engineer")
    data = result["data"]
    assert data == by_id(client.read("candidates"))[data["id"]]
    assert len(data["applications"]) == 2  # the earlier one too, as read shows it
    for application in data["applications"]:
        assert set(application) == KOMBO_CANDIDATE_APPLICATION_KEYS
        assert application["current_stage"]["index"] == 0


def test_a_candidate_without_a_job_answers_what_read_of_every_contact_returns(
    client: Asymbl,
) -> None:
    body = json.loads((PAYLOADS / "truto_candidate.json").read_text())
    data = client.create_candidate(body)["data"]
    assert data["applications"] == []
    assert data == by_id(client.read("candidates", all_contacts=True))[data["id"]]


def test_a_fill_blanks_update_answers_with_the_updated_contact(
    local_org: LocalOrg, tmp_path: Path
) -> None:
    from asymbl_sf.mapping import parse_mapping

    mapping = parse_mapping(
        "version: 1\nextends: default\nobjects:\n  Contact:\n    match: "
        "{on: [Email], when_found: fill_blanks}\n",
        base_dir=tmp_path,
    )
    local_org.salesforce().Contact.create({"LastName": "Doe", "Email": "frank.doe@example.com"})
    client = Asymbl(local_org.salesforce(), mapping=mapping)
    result = client.create_application(EXAMPLE, job_id="remote:Registered Nurse")
    assert result["actions"]["candidate"]["action"] == "update"
    assert result["data"] == by_id(client.read("applications"))[result["data"]["id"]]
    assert result["data"]["candidate"]["first_name"] == "Frank"


def test_move_stage_answers_what_read_returns(client: Asymbl) -> None:
    created = client.create_application(EXAMPLE, job_id="remote:Registered Nurse")["data"]
    moved = client.move_application_stage(created["id"], "Interview")["data"]
    assert moved["current_stage"]["name"] == "Interview"
    assert moved == by_id(client.read("applications"))[created["id"]]
