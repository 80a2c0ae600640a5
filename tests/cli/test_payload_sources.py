"""Every problem with a payload names where the payload came from: its file, or standard input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers.cli import run_cli

pytestmark = pytest.mark.usefixtures("clean_env")


def problem_lines(stderr: str) -> list[str]:
    return [line.strip() for line in stderr.splitlines() if line.startswith("  ")]


@pytest.mark.parametrize("body", ["[1, 2]", '"text"', "7"])
@pytest.mark.parametrize(
    "command",
    [
        ["create-application", "-", "--job-id", "remote:Registered Nurse"],
        ["create-candidate", "-"],
        ["add-attachment", "-", "--candidate-id", "003000000000001AAA"],
        ["create-activity", "-"],
        ["move-stage", "--payload", "-"],
        ["render", "-"],
    ],
)
def test_a_body_on_standard_input_that_is_not_an_object_names_standard_input(
    org_arg: str, command: list[str], body: str
) -> None:
    extra = [] if command[0] == "render" else ["--org", org_arg]
    result = run_cli(*command, *extra, stdin=body)
    assert result.exit_code == 1
    assert problem_lines(result.stderr) == ["standard input: the body must be a JSON object"]


def test_every_problem_of_a_body_on_standard_input_names_it(org_arg: str) -> None:
    bad = {"candidate": {"first_name": "A", "last_name": "B", "email_address": "not-an-email"}}
    result = run_cli(
        "create-application",
        "-",
        "--job-id",
        "remote:Registered Nurse",
        "--org",
        org_arg,
        stdin=json.dumps(bad),
    )
    lines = problem_lines(result.stderr)
    assert result.exit_code == 1 and lines
    assert all(line.startswith("standard input: ") for line in lines), lines
    assert any(line.startswith("standard input: candidate.email_address:") for line in lines)


def test_a_problem_the_org_finds_names_the_file(org_arg: str, tmp_path: Path) -> None:
    path = tmp_path / "app.json"
    path.write_text(
        json.dumps(
            {"candidate": {"first_name": "A", "last_name": "B", "email_address": "a@example.com"}}
        )
    )
    result = run_cli(
        "create-application", str(path), "--job-id", "remote:No Such Job", "--org", org_arg
    )
    assert result.exit_code == 1
    assert problem_lines(result.stderr)[0].startswith(f"{path}: job_id: no bpats__Job__c")


def test_a_missing_file_is_named_once(org_arg: str) -> None:
    result = run_cli("create-application", "nope.json", "--org", org_arg)
    assert result.exit_code == 1
    assert "error: no such file: nope.json" in result.stderr
