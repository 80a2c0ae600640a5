"""Moving an application between the stages of its job."""

from __future__ import annotations

from pathlib import Path

import pytest

from asymbl_sf import Asymbl, PayloadError
from asymbl_sf.localorg import LocalOrg

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "kombo_application.json"
APPLICANT = "bpats__ATS_Applicant__c"


@pytest.fixture
def client(local_org: LocalOrg) -> Asymbl:
    return Asymbl(local_org.salesforce())


@pytest.fixture
def application(client: Asymbl) -> dict:
    return client.create_application(EXAMPLE, job_id="remote:Registered Nurse")["data"]


def stage_named(org: LocalOrg, job_id: str, name: str) -> dict:
    return next(
        s
        for s in org.records("bpats__ATS_Stage__c")
        if s["bpats__Job__c"] == job_id and s["Name"] == name
    )


def test_move_by_stage_name_updates_stage_and_stage_date(
    local_org: LocalOrg, client: Asymbl, application: dict
) -> None:
    local_org.calls.reset()
    result = client.move_application_stage(application["id"], "interview")
    applicant = local_org.get(application["id"])
    assert applicant is not None
    assert (
        applicant["bpats__Stage__c"]
        == stage_named(local_org, application["job_id"], "Interview")["Id"]
    )
    assert applicant["bpats__Current_Stage_Date__c"] is not None
    assert result["data"]["current_stage"]["name"] == "Interview"
    assert result["actions"]["stage"] == "moved"
    assert local_org.calls.total == 2


def test_move_by_15_character_stage_id(
    local_org: LocalOrg, client: Asymbl, application: dict
) -> None:
    offer = stage_named(local_org, application["job_id"], "Offer")
    result = client.move_application_stage(application["id"][:15], offer["Id"][:15])
    assert result["data"]["current_stage"]["id"] == offer["Id"]


def test_a_stage_of_another_job_is_refused_listing_the_jobs_stages(
    local_org: LocalOrg, client: Asymbl, application: dict
) -> None:
    other_job = next(
        j["Id"] for j in local_org.records("bpats__Job__c") if j["Id"] != application["job_id"]
    )
    foreign = stage_named(local_org, other_job, "Offer")
    with pytest.raises(PayloadError) as caught:
        client.move_application_stage(application["id"], foreign["Id"])
    (problem,) = caught.value.problems
    assert problem.path == "stage_id"
    assert "its stages are: Application (" in problem.message
    assert local_org.get(application["id"])["bpats__Stage__c"] == application["current_stage_id"]


def test_moving_to_the_current_stage_is_a_no_op_with_a_warning(
    local_org: LocalOrg, client: Asymbl, application: dict
) -> None:
    before = local_org.get(application["id"])
    local_org.calls.reset()
    result = client.move_application_stage(application["id"], "Application")
    assert result["actions"]["stage"] == "unchanged"
    assert "already on stage 'Application'" in result["warnings"][0]["message"]
    assert local_org.get(application["id"]) == before
    assert local_org.calls.total == 1


def test_unknown_application_is_a_clear_error(local_org: LocalOrg, client: Asymbl) -> None:
    with pytest.raises(PayloadError) as caught:
        client.move_application_stage("a0A8d0000000099AAA", "Offer")
    assert caught.value.problems[0].path == "application_id"
    with pytest.raises(PayloadError):
        client.move_application_stage("not-an-id", "Offer")
