"""The asymbl-sf command: thin over the client, JSON on stdout, messages on stderr."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from asymbl_sf import connect
from tests.helpers.cli import run_cli

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
EXAMPLE = str(EXAMPLES / "kombo_application.json")

pytestmark = pytest.mark.usefixtures("clean_env")


def test_every_command_has_help() -> None:
    for command in (
        ["create-application"],
        ["create-candidate"],
        ["add-attachment"],
        ["move-stage"],
        ["get-attachments"],
        ["create-activity"],
        ["render"],
        ["org", "init"],
        ["org", "show"],
        ["org", "reset"],
    ):
        result = run_cli(*command, "--help")
        assert result.exit_code == 0, command
        assert "Usage" in result.stdout


def test_create_application_prints_kombo_json_and_a_summary(org_arg: str) -> None:
    result = run_cli(
        "create-application", EXAMPLE, "--job-id", "remote:Registered Nurse", "--org", org_arg
    )
    assert result.exit_code == 0, result.stderr
    body = json.loads(result.stdout)
    assert body["status"] == "success"
    assert body["data"]["job"]["name"] == "Registered Nurse"
    assert "created application APP-00001" in result.stderr
    assert "2 API calls" in result.stderr


def test_running_it_twice_says_reused_and_exists(org_arg: str) -> None:
    args = ("create-application", EXAMPLE, "--job-id", "remote:Registered Nurse", "--org", org_arg)
    run_cli(*args)
    again = run_cli(*args)
    assert again.exit_code == 0
    assert "Reused the existing Contact" in again.stderr
    assert "already exists" in again.stderr
    show = json.loads(run_cli("org", "show", "--path", org_arg.split(":", 1)[1]).stdout)
    assert show["records"]["Contact"] == 1
    assert show["records"]["bpats__ATS_Applicant__c"] == 1


def test_bad_payload_exits_non_zero_with_one_line_per_problem(org_arg: str) -> None:
    bad = {
        "candidate": {
            "first_name": "A",
            "last_name": "B",
            "email_address": "nope",
            "location": {"country": "Germany"},
        },
        "attachments": [
            {"name": "cv.txt", "type": "CV", "content_type": "text/plain", "data": "%%%"}
        ],
        "colour": "blue",
    }
    result = run_cli(
        "create-application",
        "-",
        "--job-id",
        "remote:Registered Nurse",
        "--org",
        org_arg,
        stdin=json.dumps(bad),
    )
    assert result.exit_code == 1
    assert result.stdout == ""
    lines = [line.strip() for line in result.stderr.splitlines()]
    assert any(line.startswith("standard input: candidate.email_address:") for line in lines)
    assert any(line.startswith("standard input: candidate.location.country:") for line in lines)
    assert any(line.startswith("standard input: attachments[0].data:") for line in lines)
    assert any(line.startswith("standard input: colour:") for line in lines)
    assert "Traceback" not in result.stderr


def test_missing_file_is_a_clear_error(org_arg: str) -> None:
    result = run_cli("create-application", "nope.json", "--org", org_arg)
    assert result.exit_code == 1
    assert "no such file: nope.json" in result.stderr


def test_dry_run_prints_the_plan_and_writes_nothing(org_arg: str) -> None:
    result = run_cli(
        "create-application",
        EXAMPLE,
        "--job-id",
        "remote:Registered Nurse",
        "--dry-run",
        "--org",
        org_arg,
    )
    assert result.exit_code == 0
    assert json.loads(result.stdout)["status"] == "dry_run"
    assert "nothing written" in result.stderr
    show = json.loads(run_cli("org", "show", "--path", org_arg.split(":", 1)[1]).stdout)
    assert show["records"]["Contact"] == 0


def test_render_needs_no_org(tmp_path: Path) -> None:
    result = run_cli("render", EXAMPLE, "--job-id", "remote:x")
    assert result.exit_code == 0
    body = json.loads(result.stdout)
    assert [r["sobject"] for r in body["records"]] == [
        "Contact",
        "bpats__ATS_Applicant__c",
        "ContentVersion",
    ]
    assert not (tmp_path / ".asymbl-sf").exists()


def test_library_and_cli_give_the_same_result(tmp_path: Path) -> None:
    cli = run_cli(
        "create-application",
        EXAMPLE,
        "--job-id",
        "remote:Registered Nurse",
        "--dry-run",
        "--org",
        f"local:{tmp_path / 'a'}",
    )
    library = connect(org=f"local:{tmp_path / 'b'}").create_application(
        EXAMPLE, job_id="remote:Registered Nurse", dry_run=True
    )
    assert json.loads(cli.stdout) == json.loads(json.dumps(library))


def test_no_credentials_means_the_local_org_said_on_stderr(tmp_path: Path) -> None:
    result = run_cli("create-application", EXAMPLE, "--job-id", "remote:Registered Nurse")
    assert result.exit_code == 0
    assert "using the local org" in result.stderr
    assert (tmp_path / ".asymbl-sf" / "org" / "state.json").exists()


def test_org_reset_starts_over(org_arg: str) -> None:
    path = org_arg.split(":", 1)[1]
    run_cli("create-application", EXAMPLE, "--job-id", "remote:Registered Nurse", "--org", org_arg)
    assert run_cli("org", "reset", "--path", path, "--yes").exit_code == 0
    assert json.loads(run_cli("org", "show", "--path", path).stdout)["records"]["Contact"] == 0


def test_the_installed_console_script_runs(tmp_path: Path) -> None:
    script = Path(sys.executable).with_name("asymbl-sf")
    completed = subprocess.run(
        [
            str(script),
            "create-application",
            EXAMPLE,
            "--job-id",
            "remote:Registered Nurse",
            "--org",
            f"local:{tmp_path / 'o'}",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout)["status"] == "success"


def test_every_write_action_works_from_the_cli(org_arg: str) -> None:
    payloads = Path(__file__).resolve().parents[1] / "fixtures" / "payloads"
    created = run_cli(
        "create-application", EXAMPLE, "--job-id", "remote:Registered Nurse", "--org", org_arg
    )
    data = json.loads(created.stdout)["data"]
    candidate = run_cli(
        "create-candidate", str(payloads / "merge_candidate.json"), "--org", org_arg
    )
    assert candidate.exit_code == 0, candidate.stderr
    refused = run_cli(
        "create-candidate",
        str(payloads / "merge_candidate.json"),
        "--on-existing",
        "fail",
        "--org",
        org_arg,
    )
    assert refused.exit_code == 1 and "already exists" in refused.stderr
    attached = run_cli(
        "add-attachment",
        "-",
        "--application-id",
        data["id"],
        "--org",
        org_arg,
        stdin=json.dumps(
            {"name": "n.txt", "type": "OTHER", "content_type": "text/plain", "data": "aGk="}
        ),
    )
    assert attached.exit_code == 0, attached.stderr
    moved = run_cli(
        "move-stage",
        "--payload",
        "-",
        "--org",
        org_arg,
        stdin=json.dumps({"application_id": data["id"], "stage_id": "Interview"}),
    )
    assert moved.exit_code == 0, moved.stderr
    assert json.loads(moved.stdout)["data"]["current_stage"]["name"] == "Interview"
    logged = run_cli(
        "create-activity",
        "-",
        "--org",
        org_arg,
        stdin=json.dumps({"candidate_id": data["candidate_id"], "body": "Spoke on the phone"}),
    )
    assert logged.exit_code == 0, logged.stderr
    files = run_cli("get-attachments", data["candidate_id"], "--org", org_arg)
    names = [a["file_name"] for a in json.loads(files.stdout)["data"]["results"]]
    assert names == ["Frank Doe CV.txt", "n.txt"]
