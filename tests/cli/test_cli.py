"""The asymbl-sf command: thin over the client, JSON on stdout, messages on stderr."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from asymbl_sf import connect
from asymbl_sf.cli.app import app

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
EXAMPLE = str(EXAMPLES / "kombo_application.json")


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def org_arg(tmp_path: Path) -> str:
    return f"local:{tmp_path / 'org'}"


@pytest.fixture(autouse=True)
def no_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("SF_INSTANCE_URL", "SF_ACCESS_TOKEN", "SF_USERNAME", "SF_PASSWORD",
                 "SF_CLIENT_ID", "SF_CLIENT_SECRET", "ASYMBL_SF_ORG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def run(runner: CliRunner, *args: str, stdin: str | None = None) -> Any:
    return runner.invoke(app, list(args), input=stdin)


def test_every_command_has_help(runner: CliRunner) -> None:
    for command in (["create-application"], ["create-candidate"], ["add-attachment"],
                    ["move-stage"], ["get-attachments"], ["create-activity"], ["render"],
                    ["org", "init"], ["org", "show"], ["org", "reset"]):
        result = run(runner, *command, "--help")
        assert result.exit_code == 0, command
        assert "Usage" in result.stdout


def test_create_application_prints_kombo_json_and_a_summary(
    runner: CliRunner, org_arg: str
) -> None:
    result = run(runner, "create-application", EXAMPLE, "--job-id", "remote:Registered Nurse",
                 "--org", org_arg)
    assert result.exit_code == 0, result.stderr
    body = json.loads(result.stdout)
    assert body["status"] == "success"
    assert body["data"]["job"]["name"] == "Registered Nurse"
    assert "created application APP-00001" in result.stderr
    assert "2 API calls" in result.stderr


def test_running_it_twice_says_reused_and_exists(runner: CliRunner, org_arg: str) -> None:
    args = ("create-application", EXAMPLE, "--job-id", "remote:Registered Nurse", "--org", org_arg)
    run(runner, *args)
    again = run(runner, *args)
    assert again.exit_code == 0
    assert "Reused the existing Contact" in again.stderr
    assert "already exists" in again.stderr
    show = json.loads(run(runner, "org", "show", "--path", org_arg.split(":", 1)[1]).stdout)
    assert show["records"]["Contact"] == 1
    assert show["records"]["bpats__ATS_Applicant__c"] == 1


def test_bad_payload_exits_non_zero_with_one_line_per_problem(
    runner: CliRunner, org_arg: str
) -> None:
    bad = {"candidate": {"first_name": "A", "last_name": "B", "email_address": "nope",
                         "location": {"country": "Germany"}},
           "attachments": [{"name": "cv.txt", "type": "CV", "content_type": "text/plain",
                            "data": "%%%"}],
           "colour": "blue"}
    result = run(runner, "create-application", "-", "--job-id", "remote:Registered Nurse",
                 "--org", org_arg, stdin=json.dumps(bad))
    assert result.exit_code == 1
    assert result.stdout == ""
    lines = [line.strip() for line in result.stderr.splitlines()]
    assert any(line.startswith("candidate.email_address:") for line in lines)
    assert any(line.startswith("candidate.location.country:") for line in lines)
    assert any(line.startswith("attachments[0].data:") for line in lines)
    assert any(line.startswith("colour:") for line in lines)
    assert "Traceback" not in result.stderr


def test_missing_file_is_a_clear_error(runner: CliRunner, org_arg: str) -> None:
    result = run(runner, "create-application", "nope.json", "--org", org_arg)
    assert result.exit_code == 1
    assert "no such file: nope.json" in result.stderr


def test_dry_run_prints_the_plan_and_writes_nothing(runner: CliRunner, org_arg: str) -> None:
    result = run(runner, "create-application", EXAMPLE, "--job-id", "remote:Registered Nurse",
                 "--dry-run", "--org", org_arg)
    assert result.exit_code == 0
    assert json.loads(result.stdout)["status"] == "dry_run"
    assert "nothing written" in result.stderr
    show = json.loads(run(runner, "org", "show", "--path", org_arg.split(":", 1)[1]).stdout)
    assert show["records"]["Contact"] == 0


def test_render_needs_no_org(runner: CliRunner, tmp_path: Path) -> None:
    result = run(runner, "render", EXAMPLE, "--job-id", "remote:x")
    assert result.exit_code == 0
    body = json.loads(result.stdout)
    assert [r["sobject"] for r in body["records"]] == [
        "Contact", "bpats__ATS_Applicant__c", "ContentVersion"]
    assert not (tmp_path / ".asymbl-sf").exists()


def test_library_and_cli_give_the_same_result(runner: CliRunner, tmp_path: Path) -> None:
    cli = run(runner, "create-application", EXAMPLE, "--job-id", "remote:Registered Nurse",
              "--dry-run", "--org", f"local:{tmp_path / 'a'}")
    library = connect(org=f"local:{tmp_path / 'b'}").create_application(
        EXAMPLE, job_id="remote:Registered Nurse", dry_run=True)
    assert json.loads(cli.stdout) == json.loads(json.dumps(library))


def test_no_credentials_means_the_local_org_said_on_stderr(
    runner: CliRunner, tmp_path: Path
) -> None:
    result = run(runner, "create-application", EXAMPLE, "--job-id", "remote:Registered Nurse")
    assert result.exit_code == 0
    assert "using the local org" in result.stderr
    assert (tmp_path / ".asymbl-sf" / "org" / "state.json").exists()


def test_org_reset_starts_over(runner: CliRunner, org_arg: str) -> None:
    path = org_arg.split(":", 1)[1]
    run(runner, "create-application", EXAMPLE, "--job-id", "remote:Registered Nurse",
        "--org", org_arg)
    assert run(runner, "org", "reset", "--path", path, "--yes").exit_code == 0
    assert json.loads(run(runner, "org", "show", "--path", path).stdout)["records"]["Contact"] == 0


def test_the_installed_console_script_runs(tmp_path: Path) -> None:
    script = Path(sys.executable).with_name("asymbl-sf")
    completed = subprocess.run(
        [str(script), "create-application", EXAMPLE, "--job-id", "remote:Registered Nurse",
         "--org", f"local:{tmp_path / 'o'}"],
        capture_output=True, text=True, timeout=120, check=False)
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout)["status"] == "success"


def test_every_write_action_works_from_the_cli(runner: CliRunner, org_arg: str) -> None:
    payloads = Path(__file__).resolve().parents[1] / "fixtures" / "payloads"
    created = run(runner, "create-application", EXAMPLE, "--job-id", "remote:Registered Nurse",
                  "--org", org_arg)
    data = json.loads(created.stdout)["data"]
    candidate = run(runner, "create-candidate", str(payloads / "merge_candidate.json"),
                    "--org", org_arg)
    assert candidate.exit_code == 0, candidate.stderr
    refused = run(runner, "create-candidate", str(payloads / "merge_candidate.json"),
                  "--on-existing", "fail", "--org", org_arg)
    assert refused.exit_code == 1 and "already exists" in refused.stderr
    attached = run(runner, "add-attachment", "-", "--application-id", data["id"], "--org", org_arg,
                   stdin=json.dumps({"name": "n.txt", "type": "OTHER",
                                     "content_type": "text/plain", "data": "aGk="}))
    assert attached.exit_code == 0, attached.stderr
    moved = run(runner, "move-stage", "--payload", "-", "--org", org_arg,
                stdin=json.dumps({"application_id": data["id"], "stage_id": "Interview"}))
    assert moved.exit_code == 0, moved.stderr
    assert json.loads(moved.stdout)["data"]["current_stage"]["name"] == "Interview"
    logged = run(runner, "create-activity", "-", "--org", org_arg, stdin=json.dumps(
        {"candidate_id": data["candidate_id"], "body": "Spoke on the phone"}))
    assert logged.exit_code == 0, logged.stderr
    files = run(runner, "get-attachments", data["candidate_id"], "--org", org_arg)
    names = [a["file_name"] for a in json.loads(files.stdout)["data"]["results"]]
    assert names == ["Frank Doe CV.txt", "n.txt"]
