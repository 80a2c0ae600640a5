"""``asymbl-sf update``, ``duplicates`` and ``undo`` from a shell: a diff before writing, a
journal to undo with, clear refusals, and their exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from asymbl_sf.localorg import LocalOrg
from tests.helpers.cli import run_cli

APPLICANT = "bpats__ATS_Applicant__c"
WHERE = "bpats__Job__r.Name = 'Registered Nurse' AND bpats__Stage__r.Name = 'Application'"


@pytest.fixture
def org(clean_env: Path, org_arg: str) -> str:
    """An on-disk local org holding three applications on the nurse job's first stage."""
    local = LocalOrg(org_arg.removeprefix("local:"))
    job = next(j["Id"] for j in local.records("bpats__Job__c") if j["Name"] == "Registered Nurse")
    first = next(
        s["Id"]
        for s in local.records("bpats__ATS_Stage__c")
        if s["bpats__Job__c"] == job and s["Name"] == "Application"
    )
    client = local.salesforce()
    for n in range(3):
        contact = client.Contact.create({"LastName": f"Doe {n}", "Email": f"doe{n}@example.com"})
        getattr(client, APPLICANT).create(
            {
                "bpats__ATS_Applicant__c": contact["id"],
                "bpats__Job__c": job,
                "bpats__Stage__c": first,
            }
        )
    return org_arg


def stages(org: str) -> list[str]:
    local = LocalOrg(org.removeprefix("local:"))
    names = {s["Id"]: s["Name"] for s in local.records("bpats__ATS_Stage__c")}
    return sorted(names[a["bpats__Stage__c"]] for a in local.records(APPLICANT))


def test_a_dry_run_prints_the_diff_and_changes_nothing(org: str) -> None:
    result = run_cli(
        "update", APPLICANT, "--where", WHERE, "--set", "bpats__Stage__c=Offer", "--dry-run",
        "--org", org,
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert "3 would_update" in result.stderr and "'Application'" in result.stderr
    assert json.loads(result.stdout)["outcomes"] == {"would_update": 3}
    assert stages(org) == ["Application"] * 3


def test_update_then_undo_from_the_printed_journal(org: str) -> None:
    done = run_cli(
        "update", APPLICANT, "--where", WHERE, "--set", "bpats__Stage__c=Offer", "--org", org
    )
    assert done.exit_code == 0, done.stderr
    assert stages(org) == ["Offer"] * 3
    journal = json.loads(done.stdout)["journal"]
    assert f"asymbl-sf undo {journal}" in done.stderr
    undone = run_cli("undo", journal, "--org", org)
    assert undone.exit_code == 0, undone.stderr
    assert json.loads(undone.stdout)["outcomes"] == {"restored": 3}
    assert stages(org) == ["Application"] * 3


def test_a_spreadsheet_row_that_fails_exits_one_with_the_line(org: str, clean_env: Path) -> None:
    sheet = clean_env / "fix.csv"
    sheet.write_text("Email,Title\ndoe0@example.com,Nurse\nnobody@example.com,Chef\n")
    result = run_cli("update", "Contact", str(sheet), "--key", "Email", "--org", org)
    assert result.exit_code == 1
    assert "line 3: not_found" in result.stderr
    assert (clean_env / "fix.csv.results.jsonl").exists()


def test_bad_values_exit_two_or_one_and_write_nothing(org: str) -> None:
    usage = run_cli("update", APPLICANT, "--where", WHERE, "--set", "x=1", "--api", "soap")
    assert usage.exit_code == 2 and "soap" in usage.stderr
    bad = run_cli(
        "update", APPLICANT, "--where", WHERE, "--set", "bpats__Stage__c=Nowhere", "--org", org
    )
    assert bad.exit_code == 1 and "Nowhere" in bad.stderr and "Traceback" not in bad.stderr
    assert stages(org) == ["Application"] * 3


def test_duplicates_lists_the_same_candidate_spelled_twice(org: str) -> None:
    local = LocalOrg(org.removeprefix("local:"))
    local.salesforce().Contact.create({"LastName": "Doe", "Email": "DOE0@example.com"})
    result = run_cli("duplicates", "--org", org)
    assert result.exit_code == 0, result.stderr
    groups = json.loads(result.stdout)["groups"]
    assert len(groups) == 1 and len(groups[0]["contacts"]) == 2
    assert run_cli("duplicates", "--dry-run", "--org", org).exit_code != 0  # needs --merge
