"""``pipeline``: each job's applications per stage, rejected apart, counted by the org in one
call, drawn as a funnel on a terminal and given as JSON otherwise."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from rich.console import Console

from asymbl_sf import Asymbl
from asymbl_sf.cli.funnel import funnel_view
from asymbl_sf.localorg import LocalOrg
from asymbl_sf.localorg.soql import evaluate
from asymbl_sf.reading import pipeline
from asymbl_sf.reading.pipeline import JobNotFoundError
from tests.helpers.cli import run_cli

APPLICANT = "bpats__ATS_Applicant__c"
NURSE = "Registered Nurse"


def seed(
    org: LocalOrg, placed: dict[str, int], rejected: dict[str, int], job_name: str = NURSE
) -> None:
    """Applications on a job: ``placed[stage]`` active, ``rejected[stage]`` rejected (through
    the API, so an org kept in a folder keeps them)."""
    sf = org.salesforce()
    job = next(j["Id"] for j in org.records("bpats__Job__c") if j["Name"] == job_name)
    stages = {
        s["Name"]: s["Id"] for s in org.records("bpats__ATS_Stage__c") if s["bpats__Job__c"] == job
    }
    n = 0
    for counts, status in ((placed, "Active"), (rejected, "Rejected")):
        for stage, count in counts.items():
            for _ in range(count):
                n += 1
                contact = sf.Contact.create({"LastName": f"{job_name} {n}"})["id"]
                fields = {
                    "bpats__ATS_Applicant__c": contact,
                    "bpats__Job__c": job,
                    "bpats__Stage__c": stages[stage],
                    "bpats__Applicant_Status__c": status,
                }
                if status == "Rejected":
                    fields["bpats__Asymbl_Rejection_Reason__c"] = "Client Rejected"
                getattr(sf, APPLICANT).create(fields)


@pytest.fixture
def client(local_org: LocalOrg) -> Asymbl:
    seed(local_org, {"Application": 5, "Interview": 2, "Offer": 1}, {"Application": 3})
    return Asymbl(local_org.salesforce())


def test_every_job_with_its_stages_in_order_in_one_call(
    client: Asymbl, local_org: LocalOrg
) -> None:
    local_org.calls.reset()
    funnels = client.pipeline()
    assert local_org.calls.total == 1
    assert [f.name for f in funnels] == ["Registered Nurse", "Senior Backend Engineer"]
    nurse = funnels[0]
    assert [(s.name, s.active, s.rejected) for s in nurse.stages] == [
        ("Application", 5, 3),
        ("Internal Review", 0, 0),
        ("Interview", 2, 0),
        ("Offer", 1, 0),
        ("Placement", 0, 0),
    ]
    assert (nurse.total, nurse.rejected) == (11, 3)
    assert funnels[1].total == 0


def test_jobs_by_name_or_id_and_an_unknown_one_named(client: Asymbl, local_org: LocalOrg) -> None:
    job = next(j["Id"] for j in local_org.records("bpats__Job__c") if j["Name"] == NURSE)
    assert [f.name for f in client.pipeline([NURSE])] == [NURSE]
    assert [f.id for f in client.pipeline([job[:15]])] == [job]
    with pytest.raises(JobNotFoundError, match="'Nurse'"):
        client.pipeline(["Nurse"])


def test_more_groups_than_one_answer_holds_are_counted_per_set_of_jobs(
    client: Asymbl, local_org: LocalOrg, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(local_org, {"Offer": 1}, {}, job_name="Senior Backend Engineer")  # 5 groups in all
    monkeypatch.setattr(evaluate, "MAX_AGGREGATE_ROWS", 4)  # the org answers 4 groups at most
    monkeypatch.setattr(pipeline, "MAX_GROUPS", 3)  # so: one job per set
    local_org.calls.reset()
    nurse, engineer = client.pipeline()
    assert (nurse.active, nurse.rejected, engineer.active) == (8, 3, 1)
    assert local_org.calls.total == 2  # the first answer refused, then the sets in one call


def test_the_funnel_fits_eighty_columns_with_counts_and_rejections(client: Asymbl) -> None:
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=80, color_system=None)
    console.print(funnel_view(client.pipeline(), 80))
    lines = out.getvalue().splitlines()
    assert all(len(line) <= 80 for line in lines)
    assert lines[0] == "Registered Nurse · Open · 11 applications (3 rejected)"
    application = next(line for line in lines if line.startswith("Application"))
    assert "█" in application and "░" in application and "3 rejected" in application
    offer = next(line for line in lines if line.startswith("Offer"))
    assert offer.count("█") >= 1  # one application still shows
    assert "Senior Backend Engineer · Open · 0 applications" in lines


def test_the_command_prints_json_when_piped(clean_env: Path, org_arg: str) -> None:
    local = LocalOrg(org_arg.removeprefix("local:"))
    seed(local, {"Interview": 2}, {})
    result = run_cli("pipeline", NURSE, "--org", org_arg)
    assert result.exit_code == 0, result.stderr
    (job,) = json.loads(result.stdout)["jobs"]
    assert job["name"] == NURSE and job["active"] == 2
    assert "1 job, 2 applications (1 API call)" in result.stderr
    missing = run_cli("pipeline", "Nobody", "--org", org_arg)
    assert missing.exit_code == 1 and "no job 'Nobody'" in missing.stderr
